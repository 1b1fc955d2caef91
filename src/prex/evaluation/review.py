"""The pass/fail review (资格审查 and 符合性审查): which bids go on to be scored or ranked.

Every expert marks every bid on every review item, pass or fail, and a fail gives its reason.
A bid **fails an item when a majority of the experts fail it** — strictly more than half of those
who marked it. The committee decides by majority (少数服从多数); it is odd by law (Bidding Law
art. 37), so a tie cannot arise; should an even committee ever vote, a tie is not a majority and
the bid passes that item, with the split recorded. A bid fails the review when it fails any item;
the reasons kept are those of the experts who failed it, so the report can quote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from prex.evaluation.inputs import Bid, Cell, Mark, ReviewSheet, check_experts
from prex.evaluation.methods import EvaluationMethod
from prex.shared.errors import InvalidInput


@dataclass(frozen=True)
class ItemVerdict:
    """The committee's verdict on one review item of one bid."""

    criterion_id: str
    passed: bool
    fails: int  # experts who failed it
    votes: int  # experts who marked it
    reasons: tuple[tuple[str, str], ...]  # (expert id, reason) of each fail, by expert id


@dataclass(frozen=True)
class BidReview:
    """The review of one bid: a verdict per item, in the method's order."""

    bid_id: str
    verdicts: tuple[ItemVerdict, ...]

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def failed(self) -> tuple[ItemVerdict, ...]:
        return tuple(v for v in self.verdicts if not v.passed)


def review(
    method: EvaluationMethod, bids: Sequence[Bid], sheets: Sequence[ReviewSheet]
) -> dict[str, BidReview]:
    """Each bid's review, by bid id. A method without review items passes every bid."""
    experts = check_experts((s.expert_id for s in sheets), "review")
    if not method.review:
        if any(s.marks for s in sheets):
            raise InvalidInput("this method has no review items to mark", field="marks")
        return {bid.id: BidReview(bid.id, ()) for bid in bids}
    if not experts:
        raise InvalidInput("no expert has marked the review", field="marks")
    by_expert = {s.expert_id: s for s in sheets}
    expected = [(bid.id, item.id) for bid in bids for item in method.review]
    for sheet in sheets:
        _check_sheet(sheet, expected)
    outcome: dict[str, BidReview] = {}
    for bid in bids:
        verdicts = []
        for item in method.review:
            cell = (bid.id, item.id)
            marks = [(expert, by_expert[expert].marks[cell]) for expert in experts]
            reasons = tuple((expert, m.reason.strip()) for expert, m in marks if not m.passed)
            verdicts.append(
                ItemVerdict(
                    item.id, 2 * len(reasons) <= len(marks), len(reasons), len(marks), reasons
                )
            )
        outcome[bid.id] = BidReview(bid.id, tuple(verdicts))
    return outcome


def _check_sheet(sheet: ReviewSheet, expected: list[Cell]) -> None:
    """Every expected cell marked, nothing else, and every fail with a reason."""
    for cell in expected:
        mark = sheet.marks.get(cell)
        if mark is None:
            raise _cell_error(sheet.expert_id, cell, "is not marked")
        if not isinstance(mark, Mark) or not isinstance(mark.passed, bool):
            raise _cell_error(sheet.expert_id, cell, "must be a pass or a fail")
        if not mark.passed and not (isinstance(mark.reason, str) and mark.reason.strip()):
            raise _cell_error(sheet.expert_id, cell, "is failed without a reason")
    if len(sheet.marks) != len(expected):
        extra = min(set(sheet.marks) - set(expected), key=repr)
        raise InvalidInput(
            f"expert {sheet.expert_id}: the mark for {extra!r} names no bid or review item of "
            "this method",
            field="marks",
            expert=sheet.expert_id,
        )


def _cell_error(expert: str, cell: Cell, problem: str) -> InvalidInput:
    bid, criterion = cell
    return InvalidInput(
        f"expert {expert}, bid {bid}, review item {criterion}: {problem}",
        field="marks",
        expert=expert,
        bid=bid,
        criterion=criterion,
    )
