"""Prices: the price score, the evaluated price, and abnormally low bids.

Only the **valid** bids (those that passed the review and were not rejected by the committee)
are given to these functions: an invalid bid is never part of a benchmark or a comparison.

Price score (rounding point R3, two places half up, from the exact ratio):

- ``lowest_valid`` (MOF Order 87 art. 55): benchmark = the lowest valid bid;
  score = benchmark ÷ bid × price weight. The lowest valid bid scores the full weight.
- ``average_benchmark`` (engineering practice): benchmark = the mean of the valid bids — with one
  highest and one lowest dropped first when there are at least ``drop_extremes_from`` — times the
  coefficient drawn at opening, rounded to the fen (rounding point R4: it is published as an
  amount); d = (bid − benchmark) ÷ benchmark × 100; score = weight − d × ``above_per_percent``
  above the benchmark, weight − |d| × ``below_per_percent`` below it, and never below 0.

Evaluated price (lowest_price): bid price + every quantified adjustment, exact in yuan.

Abnormally low: a price strictly below a rule-pack percentage of the mean of the other valid bids,
of the lowest other valid bid, or of the average-based benchmark. The bidder is asked to explain
in writing and the bid may be rejected only if it cannot show its price is reasonable (MOF Order
87 art. 60; for engineering 评标委员会和评标方法暂行规定 art. 21). Until the committee accepts the
explanation — or rejects the bid, which then drops out of the valid bids — the evaluation cannot
conclude.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from prex.evaluation.arithmetic import exact, round_fraction
from prex.evaluation.inputs import Bid, is_amount
from prex.evaluation.methods import EvaluationMethod, PriceRule, PriceRuleKind
from prex.shared.errors import InvalidInput


@dataclass(frozen=True)
class PriceScores:
    """The price criterion's points per valid bid, and the benchmark they were computed from."""

    benchmark: Decimal | None  # None without a priced criterion or without valid bids
    scores: Mapping[str, Decimal]  # bid id → points
    coefficient: Decimal | None = None  # average_benchmark: the one drawn at opening


@dataclass(frozen=True)
class LowFlag:
    """One abnormally-low threshold a price fell under."""

    threshold: str  # mean_of_others | lowest_other | benchmark
    percent: Decimal  # the rule pack's percentage
    reference: Decimal  # the amount compared with, to the fen (display; the test is exact)


@dataclass(frozen=True)
class LowBid:
    """A valid bid whose price is abnormally low: the bidder must explain it."""

    bid_id: str
    price: Decimal
    flags: tuple[LowFlag, ...]
    explanation_accepted: bool = False

    @property
    def explanation_required(self) -> bool:
        """Still waiting for the bidder's explanation to be accepted (or the bid rejected)."""
        return not self.explanation_accepted


def check_coefficient(method: EvaluationMethod, coefficient: Decimal | None) -> None:
    """The coefficient drawn at opening must be one the rule pack lists; other methods take
    none (a coefficient given to them is a mistake worth refusing)."""
    rule = method.price
    if rule is None or rule.kind is not PriceRuleKind.AVERAGE_BENCHMARK:
        if coefficient is not None:
            raise InvalidInput("this method draws no benchmark coefficient", field="coefficient")
        return
    if not isinstance(coefficient, Decimal) or not coefficient.is_finite():
        raise InvalidInput(
            f"the benchmark coefficient drawn at opening is needed as a Decimal, not "
            f"{coefficient!r}",
            field="coefficient",
        )
    if coefficient not in rule.coefficients:
        listed = ", ".join(str(c) for c in rule.coefficients)
        raise InvalidInput(
            f"the coefficient drawn at opening, {coefficient}, is not one of {listed}",
            field="coefficient",
        )


def average_benchmark(rule: PriceRule, prices: Sequence[Decimal], coefficient: Decimal) -> Decimal:
    """Mean of ``prices`` (extremes dropped per the rule) × coefficient, to the fen (R4)."""
    values = sorted(prices)
    if rule.drop_extremes_from and len(values) >= rule.drop_extremes_from:
        values = values[1:-1]
    mean = sum((exact(v) for v in values), Fraction(0)) / len(values)
    return round_fraction(mean * exact(coefficient))


