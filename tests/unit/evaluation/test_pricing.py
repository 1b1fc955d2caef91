"""Price scores (MOF Order 87 art. 55 and the average-based benchmark), evaluated prices and
abnormally low bids, each against figures worked out by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from prex.evaluation.method_toml import load_evaluation_method
from prex.evaluation.methods import EvaluationMethod
from prex.evaluation.pricing import LowFlag, abnormally_low, evaluated_prices, price_scores
from prex.shared.errors import InvalidInput
from tests.unit.evaluation.examples import bid, method


def priced(weight: str = "30", low: str = "") -> EvaluationMethod:
    """A method whose only criterion is the price, under the lowest_valid rule."""
    return load_evaluation_method(
        f"""
[evaluation]
kind = "comprehensive"
total_points = {weight}
tie_breaks = ["total", "price", "bidder_uscc"]
[evaluation.criteria.price]
name = "价格"
kind = "price"
max_points = {weight}
[evaluation.price]
rule = "lowest_valid"
{low}
""",
        origin="priced.toml",
    )


def test_the_lowest_valid_bid_and_any_bid_equal_to_it_score_the_full_weight() -> None:
    bids = [bid("A", "950000.00"), bid("B", "950000.00"), bid("C", "1000000.00")]
    result = price_scores(priced(), bids)
    assert result.benchmark == D("950000.00")
    # A and B are the benchmark: 30. C: 950000/1000000 × 30 = 28.50.
    assert result.scores == {"A": D("30.00"), "B": D("30.00"), "C": D("28.50")}


def test_price_score_rounds_half_up_from_the_exact_ratio() -> None:
    # 100 / 4800 × 30 = 0.625 exactly → 0.63 (half-even would give 0.62);
    # 100 / 300 × 30 = 10 exactly; 100 / 700 × 30 = 4.2857… → 4.29; 100 / 900 × 30 = 3.333… → 3.33
    bids = [bid(i, p) for i, p in [("A", "100.00"), ("B", "4800.00"), ("C", "300.00")]]
    bids += [bid("D", "700.00"), bid("E", "900.00")]
    assert price_scores(priced(), bids).scores == {
        "A": D("30.00"),
        "B": D("0.63"),
        "C": D("10.00"),
        "D": D("4.29"),
        "E": D("3.33"),
    }


def test_price_scores_over_no_valid_bid_have_no_benchmark() -> None:
    result = price_scores(priced(), [])
    assert (result.benchmark, dict(result.scores)) == (None, {})


def test_average_benchmark_deducts_per_percent_linearly_and_never_below_zero() -> None:
    average = method("engineering-average")  # weight 60; −1 a percent above, −0.5 below
    # Two bids (< 5: nothing dropped): (1,000,000 + 1,800,000)/2 = 1,400,000 × 0.95 = 1,330,000.
    #   B 470,000/1,330,000 = 35.338345… % above → 60 − 35.338345… = 24.661654… → 24.66
    #   A 330,000/1,330,000 = 24.812030… % below × 0.5 = 12.406015… → 47.593984… → 47.59
    result = price_scores(average, [bid("A", "1000000.00"), bid("B", "1800000.00")], D("0.95"))
    assert result.benchmark == D("1330000.00")
    assert result.scores == {"A": D("47.59"), "B": D("24.66")}
    # Four bids: (1,000,000 × 2 + 2,000,000 + 3,000,000)/4 = 1,750,000 × 0.95 = 1,662,500.
    #   D 1,337,500/1,662,500 = 80.45… % above → 60 − 80.45… < 0 → 0.00 (the cap)
    #   C   337,500/1,662,500 = 20.300751… % above → 39.699248… → 39.70
    #   A, B 662,500/1,662,500 = 39.849624… % below × 0.5 = 19.924812… → 40.075187… → 40.08
    bids = [bid("A", "1000000.00"), bid("B", "1000000.00"), bid("C", "2000000.00")]
    result = price_scores(average, [*bids, bid("D", "3000000.00")], D("0.95"))
    assert result.benchmark == D("1662500.00")
    assert result.scores == {"A": D("40.08"), "B": D("40.08"), "C": D("39.70"), "D": D("0.00")}


def test_a_bid_at_the_average_benchmark_scores_the_full_weight() -> None:
    # mean (990,000 + 1,010,000)/2 = 1,000,000 × 0.99 = 990,000: A is the benchmark.
    result = price_scores(
        method("engineering-average"), [bid("A", "990000.00"), bid("B", "1010000.00")], D("0.99")
    )
    assert result.benchmark == D("990000.00")
    assert result.scores["A"] == D("60.00")


def test_the_average_benchmark_is_rounded_to_the_fen_before_scoring() -> None:
    # (100.00 + 100.01 + 100.03)/3 = 100.013333… × 0.97 = 97.012933… → 97.01
    bids = [bid("A", "100.00"), bid("B", "100.01"), bid("C", "100.03")]
    assert price_scores(method("engineering-average"), bids, D("0.97")).benchmark == D("97.01")


ABNORMAL = """
[evaluation.abnormally_low]
mean_of_others_percent = 80
lowest_other_percent = 90
"""


def test_abnormally_low_thresholds_are_strict() -> None:
    evaluation = priced(low=ABNORMAL)
    # Others of D (100, 100, 100): mean 100 → 80 % = 80; lowest other 100 → 90 % = 90.
    assert abnormally_low(evaluation, [bid("A", "100.00"), bid("B", "100.00"), bid("C", "100.00"),
                                       bid("D", "90.00")]) == ()  # fmt: skip
    found = abnormally_low(
        evaluation, [bid("A", "100.00"), bid("B", "100.00"), bid("C", "100.00"), bid("D", "89.99")]
    )
    assert found[0].flags == (LowFlag("lowest_other", D(90), D("100.00")),)
    found = abnormally_low(
        evaluation, [bid("A", "100.00"), bid("B", "100.00"), bid("C", "100.00"), bid("D", "79.99")]
    )
    assert [f.threshold for f in found[0].flags] == ["mean_of_others", "lowest_other"]


def test_the_lowest_other_of_the_lowest_bid_is_the_second_lowest() -> None:
    # A 80 vs the lowest other (B, 95) × 90 % = 85.5 → flagged; B 95 vs the lowest other (A, 80)
    # → not. A vs the mean of the others (95 + 100 + 105)/3 = 100 × 80 % = 80: exactly → not.
    evaluation = priced(low=ABNORMAL)
    bids = [bid("A", "80.00"), bid("B", "95.00"), bid("C", "100.00"), bid("D", "105.00")]
    (low,) = abnormally_low(evaluation, bids, accepted={"A"})
    assert (low.bid_id, low.flags, low.explanation_accepted) == (
        "A",
        (LowFlag("lowest_other", D(90), D("95.00")),),
        True,
    )


def test_too_few_other_bids_flag_nothing() -> None:
    # min_others = 2 (default): with one other bid there is no meaningful "others".
    assert abnormally_low(priced(low=ABNORMAL), [bid("A", "10.00"), bid("B", "100.00")]) == ()


def test_evaluated_price_adds_every_adjustment_exactly() -> None:
    lowest = method("engineering-lowest-price")
    bids = [
        bid("A", "1000000.00", adjustments={"payment": "12345.67", "duration": "-0.01"}),
        bid("B", "999999.99"),
    ]
    assert evaluated_prices(lowest, bids) == {"A": D("1012345.66"), "B": D("999999.99")}
    for amount, problem in [("0.001", "is not an amount in yuan"), ("-1000000.00", "not positive")]:
        with pytest.raises(InvalidInput, match=problem):
            evaluated_prices(lowest, [bid("A", "1000000.00", adjustments={"payment": amount})])
