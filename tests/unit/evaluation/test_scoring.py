"""Expert scores: checked cell by cell, aggregated by mean or trimmed mean with 4, 5, 7 and 9
experts, and screened for deviations needing a justification."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from prex.evaluation.inputs import ScoreSheet
from prex.evaluation.method_toml import load_evaluation_method
from prex.evaluation.methods import EvaluationMethod
from prex.evaluation.scoring import aggregate, collect_scores, deviations, objective_scores
from prex.shared.errors import InvalidInput
from tests.unit.evaluation.examples import bid, method, score_sheets


def one_criterion(
    aggregation: str = "trimmed_mean",
    *,
    percent: str = "20",
    reference: str = "others",
    step: str = "0.5",
) -> EvaluationMethod:
    """A method with a single subjective criterion 'q' worth 10 points."""
    trim = "trim_from = 5" if aggregation == "trimmed_mean" else ""
    return load_evaluation_method(
        f"""
[evaluation]
kind = "comprehensive"
total_points = 10
tie_breaks = ["total", "bidder_uscc"]
[evaluation.criteria.q]
name = "质量"
kind = "subjective"
max_points = 10
step = {step}
[evaluation.aggregation]
method = "{aggregation}"
{trim}
[evaluation.deviation]
percent_of_max = {percent}
reference = "{reference}"
""",
        origin="one.toml",
    )


def points(evaluation: EvaluationMethod, *scores: str | int) -> D:
    """The aggregated points of bid B1 on 'q' with these experts' scores."""
    table = collect_scores(evaluation, [bid("B1", "1.00")], score_sheets({("B1", "q"): scores}))
    return aggregate(evaluation, table)["B1"]["q"]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # 5 experts: drop one highest and one lowest.
        ((8, 9, 7, 10, 6), "8.00"),  # (8 + 9 + 7)/3
        ((8, 8, 8, 10, 10), "8.67"),  # one 10 and one 8 dropped: (8 + 8 + 10)/3 = 8.666…
        # 7 experts.
        ((5, 6, "6.5", 7, "7.5", 8, 10), "7.00"),  # (6 + 6.5 + 7 + 7.5 + 8)/5 = 35/5
        ((10, 9, 9, 9, 9, 9, 0), "9.00"),  # the 0 and one 10 dropped
        # 9 experts.
        ((1, 2, 3, 4, 5, 6, 7, 8, "9.5"), "5.00"),  # (2 + … + 8)/7 = 35/7
        ((6, 7, 7, 7, 7, 7, "7.5", 8, 9), "7.21"),  # (5 × 7 + 7.5 + 8)/7 = 50.5/7 = 7.2142…
        # 4 experts are fewer than trim_from = 5: the plain mean.
        ((8, 9, 7, 10), "8.50"),  # 34/4
    ],
)
def test_trimmed_mean_drops_one_highest_and_one_lowest_from_five_experts(
    scores: tuple[str | int, ...], expected: str
) -> None:
    assert points(one_criterion(), *scores) == D(expected)


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ((8, 9, 7, 10, 6), "8.00"),  # 40/5
        ((8, 8, 8, 10, 10), "8.80"),  # 44/5
        ((8, 8, 8, "8.5"), "8.13"),  # 32.5/4 = 8.125: half up (half-even would give 8.12)
        ((1, 1, "1.5"), "1.17"),  # 3.5/3 = 1.1666…
    ],
)
def test_mean_keeps_every_expert_and_rounds_half_up(
    scores: tuple[str | int, ...], expected: str
) -> None:
    assert points(one_criterion("mean"), *scores) == D(expected)


def flagged(evaluation: EvaluationMethod, *scores: str | int) -> list[tuple[str, D, D]]:
    sheets = score_sheets({("B1", "q"): scores})
    table = collect_scores(evaluation, [bid("B1", "1.00")], sheets)
    return [(d.expert_id, d.score, d.reference) for d in deviations(evaluation, table)]


