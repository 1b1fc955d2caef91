"""A rule pack's ``[evaluation]`` table → :class:`~prex.evaluation.methods.EvaluationMethod`.

The table is checked whole on load, the way ``prex.tenders.rules`` checks periods and sealing:
a refusal names the file and the key (``rule pack x.toml: evaluation.criteria.plan.step …``),
unknown keys are refused (a misspelt ``max_point`` must not silently score nothing), and a method
that could not be computed — points that do not add up, a range off its step, a tie-break that
might not decide, a price weight under its statutory floor — never loads.

Numbers may be TOML integers, strings (``"0.5"``) or TOML floats. Floats are read through their
shortest representation, which is the literal as written for anything with up to 15 significant
digits; :func:`load_evaluation_method` parses with ``parse_float=Decimal`` and never sees one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from prex.evaluation.arithmetic import places_of
from prex.evaluation.methods import (
    GROUP_PREFIX,
    LAST_TIE_BREAK,
    TIE_BREAKS,
    ZERO,
    AbnormallyLowRule,
    AdjustmentFactor,
    Aggregation,
    AggregationKind,
    Criterion,
    CriterionKind,
    DeviationReference,
    DeviationRule,
    EvaluationMethod,
    MethodKind,
    PriceRule,
    PriceRuleKind,
    ReviewCriterion,
    ReviewStage,
)
from prex.evaluation.toml_reader import TableReader
from prex.shared.errors import InvalidInput

HUNDRED = Decimal(100)
# A benchmark coefficient outside this range is a typo, not a tender's choice (practice: 0.9–1.0).
COEFFICIENT_LOW, COEFFICIENT_HIGH = Decimal("0.5"), Decimal("1.5")

_TOP_KEYS = {
    "kind",
    "name",
    "source",
    "total_points",
    "candidates",
    "tie_breaks",
    "review",
    "criteria",
    "price",
    "aggregation",
    "deviation",
    "abnormally_low",
    "adjustments",
}
# What each kind may not have: qualification is pass/fail only; lowest price ranks by price.
_NOT_FOR = {
    MethodKind.QUALIFICATION: (
        "criteria",
        "price",
        "aggregation",
        "deviation",
        "abnormally_low",
        "adjustments",
        "tie_breaks",
        "total_points",
        "candidates",
    ),
    MethodKind.LOWEST_PRICE: ("criteria", "price", "aggregation", "deviation", "total_points"),
    MethodKind.COMPREHENSIVE: ("adjustments",),
}


def load_evaluation_method(text: str, *, origin: str) -> EvaluationMethod:
    """Parse a TOML document (decimals as ``Decimal``) and build its ``[evaluation]`` table."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"rule pack {origin}: not valid TOML: {exc}", field=origin) from exc
    table = data.get("evaluation")
    if not isinstance(table, dict):
        raise InvalidInput(f"rule pack {origin}: the [evaluation] table is missing", field=origin)
    return parse_evaluation_method(table, origin=origin)


