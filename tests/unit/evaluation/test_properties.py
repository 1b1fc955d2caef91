"""Properties of the evaluation arithmetic over generated tenders: the order experts and bids are
given in never matters; no figure exceeds its maximum; the lowest valid bid scores the full price
weight; an aggregate lies within its experts' scores; the ranking is total and follows the
totals."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from prex.evaluation.inputs import Bid, Mark, ReviewSheet, ScoreSheet
from prex.evaluation.methods import EvaluationMethod
from prex.evaluation.pipeline import Evaluation, evaluate
from prex.evaluation.pricing import price_scores
from tests.unit.evaluation.examples import OPENED, method

GOODS = method("procurement-goods")
AVERAGE = method("engineering-average")


@dataclass
class Tender:
    bids: list[Bid]
    reviews: list[ReviewSheet]
    sheets: list[ScoreSheet]
    seed: int

    def run(self, evaluation: EvaluationMethod = GOODS, **more: object) -> Evaluation:
        return evaluate(
            evaluation,
            self.bids,
            review_sheets=self.reviews,
            score_sheets=self.sheets,
            **more,  # type: ignore[arg-type]
        )


@st.composite
def goods_tenders(draw: st.DrawFn) -> Tender:
    """2–7 bids, 1–9 experts, random review fails (so some bids drop out) and random scores on
    each criterion's grid; prices in fen, often equal to one another."""
    count = draw(st.integers(2, 7))
    experts = [f"E{i}" for i in range(1, draw(st.integers(1, 9)) + 1)]
    price = st.one_of(st.sampled_from([100_000, 250_000]), st.integers(1, 10**10))
    bids = [
        Bid(
            id=f"B{i}",
            bidder_uscc=f"9133{draw(st.integers(0, 99)):02d}{i:012d}",
            price=D(draw(price)).scaleb(-2),
            received_at=OPENED - timedelta(minutes=draw(st.integers(0, 3))),
            facts={"iso": D(draw(st.integers(0, 3))), "projects": D(draw(st.integers(0, 6)))},
        )
        for i in range(count)
    ]
    fail = st.integers(0, 9).map(lambda n: n == 0)  # one mark in ten is a fail
    reviews = [
        ReviewSheet(
            expert,
            {
                (b.id, item.id): Mark(False, "不满足") if draw(fail) else Mark(True)
                for b in bids
                for item in GOODS.review
            },
        )
        for expert in experts
    ]
    sheets = [
        ScoreSheet(
            expert,
            {
                **{(b.id, "tech"): D(draw(st.integers(0, 80))) / 2 for b in bids},
                **{(b.id, "service"): D(draw(st.integers(5, 20))) for b in bids},
            },
        )
        for expert in experts
    ]
    return Tender(bids, reviews, sheets, draw(st.integers(0, 2**32)))


def shuffled(tender: Tender) -> Tender:
    rng = random.Random(tender.seed)
    bids, reviews, sheets = list(tender.bids), list(tender.reviews), list(tender.sheets)
    for items in (bids, reviews, sheets):
        rng.shuffle(items)
    return Tender(bids, reviews, sheets, tender.seed)


@given(goods_tenders())
def test_the_order_of_experts_and_bids_never_changes_the_result(tender: Tender) -> None:
    assert shuffled(tender).run() == tender.run()


@given(goods_tenders())
def test_no_points_exceed_their_maximum_and_the_ranking_follows_the_totals(
    tender: Tender,
) -> None:
    result = tender.run()
    maximum = {c.id: c.max_points for c in GOODS.criteria}
    for row in result.scores.values():
        assert all(D(0) <= points <= maximum[c] for c, points in row.items())
        assert sum(row.values()) <= GOODS.total_points
    assert [c.rank for c in result.ranking] == list(range(1, len(result.valid) + 1))
    assert sorted(c.bid_id for c in result.ranking) == list(result.valid)
    totals = [c.total for c in result.ranking]
    assert totals == sorted(totals, reverse=True)  # type: ignore[type-var]


@given(goods_tenders())
def test_the_lowest_valid_bid_scores_the_full_price_weight(tender: Tender) -> None:
    result = tender.run()
    if not result.valid:
        return
    valid = [b for b in tender.bids if b.id in result.valid]
    lowest = min(b.price for b in valid)
    assert result.benchmark == lowest
    for b in valid:
        points = result.scores[b.id]["price"]
        assert (points == D(30)) is (b.price == lowest)
        assert points <= D(30)


@given(goods_tenders())
def test_an_aggregate_lies_within_the_scores_it_aggregates(tender: Tender) -> None:
    result = tender.run()
    for bid_id in result.valid:
        for criterion in ("tech", "service"):
            given_ = [s.scores[(bid_id, criterion)] for s in tender.sheets]
            assert min(given_) <= result.scores[bid_id][criterion] <= max(given_)


@given(goods_tenders())
def test_identical_scores_never_deviate_and_justifications_change_no_figure(
    tender: Tender,
) -> None:
    same = [ScoreSheet(s.expert_id, tender.sheets[0].scores) for s in tender.sheets]
    assert Tender(tender.bids, tender.reviews, same, tender.seed).run().deviations == ()
    result = tender.run()
    justified = tender.run(justifications={(d.expert_id, d.bid_id, d.criterion_id): "理由"
                                           for d in result.deviations})  # fmt: skip
    assert justified.ranking == result.ranking and not justified.unjustified


prices = st.lists(st.integers(1, 10**10), min_size=1, max_size=9)


@settings(max_examples=200)
@given(prices, st.sampled_from(AVERAGE.price.coefficients if AVERAGE.price else ()))
def test_average_benchmark_scores_stay_within_the_weight_and_fall_away_from_the_benchmark(
    fen: list[int], coefficient: D
) -> None:
    bids = [Bid(f"B{i}", f"U{i}", D(p).scaleb(-2), OPENED) for i, p in enumerate(fen)]
    result = price_scores(AVERAGE, bids, coefficient)
    assert result.benchmark is not None
    scores = [(b.price, result.scores[b.id]) for b in bids]
    assert all(D(0) <= points <= D(60) for _, points in scores)
    for price, points in scores:
        if price == result.benchmark:
            assert points == D(60)
        for other, other_points in scores:
            # Further from the benchmark on the same side never scores more.
            if result.benchmark <= price <= other or other <= price <= result.benchmark:
                assert other_points <= points
