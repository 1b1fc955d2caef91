"""A tender suspended by a complaint refuses every move of its status table — and reaching the
deadline — naming the complaint and the reason; resumed, it moves again."""

from __future__ import annotations

import pytest

from prex.shared.errors import InvalidTransition
from prex.tenders.errors import TenderSuspended
from prex.tenders.model import TenderStatus, allowed_transitions
from tests.unit.tenders.test_transitions import in_status, move

S = TenderStatus
SUSPENDABLE = [s for s in S if not s.terminal and s is not S.DRAFT]


@pytest.mark.parametrize("source", SUSPENDABLE)
def test_every_move_of_a_suspended_tender_is_refused_naming_the_complaint(
    source: TenderStatus,
) -> None:
    for target in allowed_transitions(source):
        tender, clock = in_status(source)
        tender.suspend(clock, complaint_id="C1", complaint_ref="TS-X-01", reason="涉嫌违法")
        with pytest.raises(TenderSuspended) as refused:
            move(tender, clock, target)
        assert "TS-X-01" in refused.value.message and "涉嫌违法" in refused.value.message
        assert refused.value.context["complaint_id"] == "C1"
        assert tender.status is source
        tender.resume(clock, complaint_id="C1", note="处理完毕")
        move(tender, clock, target)
        assert tender.status is target


def test_the_worker_reaching_the_deadline_is_refused_and_the_tender_is_given_back_on_resume() -> (
    None
):
    tender, clock = in_status(S.PUBLISHED)
    deadline = tender.next_check
    tender.suspend(clock, complaint_id="C1", complaint_ref="TS-X-01", reason="暂停")
    assert tender.next_check is None  # the worker no longer looks at it
    clock.set(tender.bid_deadline)
    with pytest.raises(TenderSuspended, match="TS-X-01"):
        tender.reach_deadline(clock)
    with pytest.raises(TenderSuspended, match="TS-X-01"):
        tender.require_not_suspended("accept bids")
    tender.resume(clock, complaint_id="C1", note="恢复")
    assert tender.next_check == deadline
    assert tender.reach_deadline(clock) is True
    events = [e.event_name for e in tender.events]
    assert events[-3:] == ["TenderSuspended", "TenderResumed", "BidDeadlineReached"]


def test_only_the_complaint_that_suspended_a_tender_resumes_it_and_never_twice() -> None:
    tender, clock = in_status(S.EVALUATION)
    tender.suspend(clock, complaint_id="C1", complaint_ref="TS-X-01", reason="暂停")
    with pytest.raises(TenderSuspended):
        tender.suspend(clock, complaint_id="C2", complaint_ref="TS-X-02", reason="再次暂停")
    with pytest.raises(InvalidTransition):
        tender.resume(clock, complaint_id="C2", note="")
    tender.resume(clock, complaint_id="C1", note="")
    with pytest.raises(InvalidTransition):
        tender.resume(clock, complaint_id="C1", note="")


@pytest.mark.parametrize("status", [S.DRAFT, S.COMPLETE, S.FAILED, S.CANCELLED])
def test_a_draft_or_finished_tender_cannot_be_suspended(status: TenderStatus) -> None:
    tender, clock = in_status(status)
    with pytest.raises(InvalidTransition):
        tender.suspend(clock, complaint_id="C1", complaint_ref="TS-X-01", reason="暂停")


def test_an_award_can_be_cancelled_by_a_decision() -> None:
    tender, clock = in_status(S.AWARDED)
    tender.cancel(clock, "投诉处理决定：中标无效")
    assert tender.status is S.CANCELLED
