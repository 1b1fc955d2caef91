"""The case aggregate: a supervisor's inquiry into red flags, from opening to a decision.

A case moves through :class:`CaseStatus` only by the verb methods below, each checked against
the one ``_TRANSITIONS`` table, stamped by the injected clock and recorded as an event (which
the unit of work writes to the audit log and the outbox with the actor and address). A decision
— dismissed (no violation found, e.g. a false positive) or referred (to the competent authority
for investigation) — needs a reason, and a decided case is a record: no more notes or evidence.

Pure domain: the standard library and ``prex.shared`` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from prex.analytics.cases import events as ev
from prex.shared.clock import Clock
from prex.shared.errors import InvalidInput, InvalidTransition
from prex.shared.events import DomainEvent
from prex.shared.ids import new_id

TITLE_MAX = 300
TEXT_MAX = 4000


class CaseStatus(StrEnum):
    OPEN = "open"  # 立案待查: opened from hits, nobody has looked yet
    UNDER_REVIEW = "under_review"  # 核查中: a supervisor is checking the evidence
    DISMISSED = "dismissed"  # 不予立案/已排除: no violation (false positive, explained)
    REFERRED = "referred"  # 已移送: handed to the competent authority for investigation

    @property
    def decided(self) -> bool:
        return self in DECIDED


DECIDED = frozenset({CaseStatus.DISMISSED, CaseStatus.REFERRED})

_C = CaseStatus
_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    _C.OPEN: frozenset({_C.UNDER_REVIEW}),
    _C.UNDER_REVIEW: frozenset({_C.DISMISSED, _C.REFERRED}),
    _C.DISMISSED: frozenset(),
    _C.REFERRED: frozenset(),
}


def allowed_transitions(status: CaseStatus) -> frozenset[CaseStatus]:
    return _TRANSITIONS[status]


class EvidenceKind(StrEnum):
    FILE = "file"  # a document kept in the blob store under its SHA-256
    HIT = "hit"  # a red-flag hit, linked by id


@dataclass(frozen=True)
class Note:
    id: str
    author_id: str | None
    author_label: str
    text: str
    at: datetime


@dataclass(frozen=True)
class Evidence:
    id: str
    kind: EvidenceKind
    added_by: str | None
    at: datetime
    hit_id: str | None = None
    filename: str | None = None
    sha256: str | None = None
    size: int | None = None
    media_type: str | None = None


def _text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{field} is required", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{field} is at most {limit} characters", field=field)
    return text


class Case:
    """One case of one centre (or of no centre: imported data), about a tender or subjects."""

    def __init__(
        self,
        *,
        id: str,
        centre_id: str | None,
        title: str,
        tender_id: str | None,
        opened_by: str | None,
        opened_at: datetime,
        status: CaseStatus = CaseStatus.OPEN,
        status_changed_at: datetime | None = None,
        decision_reason: str | None = None,
        version: int = 1,
    ) -> None:
        self.id = id
        self.centre_id = centre_id
        self.title = title
        self.tender_id = tender_id
        self.opened_by = opened_by
        self.opened_at = opened_at
        self.status = status
        self.status_changed_at = status_changed_at or opened_at
        self.decision_reason = decision_reason
        self.version = version
        self.notes: list[Note] = []
        self.evidence: list[Evidence] = []
        self.events: list[DomainEvent] = []
        # Set by the repository: ids of the notes and evidence already stored; None while the
        # case itself has never been stored.
        self.stored_ids: set[str] | None = None

    @classmethod
    def open(
        cls,
        *,
        clock: Clock,
        centre_id: str | None,
        title: str,
        tender_id: str | None,
        hit_ids: list[str],
        opened_by: str | None,
    ) -> Case:
        """Open a case; the hits it starts from are its first evidence."""
        now = clock.now()
        case = cls(
            id=new_id(),
            centre_id=centre_id,
            title=_text(title, "title", TITLE_MAX),
            tender_id=tender_id,
            opened_by=opened_by,
            opened_at=now,
        )
        case.events.append(
            ev.CaseOpened(
                "case",
                case.id,
                now,
                centre_id=centre_id,
                title=case.title,
                tender_id=tender_id,
                hit_ids=list(hit_ids),
                opened_by=opened_by,
            )
        )
        for hit_id in hit_ids:
            case.link_hit(clock, hit_id, opened_by)
        return case

    # ---- transitions ------------------------------------------------------------------------

    def _move(self, clock: Clock, target: CaseStatus) -> datetime:
        if target not in _TRANSITIONS[self.status]:
            raise InvalidTransition("case", self.id, self.status.value, target.value)
        now = clock.now()
        self.status = target
        self.status_changed_at = now
        return now

    def start_review(self, clock: Clock, by: str | None) -> None:
        """A supervisor takes the case up (open → under review)."""
        now = self._move(clock, CaseStatus.UNDER_REVIEW)
        self.events.append(ev.CaseReviewStarted("case", self.id, now, by=by))

    def dismiss(self, clock: Clock, by: str | None, reason: str) -> None:
        """No violation: close the case, saying why (a false positive is explained here)."""
        reason = _text(reason, "reason", TEXT_MAX)
        now = self._move(clock, CaseStatus.DISMISSED)
        self.decision_reason = reason
        self.events.append(ev.CaseDismissed("case", self.id, now, by=by, reason=reason))

    def refer(self, clock: Clock, by: str | None, reason: str) -> None:
        """Hand the case to the competent authority, saying what was found and to whom."""
        reason = _text(reason, "reason", TEXT_MAX)
        now = self._move(clock, CaseStatus.REFERRED)
        self.decision_reason = reason
        self.events.append(ev.CaseReferred("case", self.id, now, by=by, reason=reason))

    def transition(self, clock: Clock, target: CaseStatus, by: str | None, reason: str) -> None:
        """The verb for ``target``: one entry point for forms and the API."""
        if target is CaseStatus.UNDER_REVIEW:
            self.start_review(clock, by)
        elif target is CaseStatus.DISMISSED:
            self.dismiss(clock, by, reason)
        elif target is CaseStatus.REFERRED:
            self.refer(clock, by, reason)
        else:
            raise InvalidTransition("case", self.id, self.status.value, target.value)

    # ---- notes and evidence -------------------------------------------------------------------

    def _require_undecided(self, what: str) -> None:
        if self.status.decided:
            raise InvalidInput(
                f"case {self.id} is {self.status.value}: {what} can no longer be added",
                field="status",
            )

    def add_note(self, clock: Clock, author_id: str | None, author_label: str, text: str) -> Note:
        self._require_undecided("notes")
        note = Note(new_id(), author_id, author_label, _text(text, "text", TEXT_MAX), clock.now())
        self.notes.append(note)
        self.events.append(
            ev.CaseNoteAdded(
                "case", self.id, note.at, note_id=note.id, by=author_id, text=note.text
            )
        )
        return note

    def link_hit(self, clock: Clock, hit_id: str, by: str | None) -> Evidence:
        """A red-flag hit as evidence (once per hit)."""
        self._require_undecided("evidence")
        if any(e.hit_id == hit_id for e in self.evidence):
            raise InvalidInput(
                f"hit {hit_id} is already evidence of case {self.id}", field="hit_ids"
            )
        return self._add(Evidence(new_id(), EvidenceKind.HIT, by, clock.now(), hit_id=hit_id))

    def add_file(
        self,
        clock: Clock,
        by: str | None,
        *,
        filename: str,
        sha256: str,
        size: int,
        media_type: str,
    ) -> Evidence:
        """A document (already in the blob store under ``sha256``) as evidence."""
        self._require_undecided("evidence")
        return self._add(
            Evidence(
                new_id(),
                EvidenceKind.FILE,
                by,
                clock.now(),
                filename=filename,
                sha256=sha256,
                size=size,
                media_type=media_type,
            )
        )

    def _add(self, evidence: Evidence) -> Evidence:
        self.evidence.append(evidence)
        self.events.append(
            ev.CaseEvidenceAdded(
                "case",
                self.id,
                evidence.at,
                evidence_id=evidence.id,
                by=evidence.added_by,
                kind=evidence.kind.value,
                filename=evidence.filename,
                sha256=evidence.sha256,
                hit_id=evidence.hit_id,
            )
        )
        return evidence
