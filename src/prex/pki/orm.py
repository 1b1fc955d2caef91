"""Tables of the pki context: the trust list, cached CRLs, login challenges, bound certificates."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime

trusted_cas = Table(
    "trusted_cas",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("fingerprint", String(64), nullable=False, unique=True),  # SHA-256 of the DER
    Column("subject", Text, nullable=False),
    Column("subject_sha256", String(64), nullable=False),  # of the DER subject: issuer lookup
    Column("key_id", String(128), nullable=True),  # subjectKeyIdentifier, hex
    Column("key_kind", String(16), nullable=False),  # rsa-2048, ec-p256, sm2 …
    Column("self_signed", Boolean, nullable=False),
    Column("der", LargeBinary, nullable=False),
    Column("not_before", UTCDateTime, nullable=False),
    Column("not_after", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # active | suspended | withdrawn
    Column("status_reason", Text, nullable=False, default=""),
    Column("purposes", JSON, nullable=False),  # ["login", "signing", "encryption"]
    Column("profile", JSON, nullable=False),  # ["uscc:serialNumber", "person:serialNumber"]
    Column("label", String(200), nullable=False, default=""),
    Column("added_at", UTCDateTime, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
)
Index("ix_trusted_cas_subject", trusted_cas.c.subject_sha256)

# The newest CRL known for each trusted CA, fetched from a distribution point or imported.
cached_crls = Table(
    "cached_crls",
    metadata,
    Column("ca_fingerprint", String(64), primary_key=True),
    Column("crl_number", String(64), nullable=True),  # decimal; may exceed 64-bit
    Column("this_update", UTCDateTime, nullable=False),
    Column("next_update", UTCDateTime, nullable=True),
    Column("der", LargeBinary, nullable=False),
    Column("source", String(16), nullable=False),  # fetched | imported
    Column("url", Text, nullable=True),
    Column("stored_at", UTCDateTime, nullable=False),
)

# Single-use nonces for certificate login and for binding a certificate to an account.
cert_challenges = Table(
    "cert_challenges",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("nonce", String(64), nullable=False),  # public by design: the client signs it
    Column("purpose", String(16), nullable=False),  # login | bind
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("address", String(64), nullable=True),
)

# A user's certificates (CA锁绑定). Person identity codes are kept only as a salted hash.
user_certificates = Table(
    "user_certificates",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("ca_id", String(26), ForeignKey("trusted_cas.id"), nullable=False),
    Column("identity_kind", String(16), nullable=False),  # organisation | person
    Column("identity_display", String(64), nullable=False),  # USCC, or masked ID number
    Column("identity_hash", String(64), nullable=False),
    Column("not_after", UTCDateTime, nullable=False),
    Column("bound_at", UTCDateTime, nullable=False),
    Column("unbound_at", UTCDateTime, nullable=True),
)
Index("ix_user_certificates_user", user_certificates.c.user_id)
Index("ix_user_certificates_identity", user_certificates.c.identity_hash)