def parse_evaluation_method(table: Mapping[str, Any], *, origin: str) -> EvaluationMethod:
    """Build and check an evaluation method from the content of an ``[evaluation]`` table."""
    read = TableReader(origin)
    read.known(table, "evaluation", _TOP_KEYS)
    kind = read.choice(table, "evaluation", "kind", MethodKind)
    for key in _NOT_FOR[kind]:
        if key in table:
            raise read.fail(f"evaluation.{key}", f"is not used by a {kind} method")
    review = tuple(
        _review_criterion(read, key, raw)
        for key, raw in read.tables(table, "evaluation", "review").items()
    )
    if kind is not MethodKind.COMPREHENSIVE and not review:
        raise read.fail("evaluation.review", f"a {kind} method needs at least one review item")
    criteria = tuple(
        _criterion(read, key, raw)
        for key, raw in read.tables(table, "evaluation", "criteria").items()
    )
    method = EvaluationMethod(
        kind=kind,
        review=review,
        criteria=criteria,
        price=_price_rule(read, table.get("price")),
        aggregation=_aggregation(read, table.get("aggregation")),
        deviation=_deviation(read, table.get("deviation")),
        abnormally_low=_abnormally_low(read, table.get("abnormally_low")),
        adjustments=tuple(
            _adjustment(read, key, raw)
            for key, raw in read.tables(table, "evaluation", "adjustments").items()
        ),
        tie_breaks=_tie_breaks(read, table),
        total_points=read.points(table, "evaluation", "total_points", default=ZERO),
        candidates=read.integer(table, "evaluation", "candidates", default=3, minimum=1),
        name=read.text(table, "evaluation", "name", default=""),
        source=read.text(table, "evaluation", "source", default=""),
    )
    if kind is MethodKind.COMPREHENSIVE:
        _check_comprehensive(read, table, method)
    elif kind is MethodKind.LOWEST_PRICE:
        _check_ranking_order(read, method, first="evaluated_price")
    low, rule = method.abnormally_low, method.price
    averaged = rule is not None and rule.kind is PriceRuleKind.AVERAGE_BENCHMARK
    if low is not None and low.benchmark_percent is not None and not averaged:
        raise read.fail(
            "evaluation.abnormally_low.benchmark_percent",
            "needs an average_benchmark price rule (it compares with that benchmark)",
        )
    return method


# ---------------------------------------------------------------------------------------------
# The sub-tables
# ---------------------------------------------------------------------------------------------


def _review_criterion(read: TableReader, key: str, raw: Mapping[str, Any]) -> ReviewCriterion:
    where = f"evaluation.review.{key}"
    read.known(raw, where, {"name", "stage", "text"})
    return ReviewCriterion(
        id=key,
        name=read.text(raw, where, "name"),
        stage=read.choice(raw, where, "stage", ReviewStage),
        text=read.text(raw, where, "text", default=""),
    )


def _adjustment(read: TableReader, key: str, raw: Mapping[str, Any]) -> AdjustmentFactor:
    where = f"evaluation.adjustments.{key}"
    read.known(raw, where, {"name", "text"})
    return AdjustmentFactor(
        key, read.text(raw, where, "name"), read.text(raw, where, "text", default="")
    )


def _criterion(read: TableReader, key: str, raw: Mapping[str, Any]) -> Criterion:
    where = f"evaluation.criteria.{key}"
    kind = read.choice(raw, where, "kind", CriterionKind)
    allowed = {"name", "kind", "max_points", "group", "text"}
    allowed |= {
        CriterionKind.SUBJECTIVE: {"minimum", "maximum", "step"},
        CriterionKind.OBJECTIVE: {"per_unit"},
        CriterionKind.PRICE: set(),
    }[kind]
    read.known(raw, where, allowed)
    max_points = read.points(raw, where, "max_points")
    if max_points <= 0:
        raise read.fail(f"{where}.max_points", "must be more than 0")
    criterion = Criterion(
        id=key,
        name=read.text(raw, where, "name"),
        kind=kind,
        max_points=max_points,
        group=read.text(
            raw, where, "group", default="price" if kind is CriterionKind.PRICE else ""
        ),
        text=read.text(raw, where, "text", default=""),
    )
    if kind is CriterionKind.OBJECTIVE:
        per_unit = read.number(raw, where, "per_unit")
        if per_unit <= 0:
            raise read.fail(f"{where}.per_unit", "must be more than 0")
        return replace(criterion, per_unit=per_unit)
    if kind is CriterionKind.SUBJECTIVE:
        minimum = read.points(raw, where, "minimum", default=ZERO)
        maximum = read.points(raw, where, "maximum", default=max_points)
        step = read.number(raw, where, "step")
        if not ZERO <= minimum < maximum <= max_points:
            raise read.fail(where, "needs 0 ≤ minimum < maximum ≤ max_points")
        if step <= 0 or places_of(step) > 4:
            raise read.fail(f"{where}.step", "must be more than 0, with at most 4 decimal places")
        if (maximum - minimum) % step:
            raise read.fail(
                f"{where}.step",
                f"must divide maximum − minimum ({maximum} − {minimum}) into whole steps",
            )
        return replace(criterion, minimum=minimum, maximum=maximum, step=step)
    return criterion


