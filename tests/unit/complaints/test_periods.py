"""Both sides of every complaint period of the bundled rule packs, each with a public holiday of
2026 inside (calendar-cn.toml: 1–5 May and 1–7 October off, Saturdays 9 May and 10 October
worked), the expected last days counted by hand; and properties of the arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.complaints.model import (
    Challenge,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    Outcome,
    Remedy,
    Subject,
    knowing_date,
    last_day,
    require_on_time,
)
from prex.shared.calendar import DayUnit
from prex.shared.errors import InvalidInput, InvalidTransition, RuleViolation
from prex.tenders.rules import Period, RulePackRegistry

PACKS = RulePackRegistry.bundled()
ENG = PACKS.get("engineering-open")
GP = PACKS.get("procurement-open")


def at(day: str, hour: int = 9) -> datetime:
    """``hour`` o'clock Beijing time on ``day``."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(hours=hour - 8)


def d(text: str) -> date:
    return date.fromisoformat(text)


# (pack, rule, start, last day counted by hand)
BOUNDARIES = [
    # 7 working days from 30 September: 8, 9, 10 (Saturday worked), 12, 13, 14, 15 October.
    (GP, "challenge.filing-days", "2026-09-30", "2026-10-15"),
    # 7 working days from 30 April: 6, 7, 8, 9 (Saturday worked), 11, 12, 13 May.
    (GP, "challenge.answer-days", "2026-04-30", "2026-05-13"),
    # 15 working days after an answer period ending 24 September (25–27 Mid-Autumn off):
    # 28, 29, 30 Sep, 8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22 October.
    (GP, "complaint.filing-days", "2026-09-24", "2026-10-22"),
    # 10 calendar days from 30 April end on Sunday 10 May, not a working day: Monday 11 May
    # (《民法典》第二百零三条).
    (ENG, "complaint.filing-days", "2026-04-30", "2026-05-11"),
    # 10 calendar days from 21 September end on 1 October, a holiday: the 8th.
    (ENG, "complaint.filing-days", "2026-09-21", "2026-10-08"),
    # 3 working days from 30 September: 8, 9, 10 October.
    (ENG, "complaint.acceptance-days", "2026-09-30", "2026-10-10"),
    # 5 working days from 30 April: 6, 7, 8, 9, 11 May.
    (GP, "complaint.acceptance-days", "2026-04-30", "2026-05-11"),
    # 30 working days from 15 September: 16, 17, 18, 20 (Sunday worked), 21–24, 28–30 Sep
    # (11), 8, 9, 10 (Saturday worked), 12–16, 19–23, 26–30 Oct (29), 2 November (30).
    (ENG, "complaint.decision-days", "2026-09-15", "2026-11-02"),
    (GP, "complaint.decision-days", "2026-09-15", "2026-11-02"),
]


@pytest.mark.parametrize(("pack", "rule", "start", "last"), BOUNDARIES)
def test_each_period_is_kept_on_its_last_day_and_missed_the_day_after(
    pack: object, rule: str, start: str, last: str
) -> None:
    assert require_on_time(pack, rule, d(start), d(last), "late") == d(last)  # type: ignore[arg-type]
    with pytest.raises(RuleViolation) as refused:
        require_on_time(pack, rule, d(start), d(last) + timedelta(days=1), "late")  # type: ignore[arg-type]
    assert refused.value.rule == rule
    period = pack.period(rule)  # type: ignore[attr-defined]
    assert period.source in refused.value.message and period.text in refused.value.message
    assert last in refused.value.message


def test_a_challenge_answer_is_late_the_day_after_its_period_and_a_complaint_may_then_follow() -> (
    None
):
    def challenge() -> Challenge:
        return Challenge(
            id="Z",
            number="ZY-1",
            tender_id="T",
            org_id="O",
            subject=Subject.DOCUMENTS,
            known_on=d("2026-04-29"),
            text="质疑",
            filed_at=at("2026-04-30"),
            answer_due=d("2026-05-13"),
        )

    on_time = challenge()
    assert on_time.complaint_opens() == d("2026-05-14")  # unanswered: the day after the period
    assert on_time.answer_with("答复", at("2026-05-13", 23)) is False
    assert on_time.complaint_opens() == d("2026-05-13")  # answered: from the answer's day
    with pytest.raises(InvalidTransition):
        on_time.answer_with("再答复", at("2026-05-13", 23))
    assert challenge().answer_with("答复", at("2026-05-14")) is True


def complaint(kind: ComplaintKind, filed: str, acceptance_due: str) -> Complaint:
    return Complaint(
        id="C",
        number="TS-1",
        tender_id="T",
        centre_id="X",
        kind=kind,
        org_id="O",
        challenge_id=None,
        subject=Subject.DOCUMENTS,
        known_on=d(filed),
        text="投诉",
        filed_at=at(filed),
        acceptance_due=d(acceptance_due),
    )