def price_scores(
    method: EvaluationMethod, bids: Sequence[Bid], coefficient: Decimal | None = None
) -> PriceScores:
    """The price points of every valid bid (rounding point R3)."""
    check_coefficient(method, coefficient)
    criterion, rule = method.price_criterion, method.price
    if criterion is None or rule is None or not bids:
        return PriceScores(None, {}, coefficient)
    weight = exact(criterion.max_points)
    scores: dict[str, Decimal] = {}
    if rule.kind is PriceRuleKind.LOWEST_VALID:
        benchmark = min(bid.price for bid in bids)
        for bid in bids:
            scores[bid.id] = round_fraction(exact(benchmark) * weight / exact(bid.price))
        return PriceScores(benchmark, scores)
    assert coefficient is not None  # checked above
    benchmark = average_benchmark(rule, [bid.price for bid in bids], coefficient)
    base = exact(benchmark)
    above, below = exact(rule.above_per_percent), exact(rule.below_per_percent)
    for bid in bids:
        percent = (exact(bid.price) - base) * 100 / base
        deduction = percent * above if percent > 0 else -percent * below
        scores[bid.id] = round_fraction(max(Fraction(0), weight - deduction))
    return PriceScores(benchmark, scores, coefficient)


def evaluated_prices(method: EvaluationMethod, bids: Sequence[Bid]) -> dict[str, Decimal]:
    """Bid price + the committee's quantified adjustments, per bid (exact: all in fen)."""
    factors = {f.id for f in method.adjustments}
    evaluated: dict[str, Decimal] = {}
    for bid in bids:
        total = bid.price
        for factor, amount in bid.adjustments.items():
            if factor not in factors:
                raise InvalidInput(
                    f"bid {bid.id}: adjustment {factor!r} names no adjustment factor of this "
                    "method",
                    field="adjustments",
                    bid=bid.id,
                )
            if not is_amount(amount):
                raise InvalidInput(
                    f"bid {bid.id}, adjustment {factor}: {amount!r} is not an amount in yuan "
                    "(two places)",
                    field="adjustments",
                    bid=bid.id,
                )
            total += Decimal(amount)
        if total <= 0:
            raise InvalidInput(
                f"bid {bid.id}: the evaluated price {total} is not positive",
                field="adjustments",
                bid=bid.id,
            )
        evaluated[bid.id] = total
    return evaluated


def abnormally_low(
    method: EvaluationMethod,
    bids: Sequence[Bid],
    *,
    coefficient: Decimal | None = None,
    accepted: Collection[str] = (),
) -> tuple[LowBid, ...]:
    """The valid bids whose price is abnormally low, by bid id; ``accepted`` are the bids whose
    explanation the committee accepted."""
    rule = method.abnormally_low
    if rule is None or not bids:
        return ()
    prices = {bid.id: exact(bid.price) for bid in bids}
    total = sum(prices.values(), Fraction(0))
    ordered = sorted(prices.values())
    others = len(bids) - 1
    base: Fraction | None = None
    if rule.benchmark_percent is not None and method.price is not None:
        check_coefficient(method, coefficient)
        assert coefficient is not None
        base = exact(average_benchmark(method.price, [b.price for b in bids], coefficient))
    found = []
    for bid in sorted(bids, key=lambda b: b.id):
        price = prices[bid.id]
        references: list[tuple[str, Decimal | None, Fraction | None]] = []
        if others >= rule.min_others:
            lowest_other = ordered[1] if price == ordered[0] else ordered[0]
            references += [
                ("mean_of_others", rule.mean_of_others_percent, (total - price) / others),
                ("lowest_other", rule.lowest_other_percent, lowest_other),
            ]
        references.append(("benchmark", rule.benchmark_percent, base))
        flags = tuple(
            LowFlag(name, percent, round_fraction(reference))
            for name, percent, reference in references
            if percent is not None
            and reference is not None
            and price * 100 < exact(percent) * reference
        )
        if flags:
            found.append(LowBid(bid.id, bid.price, flags, bid.id in accepted))
    return tuple(found)