def _price_rule(read: TableReader, raw: Any) -> PriceRule | None:
    if raw is None:
        return None
    where = "evaluation.price"
    read.table(raw, where)
    kind = read.choice(raw, where, "rule", PriceRuleKind)
    allowed = {"rule", "min_share_percent", "text", "source"}
    if kind is PriceRuleKind.AVERAGE_BENCHMARK:
        allowed |= {"coefficients", "drop_extremes_from", "above_per_percent", "below_per_percent"}
    read.known(raw, where, allowed)
    share = read.percent(raw, where, "min_share_percent", default=ZERO)
    rule = PriceRule(
        kind=kind,
        min_share_percent=share,
        text=read.text(raw, where, "text", default=""),
        source=read.text(raw, where, "source", default=""),
    )
    if share and not (rule.text and rule.source):
        raise read.fail(where, "a min_share_percent must quote its 'text' and 'source'")
    if kind is PriceRuleKind.LOWEST_VALID:
        return rule
    coefficients = raw.get("coefficients")
    if not isinstance(coefficients, list) or not coefficients:
        raise read.fail(f"{where}.coefficients", "must list the coefficients the draw may give")
    values = tuple(read.number({"coefficients": c}, where, "coefficients") for c in coefficients)
    if any(not COEFFICIENT_LOW <= c <= COEFFICIENT_HIGH for c in values) or len(set(values)) != len(
        values
    ):
        raise read.fail(
            f"{where}.coefficients",
            f"must be distinct numbers from {COEFFICIENT_LOW} to {COEFFICIENT_HIGH}",
        )
    drop = read.integer(raw, where, "drop_extremes_from", default=0, minimum=0)
    if drop and drop < 3:
        raise read.fail(f"{where}.drop_extremes_from", "is 0 (never) or at least 3")
    above = read.number(raw, where, "above_per_percent")
    below = read.number(raw, where, "below_per_percent")
    if above < 0 or below < 0:
        raise read.fail(where, "above_per_percent and below_per_percent cannot be negative")
    return replace(
        rule,
        coefficients=values,
        drop_extremes_from=drop,
        above_per_percent=above,
        below_per_percent=below,
    )


def _aggregation(read: TableReader, raw: Any) -> Aggregation:
    if raw is None:
        return Aggregation()
    where = "evaluation.aggregation"
    read.table(raw, where)
    read.known(raw, where, {"method", "trim_from"})
    kind = read.choice(raw, where, "method", AggregationKind)
    trim_from = read.integer(raw, where, "trim_from", default=5, minimum=3)
    if kind is AggregationKind.MEAN and "trim_from" in raw:
        raise read.fail(f"{where}.trim_from", "only applies to method = 'trimmed_mean'")
    return Aggregation(kind, trim_from)


def _deviation(read: TableReader, raw: Any) -> DeviationRule | None:
    if raw is None:
        return None
    where = "evaluation.deviation"
    read.table(raw, where)
    read.known(raw, where, {"percent_of_max", "reference"})
    percent = read.percent(raw, where, "percent_of_max")
    if percent <= 0:
        raise read.fail(f"{where}.percent_of_max", "must be more than 0")
    reference = read.choice(
        raw, where, "reference", DeviationReference, default=DeviationReference.OTHERS
    )
    return DeviationRule(percent, reference)