def test_a_score_beyond_twenty_percent_of_the_maximum_from_the_others_is_flagged() -> None:
    # Limit: 20 % of 10 = 2 points. E5's 5 against the others' mean 8: 3 > 2.
    # E1's 8 against (8 + 8 + 8 + 5)/4 = 7.25: 0.75.
    assert flagged(one_criterion(), 8, 8, 8, 8, 5) == [("E5", D(5), D("8.00"))]
    # Exactly at the limit (|6 − 8| = 2) needs no justification.
    assert flagged(one_criterion(), 8, 8, 8, 8, 6) == []
    # E1's 10 against the others' 4: 6 > 2. Each 4 against (10 + 4 + 4)/3 = 6: exactly 2.
    assert flagged(one_criterion(), 10, 4, 4, 4) == [("E1", D(10), D("4.00"))]


def test_against_the_mean_of_all_the_expert_own_score_pulls_the_mean_closer() -> None:
    # 5.5 vs the others' 8: 2.5 > 2 → flagged; vs the mean of all, 37.5/5 = 7.5: exactly 2 → not.
    assert flagged(one_criterion(), 8, 8, 8, 8, "5.5") == [("E5", D("5.5"), D("8.00"))]
    assert flagged(one_criterion(reference="all"), 8, 8, 8, 8, "5.5") == []
    # 5 vs the mean of all, 37/5 = 7.4: 2.4 > 2 → flagged, shown against 7.40.
    assert flagged(one_criterion(reference="all"), 8, 8, 8, 8, 5) == [("E5", D(5), D("7.40"))]


def test_deviation_limits_in_fractions_of_a_point_are_exact() -> None:
    # 12.5 % of 10 = 1.25 points: 6.75 vs 8 (others) is exactly 1.25 → fine; 6.5 → 1.5 flagged.
    evaluation = one_criterion(percent="12.5", step="0.25")
    assert flagged(evaluation, 8, 8, 8, "6.75") == []
    assert flagged(evaluation, 8, 8, 8, "6.5") == [("E4", D("6.5"), D("8.00"))]
    table = collect_scores(evaluation, [bid("B1", "1.00")], score_sheets({("B1", "q"): [8, "6.5"]}))
    assert deviations(evaluation, table)[0].limit == D("1.25")


def test_a_single_expert_deviates_from_nobody() -> None:
    assert flagged(one_criterion(), 1) == []


@pytest.mark.parametrize(
    ("score", "problem"),
    [
        (D("10.5"), r"10\.5 is outside 0–10 or not on the step of 0\.5"),
        (D("-0.5"), r"-0\.5 is outside"),
        (D("7.25"), r"7\.25 is outside 0–10 or not on the step of 0\.5"),
        (D("NaN"), r"Decimal\('NaN'\) is not a decimal score"),
        (7.5, "7.5 is not a decimal score"),
        ("7.5", "'7.5' is not a decimal score"),
        (True, "True is not a decimal score"),
        (None, "is not scored"),
    ],
)
def test_a_bad_score_is_refused_naming_expert_bid_and_criterion(
    score: object, problem: str
) -> None:
    sheets = score_sheets({("B1", "q"): [8, 8, 8]})
    cells = {} if score is None else {("B1", "q"): score}
    sheets[1] = ScoreSheet("E2", cells)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=f"expert E2, bid B1, criterion q: {problem}") as refused:
        collect_scores(one_criterion(), [bid("B1", "1.00")], sheets)
    assert refused.value.context == {
        "field": "scores",
        "expert": "E2",
        "bid": "B1",
        "criterion": "q",
    }


def test_an_integer_score_on_the_step_is_accepted() -> None:
    assert points(one_criterion("mean"), 7, 8) == D("7.50")


