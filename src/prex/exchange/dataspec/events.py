"""Events of the data-spec exchange (past tense; see ``prex.shared.events``)."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class PlatformRegistered(DomainEvent):
    """A platform below may now push its records here."""

    credit_code: str
    fingerprint: str  # SHA-256 of its signing certificate


@dataclass(frozen=True)
class UpstreamRecordsReceived(DomainEvent):
    """A signed batch from a registered platform, record by record."""

    accepted: int
    duplicate: int
    refused: int
