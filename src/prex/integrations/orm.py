"""Tables of the integrations context.

Client secrets are kept as argon2id hashes (like passwords: shown once, never stored); access
tokens as the SHA-256 of the secret (like users' tokens in ``credentials``: they are long
random strings, so a fast hash is enough and lookup is by the hash itself).
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

integration_clients = Table(
    "integration_clients",
    metadata,
    Column("client_id", String(26), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("rate_per_minute", Integer, nullable=False),
    Column("burst", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(64), nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

integration_secrets = Table(
    "integration_secrets",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("client_id", String(26), ForeignKey("integration_clients.client_id"), nullable=False),
    Column("secret_hash", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)
Index("ix_integration_secrets_client", integration_secrets.c.client_id)

integration_tokens = Table(
    "integration_tokens",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("client_id", String(26), ForeignKey("integration_clients.client_id"), nullable=False),
    Column("secret_id", String(26), ForeignKey("integration_secrets.id"), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("scopes", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("address", String(64), nullable=True),
)
Index("ix_integration_tokens_client", integration_tokens.c.client_id)

# A bidder's consent that a client acts for it: the signed act is kept as signed.
integration_consents = Table(
    "integration_consents",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("client_id", String(26), ForeignKey("integration_clients.client_id"), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("valid_until", UTCDateTime, nullable=False),
    Column("act", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("signer_fingerprint", String(64), nullable=False),
    Column("granted_by", String(26), ForeignKey("users.id"), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", String(26), nullable=True),
)
Index(
    "ix_integration_consents_client_org",
    integration_consents.c.client_id,
    integration_consents.c.org_id,
)
