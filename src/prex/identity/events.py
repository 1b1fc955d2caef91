"""Events of the identity context."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class CentreCreated(DomainEvent):
    name: str
    division_code: str
    parent_id: str | None


@dataclass(frozen=True)
class OrganisationRegistered(DomainEvent):
    uscc: str
    name: str
    division_code: str
    kinds: list[str]


@dataclass(frozen=True)
class UserCreated(DomainEvent):
    username: str
    roles: list[str]
    org_id: str | None


@dataclass(frozen=True)
class ContactChanged(DomainEvent):
    mobile_set: bool  # a mobile number is on file now (the number is not in the trail)


@dataclass(frozen=True)
class SignedIn(DomainEvent):
    kind: str  # session | token
    credential_id: str


@dataclass(frozen=True)
class SignInRefused(DomainEvent):
    username: str
    reason: str


@dataclass(frozen=True)
class SignedOut(DomainEvent):
    credential_id: str


@dataclass(frozen=True)
class AccountLocked(DomainEvent):
    """A name reached the failure limit (prex.identity.lockout); the entry's address is the
    last failure's. The aggregate is the user, or "-" for a name no account has."""

    username: str
    until: str  # ISO 8601, UTC
    lockout: int  # the how-manieth since the last success (the lock doubles each time)


@dataclass(frozen=True)
class AccountUnlocked(DomainEvent):
    username: str
