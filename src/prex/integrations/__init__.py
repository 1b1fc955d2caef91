"""Registered integrations: machine clients (OAuth 2.0 client credentials) and consents."""