def test_minimum_of_a_range_is_enforced() -> None:
    goods = method("procurement-goods")  # service: 5 to 20, step 1
    sheets = score_sheets({("B1", "tech"): [30], ("B1", "service"): [4]})
    with pytest.raises(InvalidInput, match=r"criterion service: 4 is outside 5–20"):
        collect_scores(goods, [bid("B1", "1.00")], sheets)


def test_cells_the_method_does_not_score_are_refused() -> None:
    goods = method("procurement-goods")
    cells = {("B1", "tech"): [30], ("B1", "service"): [15]}
    for extra, problem in [
        (("B1", "price"), "criterion price: is computed, not scored by experts"),
        (("B1", "iso"), "criterion iso: is computed, not scored by experts"),
        (("B1", "charm"), "criterion charm: names no criterion of this method"),
        (("B2", "tech"), "bid B2, criterion tech: names no bid being scored"),
    ]:
        with pytest.raises(InvalidInput, match=problem):
            collect_scores(goods, [bid("B1", "1.00")], score_sheets({**cells, extra: [1]}))
    # The scores of a bid that failed the review are left out, not refused.
    table = collect_scores(
        goods, [bid("B1", "1.00")], score_sheets({**cells, ("B2", "tech"): [1]}), ignored={"B2"}
    )
    assert set(table.cells) == {("B1", "tech"), ("B1", "service")}


def test_two_sheets_from_one_expert_are_refused() -> None:
    sheets = score_sheets({("B1", "q"): [8, 8]})
    sheets[1] = ScoreSheet("E1", sheets[1].scores)
    with pytest.raises(InvalidInput, match="expert id 'E1' is empty or has two sheets"):
        collect_scores(one_criterion(), [bid("B1", "1.00")], sheets)


def test_objective_points_are_per_unit_times_the_fact_capped_at_the_maximum() -> None:
    goods = method("procurement-goods")  # iso: 2 each, max 4; projects: 1.5 each, max 6
    bids = [
        bid("B1", "1.00", facts={"iso": "0", "projects": "3"}),
        bid("B2", "1.00", facts={"iso": "3", "projects": "4"}),
    ]
    assert objective_scores(goods, bids) == {
        "B1": {"iso": D("0.00"), "projects": D("4.50")},
        "B2": {"iso": D("4.00"), "projects": D("6.00")},  # 6 and 6 capped at 4 and 6
    }
    for facts, problem in [
        ({"iso": "1"}, "criterion projects: the verified fact None"),
        ({"iso": "-1", "projects": "1"}, "criterion iso: the verified fact Decimal"),
        ({"iso": "1", "projects": "1", "awards": "2"}, "fact 'awards' names no objective"),
    ]:
        with pytest.raises(InvalidInput, match=problem):
            objective_scores(goods, [bid("B1", "1.00", facts=facts)])


def test_deviations_come_by_bid_then_criterion_then_expert_whatever_the_input_order() -> None:
    goods = method("procurement-goods")  # tech (max 40, limit 8) before service (max 20, limit 4)
    # Each outlier lies 10 to 20 points from the others' mean; every other score lies within
    # 2.5 (service) or 5 (tech) of the mean of the rest, e.g. B1 tech E1: 30 vs 100/4 = 25.
    sheets = score_sheets(
        {
            ("B2", "service"): [10, 10, 10, 10, 20],  # E5: 20 vs 10 → flagged
            ("B2", "tech"): [0, 20, 20, 20, 20],  # E1: 0 vs 20 → flagged
            ("B1", "tech"): [30, 30, 30, 30, 10],  # E5: 10 vs 30 → flagged
            ("B1", "service"): [5, 5, 5, 5, 5],
        }
    )
    bids = [bid("B2", "1.00"), bid("B1", "1.00")]
    table = collect_scores(goods, bids, sheets[::-1])
    found = [(d.bid_id, d.criterion_id, d.expert_id) for d in deviations(goods, table)]
    assert found == [("B1", "tech", "E5"), ("B2", "tech", "E1"), ("B2", "service", "E5")]
