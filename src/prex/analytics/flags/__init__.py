"""Red flags: declarative rules (DuckDB SQL over the warehouse, parameters, a severity) and the
engine that runs them. Each rule is one TOML file in ``rules/``; ``prex flags list`` shows
them, ``prex flags run`` runs them (docs/red-flags.md says how to read a hit)."""