def test_acceptance_is_overdue_the_day_after_its_period_and_the_decision_period_follows() -> None:
    c = complaint(ComplaintKind.ENGINEERING, "2026-09-30", "2026-10-10")
    assert not c.overdue(d("2026-10-10")) and c.overdue(d("2026-10-11"))
    assert c.accept(ENG, at("2026-10-10")) is False
    assert c.decision_due == d("2026-11-20")  # 30 working days from acceptance on 10 October
    assert not c.overdue(d("2026-11-20")) and c.overdue(d("2026-11-21"))
    assert c.decide(Outcome.UPHELD, Remedy.RESUME, at("2026-11-21")) is True
    assert c.status is ComplaintStatus.DECIDED and not c.overdue(d("2027-01-01"))
    late = complaint(ComplaintKind.ENGINEERING, "2026-09-30", "2026-10-10")
    assert late.accept(ENG, at("2026-10-12")) is True


def test_a_procurement_decision_is_due_counted_from_receipt_not_acceptance() -> None:
    c = complaint(ComplaintKind.PROCUREMENT, "2026-09-15", "2026-09-22")
    c.accept(GP, at("2026-09-22"))
    assert c.decision_due == d("2026-11-02")


def test_the_complaint_status_table_is_enforced() -> None:
    c = complaint(ComplaintKind.ENGINEERING, "2026-09-30", "2026-10-10")
    with pytest.raises(InvalidTransition, match="'filed' to 'decided'"):
        c.decide(Outcome.UPHELD, Remedy.RESUME, at("2026-10-01"))
    c.refuse(at("2026-10-01"))
    for verb in (lambda: c.accept(ENG, at("2026-10-02")), c.withdraw):
        with pytest.raises(InvalidTransition):
            verb()
    dismissed = complaint(ComplaintKind.ENGINEERING, "2026-09-30", "2026-10-10")
    dismissed.accept(ENG, at("2026-10-02"))
    with pytest.raises(InvalidInput, match="resume"):
        dismissed.decide(Outcome.DISMISSED, Remedy.CANCEL_AWARD, at("2026-10-09"))


def test_the_knowing_day_is_the_acts_publication_unless_a_later_day_is_explained() -> None:
    common = {"published_on": d("2026-09-01"), "today": d("2026-09-20")}
    assert knowing_date(
        subject=Subject.RESULT, act_on=d("2026-09-10"), stated=None, known_note="", **common
    ) == d("2026-09-10")
    with pytest.raises(RuleViolation):
        knowing_date(
            subject=Subject.RESULT,
            act_on=d("2026-09-10"),
            stated=d("2026-09-15"),
            known_note="",
            **common,
        )
    assert knowing_date(
        subject=Subject.RESULT,
        act_on=d("2026-09-10"),
        stated=d("2026-09-15"),
        known_note="15日才收到未中标通知",
        **common,
    ) == d("2026-09-15")
    for stated in (d("2026-08-31"), d("2026-09-21")):
        with pytest.raises(InvalidInput):
            knowing_date(subject=Subject.OTHER, act_on=None, stated=stated, known_note="", **common)
    with pytest.raises(InvalidInput):
        knowing_date(subject=Subject.RESULT, act_on=None, stated=None, known_note="", **common)


def test_every_bundled_pack_defines_its_complaint_periods_with_text_and_source() -> None:
    for pack in PACKS.all():
        rules = ["complaint.filing-days", "complaint.acceptance-days", "complaint.decision-days"]
        if pack.transaction_type == "procurement":
            rules += ["challenge.filing-days", "challenge.answer-days"]
        for rule in rules:
            period = pack.period(rule)
            assert period.amount > 0 and period.text and period.source, (pack.id, rule)


DAYS = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 11, 30))


@given(start=DAYS, amount=st.integers(min_value=1, max_value=40))
def test_a_working_day_period_ends_on_its_amount_th_working_day(start: date, amount: int) -> None:
    period = Period("x", amount, DayUnit.WORKING, "t", "s")
    end = last_day(ENG.calendar, period, start)
    counted = [
        start + timedelta(days=i)
        for i in range(1, (end - start).days + 1)
        if ENG.calendar.is_working_day(start + timedelta(days=i))
    ]
    assert len(counted) == amount and counted[-1] == end


@given(start=DAYS, amount=st.integers(min_value=1, max_value=40))
def test_a_calendar_day_period_ends_on_the_first_working_day_from_its_nominal_end(
    start: date, amount: int
) -> None:
    period = Period("x", amount, DayUnit.CALENDAR, "t", "s")
    end = last_day(ENG.calendar, period, start)
    nominal = start + timedelta(days=amount)
    assert end >= nominal and ENG.calendar.is_working_day(end)
    assert all(
        not ENG.calendar.is_working_day(nominal + timedelta(days=i))
        for i in range((end - nominal).days)
    )
