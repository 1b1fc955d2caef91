"""Events of supervision cases (all private: a case names suspects)."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class CaseOpened(DomainEvent):
    centre_id: str | None
    title: str
    tender_id: str | None
    hit_ids: list[str]
    opened_by: str | None


@dataclass(frozen=True)
class CaseReviewStarted(DomainEvent):
    by: str | None


@dataclass(frozen=True)
class CaseDismissed(DomainEvent):
    by: str | None
    reason: str


@dataclass(frozen=True)
class CaseReferred(DomainEvent):
    by: str | None
    reason: str


@dataclass(frozen=True)
class CaseNoteAdded(DomainEvent):
    note_id: str
    by: str | None
    text: str


@dataclass(frozen=True)
class CaseEvidenceAdded(DomainEvent):
    evidence_id: str
    by: str | None
    kind: str  # file | hit
    filename: str | None
    sha256: str | None
    hit_id: str | None
