"""The tender status table: every move it allows works, every other is refused naming both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from prex.shared.clock import AcceleratedClock, FixedClock
from prex.shared.errors import InvalidInput, InvalidTransition
from prex.tenders.model import (
    TERMINAL_STATUSES,
    Tender,
    TenderStatus,
    allowed_transitions,
)
from tests.unit.tenders.helpers import PACKS, draft

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ENG = PACKS.get("engineering-open")
S = TenderStatus

# How to bring a fresh draft into each status by legal moves.
ROUTE: dict[TenderStatus, list[TenderStatus]] = {
    S.DRAFT: [],
    S.PUBLISHED: [S.PUBLISHED],
    S.OPENING: [S.PUBLISHED, S.OPENING],
    S.EVALUATION: [S.PUBLISHED, S.OPENING, S.EVALUATION],
    S.PUBLICITY: [S.PUBLISHED, S.OPENING, S.EVALUATION, S.PUBLICITY],
    S.AWARDED: [S.PUBLISHED, S.OPENING, S.EVALUATION, S.PUBLICITY, S.AWARDED],
    S.COMPLETE: [S.PUBLISHED, S.OPENING, S.EVALUATION, S.PUBLICITY, S.AWARDED, S.COMPLETE],
    S.FAILED: [S.PUBLISHED, S.OPENING, S.FAILED],
    S.CANCELLED: [S.CANCELLED],
}


class NotDue(Exception):
    """The deadline transition is idempotent: from any other status it does nothing."""


def move(tender: Tender, clock: FixedClock, target: TenderStatus) -> None:
    if target is S.PUBLISHED:
        tender.publish(clock, ENG)
    elif target is S.OPENING:
        clock.set(max(clock.now(), tender.bid_deadline))
        if not tender.reach_deadline(clock):
            raise NotDue(tender.status)
    elif target is S.CANCELLED:
        tender.cancel(clock, "终止")
    else:
        tender.advance(clock, target, "step")


def in_status(status: TenderStatus) -> tuple[Tender, FixedClock]:
    clock = FixedClock(T0)
    tender = draft(clock)
    for step in ROUTE[status]:
        move(tender, clock, step)
    assert tender.status is status
    return tender, clock


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_the_transition_table_is_enforced(source: TenderStatus, target: TenderStatus) -> None:
    tender, clock = in_status(source)
    if target in allowed_transitions(source):
        move(tender, clock, target)
        assert tender.status is target
        return
    with pytest.raises((InvalidTransition, InvalidInput, NotDue)) as refused:
        move(tender, clock, target)
    if isinstance(refused.value, InvalidTransition):
        assert source.value in refused.value.message and target.value in refused.value.message
    assert tender.status is source


def test_terminal_statuses_allow_nothing() -> None:
    for status in TERMINAL_STATUSES:
        assert allowed_transitions(status) == frozenset()


def test_reaching_the_deadline_twice_applies_once() -> None:
    tender, clock = in_status(S.PUBLISHED)
    clock.set(tender.bid_deadline)
    assert tender.reach_deadline(clock) is True
    assert tender.reach_deadline(clock) is False
    assert [e.event_name for e in tender.events].count("BidDeadlineReached") == 1


def test_the_deadline_is_not_reached_a_second_early() -> None:
    tender, clock = in_status(S.PUBLISHED)
    clock.set(tender.bid_deadline - timedelta(seconds=1))
    assert tender.reach_deadline(clock) is False
    assert tender.status is S.PUBLISHED


def test_a_sandbox_tender_reaches_its_20_day_deadline_in_20_real_minutes() -> None:
    clock = FixedClock(T0)
    tender = draft(
        clock,
        sandbox=True,
        acceleration=1440,
        deadline=timedelta(days=20),
        documents_until=timedelta(days=5),
    )
    tender.publish(clock, ENG)  # the rule pack's 20 days hold in the tender's own time
    assert tender.next_check == T0 + timedelta(minutes=20)
    clock.advance(timedelta(minutes=20) - timedelta(seconds=1))
    assert tender.reach_deadline(clock) is False
    clock.advance(timedelta(seconds=1))
    assert tender.reach_deadline(clock) is True


def test_an_accelerated_clock_maps_back_to_real_time() -> None:
    base = FixedClock(T0)
    fast = AcceleratedClock(base, T0, 60)
    base.advance(timedelta(minutes=1))
    assert fast.now() == T0 + timedelta(hours=1)
    assert fast.to_real(T0 + timedelta(hours=2)) == T0 + timedelta(minutes=2)


def test_a_published_tender_cannot_be_edited_directly() -> None:
    tender, clock = in_status(S.PUBLISHED)
    with pytest.raises(Exception, match="issue an amendment"):
        tender.edit(clock, {"title": "x"}, None)


def test_cancelling_needs_a_reason() -> None:
    tender, clock = in_status(S.PUBLISHED)
    with pytest.raises(InvalidInput, match="reason"):
        tender.cancel(clock, "  ")
