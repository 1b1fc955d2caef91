"""One evaluation computed whole: review → valid bids → scores or evaluated prices → ranking.

:func:`evaluate` is a pure function of the method and what the committee entered so far. The
evaluation room will call it again after every change (a score corrected, an explanation
accepted, a bid rejected) and show the result; it is final when :attr:`Evaluation.complete`:
every abnormally low bid explained (accepted, or rejected and so no longer valid) and every
deviating score justified. A bid the committee rejects leaves the valid bids, so benchmarks,
price scores and abnormally-low flags are recomputed without it — as the law wants, an invalid
bid is never a benchmark.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from prex.evaluation.inputs import Bid, ReviewSheet, ScoreSheet, check_bids
from prex.evaluation.methods import EvaluationMethod, MethodKind
from prex.evaluation.pricing import (
    LowBid,
    abnormally_low,
    check_coefficient,
    evaluated_prices,
    price_scores,
)
from prex.evaluation.ranking import Candidate, rank
from prex.evaluation.review import BidReview, review
from prex.evaluation.scoring import (
    Deviation,
    Justifications,
    aggregate,
    collect_scores,
    deviations,
    objective_scores,
)
from prex.shared.errors import InvalidInput


@dataclass(frozen=True)
class Evaluation:
    """Everything the arithmetic found; the same inputs in any order give an equal value."""

    method: EvaluationMethod
    reviews: Mapping[str, BidReview]  # bid id → its review
    rejected: Mapping[str, str]  # bid id → the committee's reason (after review)
    valid: tuple[str, ...]  # bid ids, in id order
    benchmark: Decimal | None = None  # the price benchmark (comprehensive with a price rule)
    scores: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)  # bid → points
    deviations: tuple[Deviation, ...] = ()
    abnormally_low: tuple[LowBid, ...] = ()
    ranking: tuple[Candidate, ...] = ()

    @property
    def unjustified(self) -> tuple[Deviation, ...]:
        return tuple(d for d in self.deviations if not d.justified)

    @property
    def pending_explanations(self) -> tuple[LowBid, ...]:
        return tuple(low for low in self.abnormally_low if low.explanation_required)

    @property
    def complete(self) -> bool:
        """Nothing is waiting for an expert's justification or a bidder's explanation."""
        return not self.unjustified and not self.pending_explanations

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        """The first ``method.candidates`` of the ranking (usually three)."""
        return self.ranking[: self.method.candidates]


def evaluate(
    method: EvaluationMethod,
    bids: Sequence[Bid],
    *,
    review_sheets: Sequence[ReviewSheet] = (),
    score_sheets: Sequence[ScoreSheet] = (),
    coefficient: Decimal | None = None,
    rejected: Mapping[str, str] | None = None,
    explanations_accepted: Collection[str] = (),
    justifications: Justifications | None = None,
) -> Evaluation:
    """Evaluate ``bids`` under ``method`` with what the committee has entered.

    ``coefficient`` is the benchmark coefficient drawn at opening (average_benchmark only);
    ``rejected`` the bids the committee rejected after the review (an unconvincing explanation
    of an abnormally low price, say), with the reason; ``explanations_accepted`` the flagged
    bids whose explanation it accepted; ``justifications`` the deviating experts' reasons.
    """
    check_bids(bids)
    check_coefficient(method, coefficient)
    rejected = dict(rejected or {})
    known = {bid.id for bid in bids}
    for bid_id in sorted({*rejected, *explanations_accepted} - known):
        raise InvalidInput(f"bid {bid_id} is not a bid of this section", field="bids", bid=bid_id)
    for bid_id, reason in rejected.items():
        if not isinstance(reason, str) or not reason.strip():
            raise InvalidInput(
                f"bid {bid_id}: a rejection must give its reason", field="rejected", bid=bid_id
            )
    _refuse_unused(method, bids)
    reviews = review(method, bids, review_sheets)
    valid = sorted(
        (bid for bid in bids if reviews[bid.id].passed and bid.id not in rejected),
        key=lambda bid: bid.id,
    )
    outcome = Evaluation(method, reviews, rejected, tuple(bid.id for bid in valid))
    if method.kind is MethodKind.QUALIFICATION:
        if score_sheets or rejected or explanations_accepted:
            raise InvalidInput("a qualification method takes review marks only", field="method")
        return outcome
    low = abnormally_low(
        method, valid, coefficient=coefficient, accepted=frozenset(explanations_accepted)
    )
    if method.kind is MethodKind.LOWEST_PRICE:
        if score_sheets:
            raise InvalidInput("a lowest_price method takes no score sheets", field="scores")
        ranking = rank(method, valid, evaluated=evaluated_prices(method, valid))
        return replace(outcome, abnormally_low=low, ranking=ranking)
    ignored = known - set(outcome.valid)
    table = collect_scores(method, valid, score_sheets, ignored=ignored)
    prices = price_scores(method, valid, coefficient)
    scores: dict[str, dict[str, Decimal]] = {bid.id: {} for bid in valid}
    for part in (aggregate(method, table), objective_scores(method, valid)):
        for bid_id, row in part.items():
            scores[bid_id].update(row)
    price_criterion = method.price_criterion
    if price_criterion is not None:
        for bid_id, points in prices.scores.items():
            scores[bid_id][price_criterion.id] = points
    return replace(
        outcome,
        benchmark=prices.benchmark,
        scores=scores,
        deviations=deviations(method, table, justifications),
        abnormally_low=low,
        ranking=rank(method, valid, scores=scores),
    )


def _refuse_unused(method: EvaluationMethod, bids: Sequence[Bid]) -> None:
    """Adjustments only price a lowest_price evaluation and facts only score objective criteria:
    given to another method they would be silently ignored, so they are refused."""
    for bid in bids:
        if bid.adjustments and method.kind is not MethodKind.LOWEST_PRICE:
            raise InvalidInput(
                f"bid {bid.id}: adjustments apply to a lowest_price method, not {method.kind}",
                field="adjustments",
                bid=bid.id,
            )
        if bid.facts and method.kind is not MethodKind.COMPREHENSIVE:
            raise InvalidInput(
                f"bid {bid.id}: verified facts score a comprehensive method, not {method.kind}",
                field="facts",
                bid=bid.id,
            )
