"""Every rule of the rule pack, on both sides of its boundary, in the domain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from prex.shared.clock import FixedClock
from prex.shared.errors import RuleViolation
from prex.tenders.model import AmendmentKind, EnquiryKind, Method, TenderStatus
from tests.unit.tenders.helpers import PACKS, draft

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday
SECOND = timedelta(seconds=1)
ENG = PACKS.get("engineering-open")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


def published(clock: FixedClock, **kwargs: object) -> object:
    tender = draft(clock, **kwargs)  # type: ignore[arg-type]
    tender.publish(clock, ENG)
    return tender


def test_a_deadline_exactly_20_days_after_issue_is_accepted(clock: FixedClock) -> None:
    tender = draft(clock, deadline=timedelta(days=20))
    tender.publish(clock, ENG)
    assert tender.status is TenderStatus.PUBLISHED


def test_a_deadline_one_second_short_of_20_days_is_refused_quoting_the_bidding_law(
    clock: FixedClock,
) -> None:
    tender = draft(clock, deadline=timedelta(days=20) - SECOND)
    with pytest.raises(RuleViolation) as refused:
        tender.publish(clock, ENG)
    assert refused.value.rule == "deadline.min-days"
    assert "第二十四条" in refused.value.message and "20日" in refused.value.message
    assert tender.status is TenderStatus.DRAFT and tender.events[-1].event_name != "TenderPublished"


def test_the_20_days_count_from_a_later_documents_from_date(clock: FixedClock) -> None:
    tender = draft(
        clock,
        deadline=timedelta(days=25),
        documents_until=timedelta(days=12),
        documents_from=T0 + timedelta(days=5) + SECOND,
    )
    with pytest.raises(RuleViolation, match="20日"):
        tender.publish(clock, ENG)
    tender.documents_from = T0 + timedelta(days=5)
    tender.publish(clock, ENG)


def test_documents_available_exactly_5_days_are_accepted(clock: FixedClock) -> None:
    tender = draft(clock, documents_until=timedelta(days=5))
    tender.publish(clock, ENG)
    assert tender.status is TenderStatus.PUBLISHED


def test_documents_available_less_than_5_days_are_refused(clock: FixedClock) -> None:
    tender = draft(clock, documents_until=timedelta(days=5) - SECOND)
    with pytest.raises(RuleViolation) as refused:
        tender.publish(clock, ENG)
    assert refused.value.rule == "documents.min-download-days"
    assert "第十六条" in refused.value.message


def test_procurement_counts_the_download_window_in_working_days(clock: FixedClock) -> None:
    pack = PACKS.get("procurement-open")
    # From Monday 2 March: 5 working days end on Monday 9 March, not on Saturday 7 March.
    short = draft(clock, pack, documents_until=timedelta(days=7) - SECOND)
    with pytest.raises(RuleViolation, match="5个工作日"):
        short.publish(clock, pack)
    enough = draft(clock, pack, documents_until=timedelta(days=7))
    enough.publish(clock, pack)
    assert enough.status is TenderStatus.PUBLISHED


def test_holidays_do_not_count_as_working_days() -> None:
    # Spring Festival 2026: 15–23 February are holidays, Saturday 14 February is worked.
    pack = PACKS.get("procurement-open")
    start = datetime(2026, 2, 13, 1, 0, tzinfo=UTC)  # Friday
    # Sat 14 (worked) = 1, holidays to Mon 23, then Tue 24 … Fri 27 = 2 … 5.
    assert pack.earliest("documents.min-download-days", start) == datetime(
        2026, 2, 27, 1, 0, tzinfo=UTC
    )


def test_a_bid_affecting_clarification_15_days_before_the_deadline_keeps_it(
    clock: FixedClock,
) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=15))  # deadline at +30 days: exactly 15 days remain
    tender.issue_amendment(
        clock,
        ENG,
        kind=AmendmentKind.CLARIFICATION,
        text="澄清",
        affects_bids=True,
        new_deadline=None,
        documents=[],
    )
    assert tender.bid_deadline == T0 + timedelta(days=30)


def test_a_bid_affecting_clarification_later_than_15_days_before_is_refused_without_a_new_deadline(
    clock: FixedClock,
) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=15) + SECOND)
    with pytest.raises(RuleViolation) as refused:
        tender.issue_amendment(
            clock,
            ENG,
            kind=AmendmentKind.AMENDMENT,
            text="修改",
            affects_bids=True,
            new_deadline=None,
            documents=[],
        )
    assert refused.value.rule == "clarification.min-days-before-deadline"
    assert "第二十一条" in refused.value.message
    assert tender.amendments == []


def test_a_late_clarification_moves_the_deadline_when_it_gives_15_days(clock: FixedClock) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=20))
    new_deadline = clock.now() + timedelta(days=15)
    with pytest.raises(RuleViolation):
        tender.issue_amendment(
            clock,
            ENG,
            kind=AmendmentKind.AMENDMENT,
            text="修改",
            affects_bids=True,
            new_deadline=new_deadline - SECOND,
            documents=[],
        )
    tender.issue_amendment(
        clock,
        ENG,
        kind=AmendmentKind.AMENDMENT,
        text="修改",
        affects_bids=True,
        new_deadline=new_deadline,
        documents=[],
    )
    assert tender.bid_deadline == new_deadline
    assert tender.next_check == new_deadline


def test_a_clarification_that_does_not_affect_bids_may_come_late(clock: FixedClock) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=29))
    tender.issue_amendment(
        clock,
        ENG,
        kind=AmendmentKind.CLARIFICATION,
        text="答疑汇总",
        affects_bids=False,
        new_deadline=None,
        documents=[],
    )
    assert len(tender.amendments) == 1


def test_an_objection_exactly_10_days_before_the_deadline_is_accepted(clock: FixedClock) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=20))
    enquiry = tender.ask(clock, ENG, org_id="B", kind=EnquiryKind.OBJECTION, text="异议")
    assert enquiry.answer_due == clock.now() + timedelta(days=3)


def test_an_objection_later_than_10_days_before_the_deadline_is_refused(clock: FixedClock) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=20) + SECOND)
    with pytest.raises(RuleViolation) as refused:
        tender.ask(clock, ENG, org_id="B", kind=EnquiryKind.OBJECTION, text="异议")
    assert refused.value.rule == "objection.min-days-before-deadline"
    assert "第二十二条" in refused.value.message


def test_questions_are_accepted_until_the_deadline_and_refused_at_it(clock: FixedClock) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=30) - SECOND)
    tender.ask(clock, ENG, org_id="B", kind=EnquiryKind.QUESTION, text="问题")
    clock.advance(SECOND)
    with pytest.raises(RuleViolation, match="close at the bid deadline"):
        tender.ask(clock, ENG, org_id="B", kind=EnquiryKind.QUESTION, text="问题")


def test_an_invited_tender_needs_three_invitees(clock: FixedClock) -> None:
    pack = PACKS.get("engineering-invited")
    two = draft(clock, pack, invitee_org_ids=["X", "Y"])
    assert two.method is Method.INVITED
    with pytest.raises(RuleViolation) as refused:
        two.publish(clock, pack)
    assert refused.value.rule == "invited.min-invitees"
    assert "第十七条" in refused.value.message
    three = draft(clock, pack, invitee_org_ids=["X", "Y", "Z"])
    three.publish(clock, pack)
    assert three.status is TenderStatus.PUBLISHED


def test_documents_can_be_obtained_only_within_the_issue_window(clock: FixedClock) -> None:
    tender = published(clock)
    clock.advance(timedelta(days=10))
    tender.obtain_documents(clock, "B1")
    clock.advance(SECOND)
    with pytest.raises(RuleViolation) as refused:
        tender.obtain_documents(clock, "B2")
    assert refused.value.rule == "documents.issue-window"
