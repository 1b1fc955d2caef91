"""The credit record aggregate: one fact about one subject's credit, issued by an authority.

A record is a violation (失信/违法违规记录), a blacklisting (黑名单), a reward (良好/表彰记录) or a
contract performance evaluation (履约评价) of an organisation or an expert. It names the
authority that issued it (a supervisor of a centre), the legal basis, where it came from
(manual entry, a complaint decision, a referred collusion case, an expert's behaviour on the
platform) and the period it is in force: ``valid_from`` to ``valid_until``, **both inclusive
local dates** in China (the day after ``valid_until`` the subject may act again).

A blacklisting also has a *scope*: everything (``all``), one transaction type, one region (a
division code and the divisions under it) or one centre and the centres under it.

Records are never deleted: a mistake is corrected (each changed field, before and after, in the
event) or the record is revoked — both with a reason. Statuses move only through
``_TRANSITIONS``: recorded (在案, not yet public) → published → revoked.

Pure domain: the standard library and ``prex.shared`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from prex.credit import events as ev
from prex.shared.clock import Clock
from prex.shared.errors import InvalidInput, InvalidTransition
from prex.shared.events import DomainEvent
from prex.shared.ids import new_id

TEXT_MAX = 4000


class RecordKind(StrEnum):
    VIOLATION = "violation"  # 失信/违法违规记录: a finding against the subject
    BLACKLIST = "blacklist"  # 黑名单: barred from the scope during the period
    REWARD = "reward"  # 良好/表彰记录: a commendation
    PERFORMANCE = "performance"  # 履约评价: how a contract was performed (grade)


class SubjectKind(StrEnum):
    ORGANISATION = "organisation"  # by id, with its unified social credit code
    EXPERT = "expert"  # an evaluation expert (never shown to the public)


class ScopeKind(StrEnum):
    ALL = "all"  # every transaction on the platform
    TRANSACTION_TYPE = "transaction_type"  # engineering, procurement, land_use, mining, equity
    REGION = "region"  # a division code and the divisions under it (440300 → 4403…)
    CENTRE = "centre"  # a centre (by id) and the centres under it


class Source(StrEnum):
    MANUAL = "manual"  # entered by a supervisor
    COMPLAINT = "complaint"  # a complaint decision found the subject at fault
    CASE = "case"  # a collusion case referred to the competent authority
    BEHAVIOUR = "behaviour"  # an expert's behaviour recorded on the platform (deduction table)


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优
    GOOD = "good"  # 良
    FAIR = "fair"  # 中
    POOR = "poor"  # 差


class RecordStatus(StrEnum):
    RECORDED = "recorded"  # 在案: in force for the platform's checks, not on the public pages
    PUBLISHED = "published"  # 已公开: also on the public credit pages and upstream
    REVOKED = "revoked"  # 已撤销: no effect anywhere; kept, with the reason

    @property
    def effective(self) -> bool:
        return self is not RecordStatus.REVOKED


_R = RecordStatus
_TRANSITIONS: dict[RecordStatus, frozenset[RecordStatus]] = {
    _R.RECORDED: frozenset({_R.PUBLISHED, _R.REVOKED}),
    _R.PUBLISHED: frozenset({_R.REVOKED}),
    _R.REVOKED: frozenset(),
}

# Fields a correction may change; the subject, the kind and the source never change (revoke and
# record anew instead), so that a record's history stays one story.
CORRECTABLE = (
    "authority",
    "basis",
    "facts",
    "scope",
    "scope_value",
    "valid_from",
    "valid_until",
    "points",
    "grade",
)


def text(value: str | None, field: str, limit: int = TEXT_MAX, *, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"{field} is required", field=field)
    if len(cleaned) > limit:
        raise InvalidInput(f"{field} is at most {limit} characters", field=field)
    return cleaned


@dataclass(frozen=True)
class Where:
    """Where an act happens, as a blacklist's scope sees it."""

    centre_id: str
    region_code: str
    transaction_type: str


def region_prefix(code: str) -> str:
    """A division code without its trailing zero pairs: 440000 → 44, 440300 → 4403."""
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix


