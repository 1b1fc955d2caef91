"""Challenges (质疑) and complaints (投诉) as pure domain objects, and their periods.

A government-procurement supplier first *challenges* the purchaser (《政府采购法》第五十二条);
the purchaser answers within the period (第五十三条). Then — or, for an engineering tender,
directly (《招标投标法实施条例》第六十条) — a bidder *complains* to the supervising department,
which accepts or refuses the complaint, may suspend the tender, and decides in writing.

Every period is rule-pack data (``challenge.*`` and ``complaint.*`` in
``prex/tenders/rulepacks``) counted on Beijing dates with the pack's holiday calendar. A period
of calendar days whose last day is not a working day ends on the next working day (期间的最后
一日是法定休假日的，以法定休假日结束的次日为期间的最后一日, 《民法典》第二百零三条); a
period of working days is counted in working days. An act is on time when done on or before the
period's last day.

Pure domain: the standard library and ``prex.shared`` only (the rule pack is passed in as
duck-typed ``period``/``calendar``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any, Protocol

from prex.shared.calendar import DayUnit, HolidayCalendar
from prex.shared.errors import InvalidInput, InvalidTransition, RuleViolation

BEIJING = timezone(timedelta(hours=8))  # periods are counted in Beijing days


def beijing_date(instant: datetime) -> date:
    """The calendar day in Beijing of an instant."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(BEIJING).date()


class PeriodLike(Protocol):
    @property
    def amount(self) -> int: ...
    @property
    def unit(self) -> DayUnit: ...

    def quote(self) -> str: ...


class PackLike(Protocol):
    """A rule pack as this module uses it (``prex.tenders.rules.RulePack``)."""

    @property
    def id(self) -> str: ...
    @property
    def calendar(self) -> HolidayCalendar: ...

    def period(self, rule: str) -> Any: ...


def last_day(calendar: HolidayCalendar, period: PeriodLike, start: date) -> date:
    """The last day of ``period`` counted from ``start`` (the day of the event, not counted)."""
    midnight = datetime.combine(start, time(), tzinfo=UTC)
    end = calendar.add(midnight, period.amount, period.unit).date()
    if period.unit is DayUnit.CALENDAR:
        while not calendar.is_working_day(end):  # 《民法典》第二百零三条
            end += timedelta(days=1)
    return end


def require_period(pack: PackLike, rule: str) -> Any:
    try:
        return pack.period(rule)
    except KeyError:
        raise InvalidInput(
            f"rule pack '{pack.id}' defines no period '{rule}'", field="rule_pack"
        ) from None


def require_on_time(pack: PackLike, rule: str, start: date, today: date, what: str) -> date:
    """Refuse ``what`` done on ``today`` after the last day of ``rule`` counted from ``start``,
    quoting the rule; returns the last day."""
    period = require_period(pack, rule)
    end = last_day(pack.calendar, period, start)
    if today > end:
        raise RuleViolation(
            rule,
            f"{period.quote()}: {what} — counted from {start.isoformat()}, the period ended "
            f"{end.isoformat()}, today is {today.isoformat()}",
            start=start.isoformat(),
            last_day=end.isoformat(),
        )
    return end


class Subject(StrEnum):
    """What is complained of; each but ``other`` is an act the platform published, whose date
    is when the complainant is deemed to have known of it (应当知道)."""

    DOCUMENTS = "documents"  # 招标文件、采购文件 (the announcement or its latest amendment)
    OPENING = "opening"  # 开标 (the bid deadline)
    RESULT = "result"  # 评标结果、中标结果 (the latest result announcement)
    OTHER = "other"  # anything else: the complainant states when it knew


def knowing_date(
    *,
    subject: Subject,
    act_on: date | None,
    stated: date | None,
    published_on: date,
    today: date,
    known_note: str,
) -> date:
    """The day a period of 'knowing' starts (知道或者应当知道之日).

    The rule (docs/complaints.md): the complainant is deemed to know of an act the platform
    published on the day it was published (``act_on``); it may state a *later* day only with a
    reason (``known_note``, backed by its evidence documents), which the supervisor weighs when
    accepting. Nothing of a tender can be known before its announcement, nor after today."""
    if subject is not Subject.OTHER and act_on is None:
        raise InvalidInput(
            f"nothing of kind '{subject.value}' has been published for this tender yet",
            field="subject",
        )
    known = stated if stated is not None else act_on
    if known is None:
        raise InvalidInput("state the day you knew of the matter (known_on)", field="known_on")
    if known < published_on:
        raise InvalidInput(
            f"the tender was announced on {published_on.isoformat()}: nothing of it could be "
            "known earlier",
            field="known_on",
        )
    if known > today:
        raise InvalidInput("the day you knew of it lies in the future", field="known_on")
    if act_on is not None and known > act_on and not known_note.strip():
        raise RuleViolation(
            "complaint.knowing-date",
            f"the act complained of was published on the platform on {act_on.isoformat()} and is "
            "deemed known that day; a later day needs the reason why (known_note) and evidence",
            act_on=act_on.isoformat(),
        )
    return known


# -- challenges ---------------------------------------------------------------------------------


class ChallengeStatus(StrEnum):
    FILED = "filed"  # 已提出: with the purchaser, the answer period running
    ANSWERED = "answered"  # 已答复: the purchaser answered in writing


CHALLENGE_TRANSITIONS: dict[ChallengeStatus, frozenset[ChallengeStatus]] = {
    ChallengeStatus.FILED: frozenset({ChallengeStatus.ANSWERED}),
    ChallengeStatus.ANSWERED: frozenset(),
}


