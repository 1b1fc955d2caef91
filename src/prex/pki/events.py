"""Events of the pki context (each becomes an audit entry and an outbox message)."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class CaAdded(DomainEvent):
    fingerprint: str
    subject: str
    purposes: list[str]
    profile: list[str]


@dataclass(frozen=True)
class CaStatusChanged(DomainEvent):
    fingerprint: str
    previous: str
    status: str
    reason: str


@dataclass(frozen=True)
class CrlStored(DomainEvent):
    ca_fingerprint: str
    crl_number: str | None
    this_update: str
    next_update: str | None
    source: str
    url: str | None


@dataclass(frozen=True)
class CertificateBound(DomainEvent):
    fingerprint: str
    subject: str
    identity_kind: str
    identity_display: str


@dataclass(frozen=True)
class CertificateUnbound(DomainEvent):
    fingerprint: str


@dataclass(frozen=True)
class CertificateSignedIn(DomainEvent):
    fingerprint: str
    credential_id: str
    kind: str


@dataclass(frozen=True)
class CertificateSignInRefused(DomainEvent):
    fingerprint: str
    reason: str


@dataclass(frozen=True)
class PlatformKeysCreated(DomainEvent):
    ca_fingerprint: str
    tsa_fingerprint: str
    key_dir: str


@dataclass(frozen=True)
class TimestampIssued(DomainEvent):
    serial: str
    hash_algorithm: str
    message_imprint: str  # hex
    gen_time: str