def _abnormally_low(read: TableReader, raw: Any) -> AbnormallyLowRule | None:
    if raw is None:
        return None
    where = "evaluation.abnormally_low"
    read.table(raw, where)
    thresholds = ("mean_of_others_percent", "lowest_other_percent", "benchmark_percent")
    read.known(raw, where, {*thresholds, "min_others", "text", "source"})
    values = {}
    for key in thresholds:
        if key in raw:
            values[key] = read.percent(raw, where, key)
            if values[key] <= 0:
                raise read.fail(f"{where}.{key}", "must be more than 0")
    if not values:
        raise read.fail(where, f"needs at least one of {', '.join(thresholds)}")
    return AbnormallyLowRule(
        mean_of_others_percent=values.get("mean_of_others_percent"),
        lowest_other_percent=values.get("lowest_other_percent"),
        benchmark_percent=values.get("benchmark_percent"),
        min_others=read.integer(raw, where, "min_others", default=2, minimum=1),
        text=read.text(raw, where, "text", default=""),
        source=read.text(raw, where, "source", default=""),
    )


def _tie_breaks(read: TableReader, table: Mapping[str, Any]) -> tuple[str, ...]:
    raw = table.get("tie_breaks", [])
    if not isinstance(raw, list) or not all(isinstance(k, str) for k in raw):
        raise read.fail("evaluation.tie_breaks", "must be a list of tie-break names")
    for key in raw:
        if key not in TIE_BREAKS and not key.startswith(GROUP_PREFIX):
            raise read.fail(
                "evaluation.tie_breaks",
                f"has '{key}'; known: {', '.join(TIE_BREAKS)} and {GROUP_PREFIX}<group>",
            )
    if len(set(raw)) != len(raw):
        raise read.fail("evaluation.tie_breaks", "names a tie-break twice")
    return tuple(raw)


def _check_ranking_order(read: TableReader, method: EvaluationMethod, *, first: str) -> None:
    order = method.tie_breaks
    where = "evaluation.tie_breaks"
    if not order or order[0] != first:
        raise read.fail(where, f"must begin with '{first}' for a {method.kind} method")
    if order[-1] != LAST_TIE_BREAK:
        raise read.fail(where, f"must end with '{LAST_TIE_BREAK}', so that every tie is decided")
    for key in order:
        if key == "total" and method.kind is not MethodKind.COMPREHENSIVE:
            raise read.fail(where, f"'total' needs a comprehensive method, not {method.kind}")
        if key.startswith(GROUP_PREFIX) and key.removeprefix(GROUP_PREFIX) not in method.groups:
            raise read.fail(where, f"'{key}' names no criterion group of this method")


def _check_comprehensive(
    read: TableReader, table: Mapping[str, Any], method: EvaluationMethod
) -> None:
    if not method.criteria:
        raise read.fail("evaluation.criteria", "a comprehensive method needs criteria")
    prices = method.of_kind(CriterionKind.PRICE)
    if len(prices) > 1:
        raise read.fail("evaluation.criteria", "has more than one price criterion")
    if prices and method.price is None:
        raise read.fail("evaluation.price", f"is missing: criterion '{prices[0].id}' is priced")
    if method.price is not None and not prices:
        raise read.fail("evaluation.price", "is set but no criterion has kind = 'price'")
    if "total_points" not in table:
        raise read.fail("evaluation.total_points", "is missing")
    points = sum((c.max_points for c in method.criteria), ZERO)
    if points != method.total_points:
        raise read.fail(
            "evaluation.total_points",
            f"is {method.total_points} but the criteria's max_points add up to {points}",
        )
    if method.of_kind(CriterionKind.SUBJECTIVE):
        if "aggregation" not in table:
            raise read.fail("evaluation.aggregation", "is missing: subjective criteria need one")
    elif "aggregation" in table or "deviation" in table:
        raise read.fail("evaluation", "aggregation and deviation need subjective criteria")
    rule = method.price
    if prices and rule is not None and rule.min_share_percent:
        weight = prices[0].max_points
        if weight * HUNDRED < rule.min_share_percent * method.total_points:
            raise read.fail(
                f"evaluation.criteria.{prices[0].id}.max_points",
                f"{weight} of {method.total_points} is under the price weight's floor of "
                f"{rule.min_share_percent} %: {rule.text} ({rule.source})",
            )
    _check_ranking_order(read, method, first="total")
