"""Tables of the identity context."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime

centres = Table(
    "centres",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("division_code", String(6), nullable=False, unique=True),
    Column("parent_id", String(26), ForeignKey("centres.id"), nullable=True),
    Column("platform_code", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("uscc", String(18), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("division_code", String(6), nullable=False),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=False),
    Column("kinds", JSON, nullable=False),
    Column("contact_email", String(200), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("email", String(200), nullable=True),
    # Mainland mobile number, E.164 (+86 1xxxxxxxxxx): where SMS notifications go.
    Column("mobile", String(16), nullable=True),
    Column("password_hash", String(200), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=True),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# Sessions (web cookie) and API tokens share one table; only a SHA-256 of the secret is kept.
credentials = Table(
    "credentials",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("kind", String(16), nullable=False),  # session | token
    Column("secret_sha256", String(64), nullable=False, unique=True),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("label", String(100), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("address", String(64), nullable=True),
)
Index("ix_credentials_user", credentials.c.user_id)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("address", String(64), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
)

# Login protection (prex.identity.lockout): one row per account name ("account:<username>") and
# per source address ("address:<ip>"), shared by every web process through the database.
login_guards = Table(
    "login_guards",
    metadata,
    Column("key", String(120), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),  # consecutive, since the last success
    Column("lockouts", Integer, nullable=False, default=0),  # lock-outs since the last success
    Column("locked_until", UTCDateTime, nullable=True),
    Column("tokens", Float, nullable=False, default=0.0),  # an address's failed-sign-in bucket
    Column("stamp", UTCDateTime, nullable=False),
)
