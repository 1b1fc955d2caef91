"""Identity: centres, organisations (unified social credit code), users, roles, sessions, policy."""
