"""Evaluation methods as data: what a rule pack's ``[evaluation]`` table becomes.

Three kinds (DOMAIN.md, "Experts and evaluation"):

- ``qualification`` — the pass/fail review alone (资格审查, 符合性审查, or 合格制 prequalification):
  the outcome is the set of bids that pass, unranked.
- ``lowest_price`` — 经评审的最低投标价法: the review, then the bids that pass ranked by their
  evaluated price = bid price + the committee's quantified adjustments (each + or −).
- ``comprehensive`` — 综合评分法: the review, then weighted criteria: the price criterion computed
  from a benchmark (MOF Order 87 art. 55: the lowest valid bid; or, for engineering, the mean of
  the valid bids × a coefficient drawn at opening), objective criteria computed from facts the
  committee verified, subjective criteria scored by each expert within a range and on a step and
  aggregated as the rule pack says.

Nothing here computes. :mod:`prex.evaluation.method_toml` builds these from TOML (and refuses
what is inconsistent); the arithmetic is in ``review``, ``scoring``, ``pricing`` and ``ranking``.
The formulas, rounding points and tie-break order are in ``docs/evaluation-methods.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from prex.shared.errors import NotFound

ZERO = Decimal(0)


class MethodKind(StrEnum):
    QUALIFICATION = "qualification"  # pass/fail review only; nothing is ranked
    LOWEST_PRICE = "lowest_price"  # 经评审的最低投标价法: ranked by evaluated price
    COMPREHENSIVE = "comprehensive"  # 综合评分法: ranked by total points


RANKED_KINDS = frozenset({MethodKind.LOWEST_PRICE, MethodKind.COMPREHENSIVE})


class ReviewStage(StrEnum):
    QUALIFICATION = "qualification"  # 资格审查: is the bidder qualified to bid
    COMPLIANCE = "compliance"  # 符合性审查: does the bid meet the documents' substantive terms


class CriterionKind(StrEnum):
    PRICE = "price"  # computed from the bid price and the price rule's benchmark
    OBJECTIVE = "objective"  # computed from a verified fact (certificates, similar contracts …)
    SUBJECTIVE = "subjective"  # scored by every expert within [minimum, maximum] on a step


class PriceRuleKind(StrEnum):
    LOWEST_VALID = "lowest_valid"  # MOF Order 87 art. 55: benchmark = the lowest valid bid
    AVERAGE_BENCHMARK = "average_benchmark"  # mean of the valid bids × a coefficient drawn


class AggregationKind(StrEnum):
    MEAN = "mean"  # the mean of every expert's score
    TRIMMED_MEAN = "trimmed_mean"  # one highest and one lowest dropped first (from trim_from on)


class DeviationReference(StrEnum):
    OTHERS = "others"  # an expert's score is compared with the mean of the other experts
    ALL = "all"  # … with the mean of all experts, the expert's own score included


# The tie-break keys a method may order candidates by, each with its fixed direction. A method
# lists them in the order they apply; the list always ends with the bidder's credit code (one bid
# per bidder and section), so no two candidates ever share a rank.
TIE_BREAKS = {
    "total": "higher total points first (comprehensive)",
    "evaluated_price": "lower evaluated price first (bid price ± adjustments)",
    "price": "lower bid price first",
    "received_at": "earlier receipt of the sealed envelope first",
    "bidder_uscc": "bidder credit code in ascending order (the last resort: always decides)",
}
GROUP_PREFIX = "group:"  # "group:technical": higher points in that criterion group first
LAST_TIE_BREAK = "bidder_uscc"


@dataclass(frozen=True)
class ReviewCriterion:
    """One pass/fail item of the review; a bid fails it when a majority of experts fail it."""

    id: str
    name: str
    stage: ReviewStage
    text: str = ""  # the requirement as the tender documents word it


@dataclass(frozen=True)
class Criterion:
    """One scored criterion of a comprehensive method, worth at most ``max_points``.

    ``minimum``/``maximum``/``step`` apply to subjective criteria (an expert's score is
    ``minimum + k·step`` and at most ``maximum`` ≤ ``max_points``); ``per_unit`` to objective
    ones (points per unit of the verified fact, capped at ``max_points``).
    """

    id: str
    name: str
    kind: CriterionKind
    max_points: Decimal
    group: str = ""  # e.g. technical, business, price: sums of a group can break ties
    minimum: Decimal = ZERO
    maximum: Decimal = ZERO
    step: Decimal = ZERO
    per_unit: Decimal = ZERO
    text: str = ""  # the scoring standard as the tender documents word it


@dataclass(frozen=True)
class PriceRule:
    """How the price criterion is scored.

    ``lowest_valid``: score = benchmark ÷ bid × price weight, benchmark = the lowest valid bid.
    ``average_benchmark``: benchmark = mean of the valid bids (one highest and one lowest dropped
    when there are at least ``drop_extremes_from``) × the coefficient drawn at opening (one of
    ``coefficients``); score = weight − ``above_per_percent`` per percent above the benchmark, or
    − ``below_per_percent`` per percent below it, linear in between, never below 0.
    """

    kind: PriceRuleKind
    coefficients: tuple[Decimal, ...] = ()
    drop_extremes_from: int = 0  # 0: never drop
    above_per_percent: Decimal = ZERO
    below_per_percent: Decimal = ZERO
    min_share_percent: Decimal = ZERO  # statutory floor of the price weight (0: none)
    text: str = ""  # the rule as the regulation words it, quoted with ``source``
    source: str = ""


@dataclass(frozen=True)
class Aggregation:
    """How the experts' scores of one criterion and one bid become the bid's points."""

    kind: AggregationKind = AggregationKind.MEAN
    trim_from: int = 5  # trimmed_mean drops the extremes only with at least this many experts


@dataclass(frozen=True)
class DeviationRule:
    """An expert whose score lies more than ``percent_of_max`` % of the criterion's maximum away
    from the reference mean must justify it (strictly more: exactly at the limit needs none)."""

    percent_of_max: Decimal
    reference: DeviationReference = DeviationReference.OTHERS


@dataclass(frozen=True)
class AbnormallyLowRule:
    """When a bid price is abnormally low: the bidder must explain before the committee may
    reject it. Any threshold that is set flags; a price exactly at a threshold is not flagged.

    ``mean_of_others_percent``: below this % of the mean of the other valid bids.
    ``lowest_other_percent``: below this % of the lowest other valid bid.
    ``benchmark_percent``: below this % of the average-based benchmark price.
    """

    mean_of_others_percent: Decimal | None = None
    lowest_other_percent: Decimal | None = None
    benchmark_percent: Decimal | None = None
    min_others: int = 2  # the "others" thresholds need at least this many other valid bids
    text: str = ""
    source: str = ""


@dataclass(frozen=True)
class AdjustmentFactor:
    """A quantified factor of the lowest evaluated price method (付款条件偏差, 工期提前 …): the
    committee prices it in yuan per bid, added to (or, negative, taken off) the bid price."""

    id: str
    name: str
    text: str = ""


@dataclass(frozen=True)
class EvaluationMethod:
    """One evaluation method of a rule pack; see the module docstring."""

    kind: MethodKind
    review: tuple[ReviewCriterion, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    price: PriceRule | None = None
    aggregation: Aggregation = Aggregation()
    deviation: DeviationRule | None = None
    abnormally_low: AbnormallyLowRule | None = None
    adjustments: tuple[AdjustmentFactor, ...] = ()
    tie_breaks: tuple[str, ...] = ()
    total_points: Decimal = ZERO  # comprehensive: the sum of every criterion's max_points
    candidates: int = 3  # how many ranked bids are recommended as candidates
    name: str = ""
    source: str = ""

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise NotFound(f"the method has no criterion '{criterion_id}'", criterion=criterion_id)

    def of_kind(self, kind: CriterionKind) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.kind is kind)

    @property
    def price_criterion(self) -> Criterion | None:
        return next((c for c in self.criteria if c.kind is CriterionKind.PRICE), None)

    @property
    def groups(self) -> frozenset[str]:
        return frozenset(c.group for c in self.criteria if c.group)
