"""Tables of the integrations context.

Client secrets are kept as argon2id hashes (like passwords: shown once, never stored); access
tokens as the SHA-256 of the secret (like users' tokens in ``credentials``: they are long
random strings, so a fast hash is enough and lookup is by the hash itself).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

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

# Every API call a client makes, reads included (state changes are also in the hash-chained
# audit trail, with the client id in their payload): who, when, what, for whom, and whether the
# gate let it through. Calls refused for the rate limit are not written, so a flood stays cheap.
integration_calls = Table(
    "integration_calls",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("client_id", String(26), ForeignKey("integration_clients.client_id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("method", String(8), nullable=False),
    Column("path", String(500), nullable=False),
    Column("action", String(64), nullable=True),
    Column("on_behalf_of", String(26), nullable=True),
    Column("address", String(64), nullable=True),
    # "admitted" by the gate (the route may still refuse), or the gate's refusal's problem slug
    Column("outcome", String(32), nullable=False),
)
Index("ix_integration_calls_client_at", integration_calls.c.client_id, integration_calls.c.at)
