"""The pass/fail review: a majority of experts fails an item; every fail has its reason."""

from __future__ import annotations

import pytest

from prex.evaluation.inputs import Mark, ReviewSheet
from prex.evaluation.review import review
from prex.shared.errors import InvalidInput
from tests.unit.evaluation.examples import bid, experts, method, passing_review

QUALIFICATION = method("qualification")
BIDS = [bid("Q1", "1.00"), bid("Q2", "1.00")]


@pytest.mark.parametrize(
    ("committee", "failing", "passed"),
    [
        (5, 3, False),  # 3 of 5: a majority
        (5, 2, True),
        (7, 4, False),
        (7, 3, True),
        (9, 5, False),
        (4, 2, True),  # an even committee split 2–2: no majority, the bid passes
        (1, 1, False),
    ],
)
def test_a_bid_fails_an_item_when_more_than_half_of_the_experts_fail_it(
    committee: int, failing: int, passed: bool
) -> None:
    sheets = passing_review(QUALIFICATION, BIDS, experts(committee), {
        ("Q1", "bond"): experts(committee)[-failing:]
    })  # fmt: skip
    outcome = review(QUALIFICATION, BIDS, sheets)
    assert outcome["Q1"].passed is passed
    assert outcome["Q2"].passed
    bond = outcome["Q1"].verdicts[2]
    assert (bond.fails, bond.votes) == (failing, committee)
    assert [expert for expert, _ in bond.reasons] == sorted(experts(committee)[-failing:])


def test_expert_order_does_not_change_the_review() -> None:
    sheets = passing_review(QUALIFICATION, BIDS, experts(5), {("Q1", "bond"): ["E2", "E4", "E5"]})
    assert review(QUALIFICATION, BIDS, sheets) == review(QUALIFICATION, BIDS, sheets[::-1])


def test_a_fail_without_a_reason_is_refused() -> None:
    sheets = passing_review(QUALIFICATION, BIDS, experts(3))
    marks = dict(sheets[1].marks)
    marks[("Q2", "licence")] = Mark(False, "  ")
    sheets[1] = ReviewSheet("E2", marks)
    with pytest.raises(InvalidInput, match="expert E2, bid Q2, review item licence: is failed "):
        review(QUALIFICATION, BIDS, sheets)


def test_a_missing_or_extra_mark_is_refused() -> None:
    sheets = passing_review(QUALIFICATION, BIDS, experts(3))
    marks = dict(sheets[0].marks)
    del marks[("Q1", "performance")]
    sheets[0] = ReviewSheet("E1", marks)
    with pytest.raises(InvalidInput, match="expert E1, bid Q1, review item performance: is not"):
        review(QUALIFICATION, BIDS, sheets)
    sheets = passing_review(QUALIFICATION, BIDS, experts(3))
    sheets[2] = ReviewSheet("E3", {**sheets[2].marks, ("Q1", "charm"): Mark(True)})
    with pytest.raises(InvalidInput, match="expert E3: the mark for .*charm.* names no bid"):
        review(QUALIFICATION, BIDS, sheets)


def test_a_review_nobody_marked_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no expert has marked the review"):
        review(QUALIFICATION, BIDS, [])
