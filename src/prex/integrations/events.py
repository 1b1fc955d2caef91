"""Events of the integrations context (each one an audit entry with its actor and address)."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class ClientRegistered(DomainEvent):
    name: str
    org_id: str
    scopes: list[str]
    rate_per_minute: int
    burst: int


@dataclass(frozen=True)
class ClientSecretAdded(DomainEvent):
    secret_id: str


@dataclass(frozen=True)
class ClientSecretRevoked(DomainEvent):
    secret_id: str
    tokens_revoked: int


@dataclass(frozen=True)
class ClientRevoked(DomainEvent):
    reason: str


@dataclass(frozen=True)
class ClientTokenIssued(DomainEvent):
    token_id: str
    secret_id: str
    scopes: list[str]
    expires_at: str


@dataclass(frozen=True)
class ClientTokenRefused(DomainEvent):
    reason: str


@dataclass(frozen=True)
class ConsentGranted(DomainEvent):
    client_id: str
    org_id: str
    scopes: list[str]
    valid_until: str
    signer_fingerprint: str
    act_sha256: str


@dataclass(frozen=True)
class ConsentRevoked(DomainEvent):
    client_id: str
    org_id: str