def scope_covers(
    scope: ScopeKind,
    value: str | None,
    where: Where,
    centre_line: Callable[[str], list[str]],
) -> bool:
    """Whether a blacklisting of ``scope`` covers an act at ``where``; ``centre_line`` gives a
    centre and its parents, up to the root."""
    if scope is ScopeKind.ALL:
        return True
    if value is None:
        return False
    if scope is ScopeKind.TRANSACTION_TYPE:
        return where.transaction_type == value
    if scope is ScopeKind.REGION:
        return where.region_code.startswith(region_prefix(value))
    return value in centre_line(where.centre_id)


class CreditRecord:
    """One credit record of one subject, issued by one centre's supervisor."""

    def __init__(
        self,
        *,
        id: str,
        kind: RecordKind,
        subject_kind: SubjectKind,
        subject_id: str,
        subject_code: str | None,
        subject_name: str,
        centre_id: str,
        authority: str,
        basis: str,
        facts: str,
        scope: ScopeKind,
        scope_value: str | None,
        valid_from: date,
        valid_until: date | None,
        points: int,
        grade: Grade | None,
        source: Source,
        source_id: str | None,
        recorded_by: str | None,
        recorded_at: datetime,
        status: RecordStatus = RecordStatus.RECORDED,
        published_at: datetime | None = None,
        revoked_at: datetime | None = None,
        revoke_reason: str | None = None,
        updated_at: datetime | None = None,
        version: int = 1,
    ) -> None:
        self.id = id
        self.kind = kind
        self.subject_kind = subject_kind
        self.subject_id = subject_id
        self.subject_code = subject_code
        self.subject_name = subject_name
        self.centre_id = centre_id
        self.authority = authority
        self.basis = basis
        self.facts = facts
        self.scope = scope
        self.scope_value = scope_value
        self.valid_from = valid_from
        self.valid_until = valid_until
        self.points = points
        self.grade = grade
        self.source = source
        self.source_id = source_id
        self.recorded_by = recorded_by
        self.recorded_at = recorded_at
        self.status = status
        self.published_at = published_at
        self.revoked_at = revoked_at
        self.revoke_reason = revoke_reason
        self.updated_at = updated_at or recorded_at
        self.version = version
        self.events: list[DomainEvent] = []
        self.stored = False

    @classmethod
    def record(
        cls,
        *,
        clock: Clock,
        kind: RecordKind,
        subject_kind: SubjectKind,
        subject_id: str,
        subject_code: str | None,
        subject_name: str,
        centre_id: str,
        authority: str,
        basis: str,
        facts: str,
        valid_from: date,
        valid_until: date | None = None,
        scope: ScopeKind = ScopeKind.ALL,
        scope_value: str | None = None,
        points: int = 0,
        grade: Grade | None = None,
        source: Source = Source.MANUAL,
        source_id: str | None = None,
        by: str | None,
    ) -> CreditRecord:
        """Record a fact; checks what each kind needs (a blacklist its scope, a performance
        record its grade), and that the period does not end before it starts."""
        now = clock.now()
        record = cls(
            id=new_id(),
            kind=kind,
            subject_kind=subject_kind,
            subject_id=subject_id,
            subject_code=subject_code,
            subject_name=subject_name,
            centre_id=centre_id,
            authority=text(authority, "authority", 200),
            basis=text(basis, "basis"),
            facts=text(facts, "facts"),
            scope=scope,
            scope_value=(scope_value or "").strip() or None,
            valid_from=valid_from,
            valid_until=valid_until,
            points=points,
            grade=grade,
            source=source,
            source_id=source_id,
            recorded_by=by,
            recorded_at=now,
        )
        record._check()
        record.events.append(
            ev.CreditRecorded(
                "credit_record",
                record.id,
                now,
                kind=kind.value,
                subject_kind=subject_kind.value,
                subject_id=subject_id,
                centre_id=centre_id,
                basis=record.basis,
                source=source.value,
                source_id=source_id,
                scope=record.scope.value,
                scope_value=record.scope_value,
                valid_from=valid_from.isoformat(),
                valid_until=None if valid_until is None else valid_until.isoformat(),
                points=points,
                by=by,
            )
        )
        return record

    def _check(self) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise InvalidInput(
                f"the period ends ({self.valid_until}) before it starts ({self.valid_from})",
                field="valid_until",
            )
        if self.kind is RecordKind.BLACKLIST:
            if self.scope is not ScopeKind.ALL and not self.scope_value:
                raise InvalidInput(
                    f"a blacklist scoped by {self.scope.value} names its value",
                    field="scope_value",
                )
        elif self.scope is not ScopeKind.ALL:
            raise InvalidInput("only a blacklist has a scope", field="scope")
        if self.kind is RecordKind.PERFORMANCE and self.grade is None:
            raise InvalidInput("a performance record has a grade", field="grade")
        if self.kind is not RecordKind.PERFORMANCE and self.grade is not None:
            raise InvalidInput("only a performance record has a grade", field="grade")
        if self.points < 0 or self.points > 100:
            raise InvalidInput("points are 0 to 100", field="points")
        if self.points and not (
            self.subject_kind is SubjectKind.EXPERT and self.kind is RecordKind.VIOLATION
        ):
            raise InvalidInput("only an expert's violation deducts points", field="points")

    # ---- what it means --------------------------------------------------------------------

    def in_force(self, day: date) -> bool:
        """Effective on ``day`` (a local date): not revoked, and within the inclusive period."""
        return (
            self.status.effective
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )

    def quote(self) -> dict[str, Any]:
        """What a refusal quotes: enough to find the record and the decision behind it."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "authority": self.authority,
            "basis": self.basis,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": None if self.valid_until is None else self.valid_until.isoformat(),
            "scope": self.scope.value,
            "scope_value": self.scope_value,
        }

    # ---- transitions ------------------------------------------------------------------------

    def _move(self, clock: Clock, target: RecordStatus) -> datetime:
        if target not in _TRANSITIONS[self.status]:
            raise InvalidTransition("credit record", self.id, self.status.value, target.value)
        now = clock.now()
        self.status = target
        self.updated_at = now
        return now

    def publish(self, clock: Clock, by: str | None) -> None:
        """Put the record on the public credit pages (and in the upstream dataset)."""
        if self.subject_kind is SubjectKind.EXPERT:
            raise InvalidInput(
                "an expert's credit is not published: who the experts are is confidential",
                field="subject_kind",
            )
        now = self._move(clock, RecordStatus.PUBLISHED)
        self.published_at = now
        self.events.append(ev.CreditPublished("credit_record", self.id, now, by=by))

    def revoke(self, clock: Clock, by: str | None, reason: str) -> None:
        """Withdraw the record (撤销), saying why; it stays, with no effect anywhere."""
        reason = text(reason, "reason")
        now = self._move(clock, RecordStatus.REVOKED)
        self.revoked_at = now
        self.revoke_reason = reason
        self.events.append(ev.CreditRevoked("credit_record", self.id, now, by=by, reason=reason))

    def correct(self, clock: Clock, by: str | None, reason: str, changes: dict[str, Any]) -> None:
        """Correct fields of an effective record (更正), saying why; each change, before and
        after, goes into the event."""
        reason = text(reason, "reason")
        if not self.status.effective:
            raise InvalidTransition("credit record", self.id, self.status.value, "corrected")
        unknown = sorted(set(changes) - set(CORRECTABLE))
        if unknown:
            raise InvalidInput(f"{unknown[0]} cannot be corrected", field=unknown[0])
        before = {name: getattr(self, name) for name in changes}
        try:
            for name, value in changes.items():
                if name in ("authority", "basis", "facts"):
                    value = text(value, name, 200 if name == "authority" else TEXT_MAX)
                setattr(self, name, value)
            self._check()
        except InvalidInput:
            for name, value in before.items():  # a refused correction changes nothing
                setattr(self, name, value)
            raise
        diff = {
            name: [_plain(before[name]), _plain(getattr(self, name))]
            for name in changes
            if before[name] != getattr(self, name)
        }
        if not diff:
            raise InvalidInput("the correction changes nothing", field="changes")
        now = clock.now()
        self.updated_at = now
        self.events.append(
            ev.CreditCorrected("credit_record", self.id, now, by=by, reason=reason, changes=diff)
        )


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, StrEnum):
        return value.value
    return value
