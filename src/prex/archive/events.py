"""Events of the archive context (past tense), written to the audit chain and the outbox."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class ArchiveBuilt(DomainEvent):
    """A tender's dossier was packed, signed, timestamped and stored."""

    tender_id: str
    deal_code: str
    sha256: str
    size: int
    members: int
    retain_until: str


@dataclass(frozen=True)
class ArchiveExpired(DomainEvent):
    """The retention period of an archive ended; it is marked, not deleted."""

    tender_id: str
    retain_until: str