@dataclass
class Challenge:
    """A supplier's written challenge (质疑) to the purchaser of a procurement tender."""

    id: str
    number: str
    tender_id: str
    org_id: str
    subject: Subject
    known_on: date
    text: str
    filed_at: datetime
    answer_due: date  # the last day of the answer period
    status: ChallengeStatus = ChallengeStatus.FILED
    answer: str | None = None
    answered_at: datetime | None = None

    def answer_with(self, text: str, now: datetime) -> bool:
        """Record the purchaser's answer; returns whether it came after the period."""
        _move("challenge", self.id, CHALLENGE_TRANSITIONS, self.status, ChallengeStatus.ANSWERED)
        self.status = ChallengeStatus.ANSWERED
        self.answer = text
        self.answered_at = now
        return beijing_date(now) > self.answer_due

    def complaint_opens(self) -> date:
        """The first day a complaint may follow: the answer's day, or the day after the
        answer period passed unanswered (《政府采购法》第五十五条)."""
        if self.answered_at is not None:
            return beijing_date(self.answered_at)
        return self.answer_due + timedelta(days=1)


# -- complaints ---------------------------------------------------------------------------------


class ComplaintKind(StrEnum):
    ENGINEERING = "engineering"  # 工程建设项目: to the supervising department directly
    PROCUREMENT = "procurement"  # 政府采购: only after a challenge to the purchaser


class ComplaintStatus(StrEnum):
    FILED = "filed"  # 已提交: with the supervisor, acceptance period running
    ACCEPTED = "accepted"  # 已受理: being investigated; decision period running
    REFUSED = "refused"  # 不予受理: with the written reason
    DECIDED = "decided"  # 已处理: the signed decision is published and applied
    WITHDRAWN = "withdrawn"  # 已撤回: withdrawn by the complainant before the decision

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({ComplaintStatus.REFUSED, ComplaintStatus.DECIDED, ComplaintStatus.WITHDRAWN})
# While open, the supervisor may suspend the tender and the complainant may withdraw.
OPEN = frozenset({ComplaintStatus.FILED, ComplaintStatus.ACCEPTED})

_C = ComplaintStatus
TRANSITIONS: dict[ComplaintStatus, frozenset[ComplaintStatus]] = {
    _C.FILED: frozenset({_C.ACCEPTED, _C.REFUSED, _C.WITHDRAWN}),
    _C.ACCEPTED: frozenset({_C.DECIDED, _C.WITHDRAWN}),
    _C.REFUSED: frozenset(),
    _C.DECIDED: frozenset(),
    _C.WITHDRAWN: frozenset(),
}


def allowed(status: ComplaintStatus) -> frozenset[ComplaintStatus]:
    return TRANSITIONS[status]


class Outcome(StrEnum):
    UPHELD = "upheld"  # 投诉成立
    PARTLY_UPHELD = "partly_upheld"  # 投诉部分成立
    DISMISSED = "dismissed"  # 投诉不成立，驳回


class Remedy(StrEnum):
    """How the decision is applied to the tender (the suspension, if any, is lifted first)."""

    RESUME = "resume"  # 继续招标投标活动: nothing to redo
    REDO_EVALUATION = "redo_evaluation"  # 重新评审: the tender returns from publicity to evaluation
    CANCEL_AWARD = "cancel_award"  # 中标无效: the award is cancelled and the tender ends


@dataclass
class Complaint:
    """A complaint (投诉) to the supervising department about one tender."""

    id: str
    number: str
    tender_id: str
    centre_id: str
    kind: ComplaintKind
    org_id: str
    challenge_id: str | None
    subject: Subject
    known_on: date
    text: str
    filed_at: datetime
    acceptance_due: date
    status: ComplaintStatus = ComplaintStatus.FILED
    decision_due: date | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)

    def _step(self, target: ComplaintStatus) -> None:
        _move("complaint", self.id, TRANSITIONS, self.status, target)
        self.status = target

    def accept(self, pack: PackLike, now: datetime) -> bool:
        """Accept (受理); the decision is due within the period counted from acceptance
        (engineering, 实施条例 第六十一条) or from receipt (procurement, 政府采购法 第五十六条).
        Returns whether acceptance came after its period."""
        self._step(ComplaintStatus.ACCEPTED)
        start = beijing_date(now) if self.kind is ComplaintKind.ENGINEERING else self.filed_on
        self.decision_due = last_day(
            pack.calendar, require_period(pack, "complaint.decision-days"), start
        )
        return beijing_date(now) > self.acceptance_due

    def refuse(self, now: datetime) -> bool:
        self._step(ComplaintStatus.REFUSED)
        return beijing_date(now) > self.acceptance_due

    def decide(self, outcome: Outcome, remedy: Remedy, now: datetime) -> bool:
        if outcome is Outcome.DISMISSED and remedy is not Remedy.RESUME:
            raise InvalidInput(
                "a dismissed complaint changes nothing: its remedy is 'resume'", field="remedy"
            )
        self._step(ComplaintStatus.DECIDED)
        return self.decision_due is not None and beijing_date(now) > self.decision_due

    def withdraw(self) -> None:
        self._step(ComplaintStatus.WITHDRAWN)

    @property
    def filed_on(self) -> date:
        return beijing_date(self.filed_at)

    def overdue(self, today: date) -> bool:
        """Whether the supervisor is past the acceptance or decision period."""
        if self.status is ComplaintStatus.FILED:
            return today > self.acceptance_due
        if self.status is ComplaintStatus.ACCEPTED and self.decision_due is not None:
            return today > self.decision_due
        return False


def _move(kind: str, object_id: str, table: Any, current: Any, target: Any) -> None:
    if target not in table[current]:
        raise InvalidTransition(kind, object_id, current.value, target.value)
