"""Each evaluation method computed whole against a table worked out by hand.

The expected figures are literal Decimals; the comment above each shows the hand computation.
Rounding is to two places, half up, at the points docs/evaluation-methods.md names (R1 the
aggregated expert score, R2 objective points, R3 the price score, R4 the average benchmark);
totals are sums of rounded figures.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from prex.evaluation.pipeline import Evaluation, evaluate
from prex.evaluation.pricing import LowFlag
from prex.shared.errors import InvalidInput
from tests.unit.evaluation.examples import bid, experts, method, passing_review, score_sheets

# ---------------------------------------------------------------------------------------------
# Comprehensive scoring, government procurement of goods (MOF Order 87 art. 55)
# ---------------------------------------------------------------------------------------------

GOODS_BIDS = [
    bid("B1", "1000000.00", minutes=50, facts={"iso": "1", "projects": "2"}),
    bid("B2", "950000.00", minutes=40, facts={"iso": "2", "projects": "5"}),
    bid("B3", "1200000.00", minutes=30, facts={"iso": "0", "projects": "3"}),
    bid("B4", "800000.00", minutes=20, facts={"iso": "2", "projects": "4"}),
    bid("B5", "1100000.00", minutes=10, facts={"iso": "1", "projects": "1"}),
]
# Experts E1 … E5, in that order.
GOODS_SCORES: dict[tuple[str, str], list[str | int]] = {
    ("B1", "tech"): [30, 32, 31, 35, 28],
    ("B2", "tech"): [34, "33.5", 36, 30, 35],
    ("B3", "tech"): [38, 37, 39, 38, "36.5"],
    ("B4", "tech"): [39, 39, 39, 39, 39],  # B4 fails the review: its scores are left out
    ("B5", "tech"): [25, 26, "25.5", 24, 40],
    ("B1", "service"): [15, 16, 14, 15, 15],
    ("B2", "service"): [12, 12, 13, 11, 12],
    ("B3", "service"): [18, 17, 18, 19, 16],
    ("B4", "service"): [20, 20, 20, 20, 20],
    ("B5", "service"): [10, 11, 10, 10, 11],
}


def goods_evaluation(**changes: Any) -> Evaluation:
    goods = method("procurement-goods")
    reviews = passing_review(
        goods,
        GOODS_BIDS,
        experts(5),
        # B4: 3 of 5 fail its validity → a majority: B4 fails the review.
        # B5: 2 of 5 fail its licence → a minority: B5 passes, the two reasons are kept.
        fails={("B4", "validity"): ["E1", "E2", "E3"], ("B5", "licence"): ["E4", "E5"]},
    )
    arguments: dict[str, Any] = {
        "review_sheets": reviews,
        "score_sheets": score_sheets(GOODS_SCORES),
        **changes,
    }
    return evaluate(goods, GOODS_BIDS, **arguments)


def test_comprehensive_goods_table_by_hand() -> None:
    result = goods_evaluation()
    assert result.valid == ("B1", "B2", "B3", "B5")
    assert not result.reviews["B4"].passed
    (failed,) = result.reviews["B4"].failed
    assert (failed.criterion_id, failed.fails, failed.votes) == ("validity", 3, 5)
    assert [expert for expert, _ in failed.reasons] == ["E1", "E2", "E3"]
    licence = result.reviews["B5"].verdicts[0]
    assert licence.passed and licence.fails == 2 and len(licence.reasons) == 2

    # Price (weight 30): benchmark = the lowest VALID bid = B2's 950,000.00 (B4's 800,000 failed
    # the review and is no benchmark).
    #   B1 950000/1000000 × 30 = 28.5        B2 = the benchmark → 30
    #   B3 950000/1200000 × 30 = 23.75       B5 950000/1100000 × 30 = 25.9090… → 25.91
    # tech (trimmed mean of 5: drop one highest, one lowest; step 0.5), scores sorted:
    #   B1 28 30 31 32 35 → (30+32+31)/3 = 31       B2 30 33.5 34 35 36 → 102.5/3 = 34.166… → 34.17
    #   B3 36.5 37 38 38 39 → 113/3 = 37.666… → 37.67    B5 24 25 25.5 26 40 → 76.5/3 = 25.50
    # service: B1 14 15 15 15 16 → 15      B2 11 12 12 12 13 → 12
    #          B3 16 17 18 18 19 → 53/3 = 17.666… → 17.67     B5 10 10 10 11 11 → 31/3 → 10.33
    # iso (2 a certificate, max 4): B1 1 → 2   B2 2 → 4   B3 0 → 0   B5 1 → 2
    # projects (1.5 each, max 6):   B1 2 → 3   B2 5 → 7.5, capped → 6   B3 3 → 4.5   B5 1 → 1.5
    assert result.benchmark == D("950000.00")
    assert result.scores == {
        "B1": {"price": D("28.50"), "tech": D("31.00"), "service": D("15.00"),
               "iso": D("2.00"), "projects": D("3.00")},
        "B2": {"price": D("30.00"), "tech": D("34.17"), "service": D("12.00"),
               "iso": D("4.00"), "projects": D("6.00")},
        "B3": {"price": D("23.75"), "tech": D("37.67"), "service": D("17.67"),
               "iso": D("0.00"), "projects": D("4.50")},
        "B5": {"price": D("25.91"), "tech": D("25.50"), "service": D("10.33"),
               "iso": D("2.00"), "projects": D("1.50")},
    }  # fmt: skip
    # Totals: B1 28.50+31.00+15.00+2.00+3.00 = 79.50   B2 30.00+34.17+12.00+4.00+6.00 = 86.17
    #         B3 23.75+37.67+17.67+0.00+4.50 = 83.59   B5 25.91+25.50+10.33+2.00+1.50 = 65.24
    ranking = [(c.rank, c.bid_id, c.total, c.decided_by) for c in result.ranking]
    assert ranking == [
        (1, "B2", D("86.17"), None),
        (2, "B3", D("83.59"), "total"),
        (3, "B1", D("79.50"), "total"),
        (4, "B5", D("65.24"), "total"),
    ]
    assert [c.bid_id for c in result.candidates] == ["B2", "B3", "B1"]
    # B2's technical group is its tech score alone.
    assert dict(result.ranking[0].key)["group:technical"] == D("34.17")


def test_goods_deviation_needs_a_justification_before_the_evaluation_completes() -> None:
    # B5 tech: E5 gave 40; the other four average (25+26+25.5+24)/4 = 25.125; |40 − 25.125| =
    # 14.875 > 20 % of 40 = 8 → justification needed. E4's 24 lies (25+26+25.5+40)/4 = 29.125 →
    # 5.125 away: within the limit. Nothing else deviates.
    result = goods_evaluation()
    (deviation,) = result.deviations
    assert (deviation.expert_id, deviation.bid_id, deviation.criterion_id) == ("E5", "B5", "tech")
    assert (deviation.score, deviation.reference, deviation.limit) == (D(40), D("25.13"), D("8.00"))
    assert not deviation.justified and not result.complete
    justified = goods_evaluation(justifications={("E5", "B5", "tech"): "方案有独到的节能设计"})
    assert justified.deviations[0].justified and justified.complete
    assert justified.ranking == result.ranking  # a justification changes no figure


def test_goods_invalid_bid_is_neither_benchmark_nor_abnormally_low() -> None:
    # Had B4 (800,000) been valid, it would be the benchmark and lie below 80 % of the mean of
    # the others (1,062,500 × 0.8 = 850,000). Failed, it is neither; among the valid bids, B2's
    # 950,000 is above 80 % of (1,000,000 + 1,200,000 + 1,100,000)/3 = 880,000.
    result = goods_evaluation()
    assert result.abnormally_low == ()
    assert "B4" not in result.scores


def test_goods_scores_for_an_unknown_bid_are_refused_not_ignored() -> None:
    table: dict[tuple[str, str], list[str | int]] = {**GOODS_SCORES, ("B9", "tech"): [1] * 5}
    with pytest.raises(InvalidInput, match="bid B9, criterion tech: names no bid being scored"):
        goods_evaluation(score_sheets=score_sheets(table))


# ---------------------------------------------------------------------------------------------
# Comprehensive scoring, engineering, average-based benchmark with a drawn coefficient
# ---------------------------------------------------------------------------------------------

AVERAGE_BIDS = [
    bid("C1", "1000000.00", minutes=50),
    bid("C2", "980000.00", minutes=40),
    bid("C3", "1050000.00", minutes=30),
    bid("C4", "900000.00", minutes=20),
    bid("C5", "1100000.00", minutes=10),
]
# 7 experts, E1 … E7; tech: max 40, step 1, trimmed mean.
AVERAGE_SCORES: dict[tuple[str, str], list[str | int]] = {
    ("C1", "tech"): [30, 31, 32, 30, 29, 33, 31],
    ("C2", "tech"): [28, 28, 29, 27, 28, 30, 28],
    ("C3", "tech"): [35, 36, 34, 35, 37, 35, 36],
    ("C4", "tech"): [32, 32, 32, 32, 32, 32, 32],
    ("C5", "tech"): [38, 38, 39, 37, 38, 38, 38],
}


def average_evaluation(**changes: Any) -> Evaluation:
    arguments: dict[str, Any] = {
        "score_sheets": score_sheets(AVERAGE_SCORES),
        "coefficient": D("0.97"),
        **changes,
    }
    return evaluate(method("engineering-average"), AVERAGE_BIDS, **arguments)


def test_average_benchmark_table_by_hand() -> None:
    result = average_evaluation()
    # Five valid bids ≥ drop_extremes_from 5: drop 1,100,000 and 900,000;
    # mean (1,000,000 + 980,000 + 1,050,000)/3 = 1,010,000; × 0.97 drawn = 979,700.00.
    assert result.benchmark == D("979700.00")
    # d = (bid − 979,700)/979,700 × 100; score = 60 − d × 1 above, 60 − |d| × 0.5 below:
    #   C1 +20,300 → d = 2.07206… → 57.92793… → 57.93
    #   C2    +300 → d = 0.03062… → 59.96937… → 59.97
    #   C3 +70,300 → d = 7.17566… → 52.82433… → 52.82
    #   C4 −79,700 → d = 8.13514… below, × 0.5 = 4.06757… → 55.93242… → 55.93
    #   C5 +120,300 → d = 12.27926… → 47.72073… → 47.72
    # tech, trimmed mean of 7 (drop one highest and one lowest, divide by 5):
    #   C1 29 30 30 31 31 32 33 → 154/5 = 30.80     C2 27 28 28 28 28 29 30 → 141/5 = 28.20
    #   C3 34 35 35 35 36 36 37 → 177/5 = 35.40     C4 all 32 → 32.00
    #   C5 37 38 38 38 38 38 39 → 190/5 = 38.00
    expected = {
        "C1": (D("57.93"), D("30.80")),
        "C2": (D("59.97"), D("28.20")),
        "C3": (D("52.82"), D("35.40")),
        "C4": (D("55.93"), D("32.00")),
        "C5": (D("47.72"), D("38.00")),
    }
    assert {b: (row["price"], row["tech"]) for b, row in result.scores.items()} == expected
    # Totals: C1 88.73, C2 88.17, C3 88.22, C4 87.93, C5 85.72.
    assert [(c.bid_id, c.total) for c in result.ranking] == [
        ("C1", D("88.73")),
        ("C3", D("88.22")),
        ("C2", D("88.17")),
        ("C4", D("87.93")),
        ("C5", D("85.72")),
    ]


def test_average_benchmark_flags_a_bid_below_92_percent_of_the_benchmark() -> None:
    # 92 % of 979,700 = 901,324: C4's 900,000 is below → the bidder must explain.
    result = average_evaluation()
    (low,) = result.abnormally_low
    assert (low.bid_id, low.flags) == ("C4", (LowFlag("benchmark", D(92), D("979700.00")),))
    assert low.explanation_required and result.pending_explanations == (low,)
    assert not result.complete
    accepted = average_evaluation(explanations_accepted={"C4"})
    assert accepted.complete and not accepted.abnormally_low[0].explanation_required


def test_rejecting_the_abnormally_low_bid_recomputes_the_benchmark_without_it() -> None:
    result = average_evaluation(rejected={"C4": "未能合理说明其报价，评标委员会否决其投标"})
    # Four valid bids < 5: nothing dropped; (1,000,000 + 980,000 + 1,050,000 + 1,100,000)/4
    # = 1,032,500 × 0.97 = 1,001,525.00.
    #   C1 −1,525 → d = 0.15226… below × 0.5 = 0.07613… → 59.92386… → 59.92 ; + 30.80 = 90.72
    #   C2 −21,525 → d = 2.14922… × 0.5 = 1.07461… → 58.92538… → 58.93 ; + 28.20 = 87.13
    #   C3 +48,475 → d = 4.84011… → 55.15988… → 55.16 ; + 35.40 = 90.56
    #   C5 +98,475 → d = 9.83250… → 50.16749… → 50.17 ; + 38.00 = 88.17
    assert result.benchmark == D("1001525.00")
    assert result.valid == ("C1", "C2", "C3", "C5")
    assert result.rejected == {"C4": "未能合理说明其报价，评标委员会否决其投标"}
    assert [(c.bid_id, c.total) for c in result.ranking] == [
        ("C1", D("90.72")),
        ("C3", D("90.56")),
        ("C5", D("88.17")),
        ("C2", D("87.13")),
    ]
    # 92 % of 1,001,525 = 921,403: no remaining bid is below it.
    assert result.abnormally_low == () and result.complete


def test_average_benchmark_needs_a_coefficient_from_the_rule_pack_list() -> None:
    with pytest.raises(InvalidInput, match=r"0\.93, is not one of 0\.95, 0\.96"):
        average_evaluation(coefficient=D("0.93"))
    with pytest.raises(InvalidInput, match="coefficient drawn at opening is needed"):
        average_evaluation(coefficient=None)
    with pytest.raises(InvalidInput, match="draws no benchmark coefficient"):
        goods_evaluation(coefficient=D("0.97"))


# ---------------------------------------------------------------------------------------------
# Lowest evaluated price (经评审的最低投标价法)
# ---------------------------------------------------------------------------------------------

LOWEST_BIDS = [
    bid("L1", "5000000.00", minutes=30, adjustments={"payment": "50000.00"}),
    bid("L2", "5100000.00", minutes=40, adjustments={"duration": "-50000.00"}),
    bid("L3", "4980000.00", minutes=50, adjustments={"payment": "120000.00"}),
    bid("L4", "3900000.00", minutes=60),
    bid("L5", "4500000.00", minutes=70),
]


def lowest_evaluation(**changes: Any) -> Evaluation:
    lowest = method("engineering-lowest-price")
    # L5 fails its schedule with 3 of 5 experts: out, whatever its price.
    reviews = passing_review(lowest, LOWEST_BIDS, experts(5), {("L5", "schedule"): experts(3)})
    arguments: dict[str, Any] = {"review_sheets": reviews, **changes}
    return evaluate(lowest, LOWEST_BIDS, **arguments)


def test_lowest_evaluated_price_table_by_hand() -> None:
    result = lowest_evaluation()
    # Evaluated price = bid price + adjustments:
    #   L1 5,000,000 + 50,000 = 5,050,000     L2 5,100,000 − 50,000 = 5,050,000
    #   L3 4,980,000 + 120,000 = 5,100,000    L4 3,900,000
    # L1 and L2 tie on the evaluated price; L1's bid price is lower → L1 first.
    ranking = [(c.bid_id, c.evaluated_price, c.total, c.decided_by) for c in result.ranking]
    assert ranking == [
        ("L4", D("3900000.00"), None, None),
        ("L1", D("5050000.00"), None, "evaluated_price"),
        ("L2", D("5050000.00"), None, "price"),
        ("L3", D("5100000.00"), None, "evaluated_price"),
    ]
    assert "L5" not in result.valid


def test_lowest_price_flags_the_abnormally_low_bid_on_both_thresholds() -> None:
    # L4 3,900,000: the other valid bids average (5,000,000 + 5,100,000 + 4,980,000)/3 =
    # 5,026,666.67, × 80 % = 4,021,333.33; the lowest other is 4,980,000, × 85 % = 4,233,000.
    # It is under both. (L5, failed, is not an "other".)
    result = lowest_evaluation()
    (low,) = result.abnormally_low
    assert low.bid_id == "L4"
    assert low.flags == (
        LowFlag("mean_of_others", D(80), D("5026666.67")),
        LowFlag("lowest_other", D(85), D("4980000.00")),
    )
    assert not result.complete
    rejected = lowest_evaluation(rejected={"L4": "不能说明其报价合理性"})
    assert [c.bid_id for c in rejected.ranking] == ["L1", "L2", "L3"]
    assert rejected.complete


def test_lowest_price_refuses_an_adjustment_the_method_does_not_define() -> None:
    bids = [*LOWEST_BIDS[:4], bid("L5", "4500000.00", adjustments={"warranty": "1000.00"})]
    lowest = method("engineering-lowest-price")
    reviews = passing_review(lowest, bids, experts(5))
    with pytest.raises(InvalidInput, match="adjustment 'warranty' names no adjustment factor"):
        evaluate(lowest, bids, review_sheets=reviews)


# ---------------------------------------------------------------------------------------------
# Qualification (pass/fail only)
# ---------------------------------------------------------------------------------------------


def test_qualification_passes_by_majority_and_ranks_nothing() -> None:
    qualification = method("qualification")
    bids = [bid("Q1", "1.00"), bid("Q2", "1.00"), bid("Q3", "1.00")]
    reviews = passing_review(
        qualification,
        bids,
        experts(5),
        {("Q2", "bond"): ["E1", "E2", "E3"], ("Q3", "performance"): ["E4", "E5"]},
    )
    result = evaluate(qualification, bids, review_sheets=reviews)
    assert result.valid == ("Q1", "Q3")
    assert result.ranking == () and result.complete
    assert [v.passed for v in result.reviews["Q2"].verdicts] == [True, True, False]
    assert [(v.fails, v.votes) for v in result.reviews["Q3"].verdicts] == [(0, 5), (2, 5), (0, 5)]
    assert result.reviews["Q2"].failed[0].reasons == (
        ("E1", "E1: 不满足 投标保证金"),
        ("E2", "E2: 不满足 投标保证金"),
        ("E3", "E3: 不满足 投标保证金"),
    )


def test_inputs_a_method_does_not_use_are_refused_rather_than_ignored() -> None:
    priced = [bid("B1", "1.00", facts={"iso": "1", "projects": "1"}, adjustments={"x": "1.00"})]
    with pytest.raises(InvalidInput, match="bid B1: adjustments apply to a lowest_price method"):
        evaluate(method("procurement-goods"), priced)
    with pytest.raises(InvalidInput, match="bid B1: verified facts score a comprehensive method"):
        evaluate(method("engineering-lowest-price"), [bid("B1", "1.00", facts={"iso": "1"})])
