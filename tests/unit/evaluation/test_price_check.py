"""The price-check assistant on constructed prices: a bid at the average of the others is never
flagged as abnormally low, one far below always is; outliers by the median; the view it reads is
frozen; its findings name the rule of the tender's kind."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from prex.evaluation.assistants import (
    BidView,
    EvaluationAssistant,
    PriceCheck,
    SectionView,
)

amounts = st.integers(min_value=100_00, max_value=10_000_000_000).map(lambda c: Decimal(c) / 100)


def section(prices: list[Decimal], kind: str = "procurement") -> SectionView:
    bids = tuple(
        BidView(f"b{n:02d}", f"投标人{n}", f"91330000MA{n:08d}", p, 180, (("bond.kind", "cash"),))
        for n, p in enumerate(prices)
    )
    return SectionView("t1", "某项目", kind, "s1", "一标段", None, bids)


def low_ids(view: SectionView, check: PriceCheck | None = None) -> set[str | None]:
    found = (check or PriceCheck()).advise(view)
    return {f.bid_id for f in found if f.code == "abnormally_low"}


@given(st.lists(amounts, min_size=2, max_size=12))
def test_a_bid_at_the_average_of_the_others_is_never_flagged(others: list[Decimal]) -> None:
    average = sum(others, Decimal(0)) / len(others)
    assume(average == average.quantize(Decimal("0.01")))  # a price has two places
    view = section([*others, average])
    assert "b" + f"{len(others):02d}" not in low_ids(view)


@given(st.lists(amounts, min_size=2, max_size=12), st.integers(min_value=1, max_value=79))
def test_a_bid_far_below_the_others_is_always_flagged(others: list[Decimal], percent: int) -> None:
    average = sum(others, Decimal(0)) / len(others)
    low = (average * percent / 100).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    assume(low > 0)
    view = section([*others, low])
    flagged = low_ids(view)
    assert f"b{len(others):02d}" in flagged
    [finding] = [
        f
        for f in PriceCheck().advise(view)
        if f.bid_id == f"b{len(others):02d}" and f.code == "abnormally_low"
    ]
    figures = dict(finding.figures)
    assert Decimal(figures["percent_of_average"]) < 80
    assert "第六十条" in finding.basis


@given(st.lists(amounts, min_size=3, max_size=12))
def test_equal_prices_are_never_flagged(prices: list[Decimal]) -> None:
    same = [prices[0]] * len(prices)
    assert PriceCheck().advise(section(same)) == []


def test_too_few_bids_give_no_abnormally_low_advice() -> None:
    assert low_ids(section([Decimal("100.00"), Decimal("10000.00")])) == set()


def test_the_share_is_configurable_and_engineering_cites_its_own_rule() -> None:
    prices = [Decimal("100.00"), Decimal("100.00"), Decimal("85.00")]
    assert low_ids(section(prices)) == set()  # 85 % ≥ 80 %
    strict = PriceCheck(Decimal("0.90"))
    assert low_ids(section(prices), strict) == {"b02"}
    [finding] = strict.advise(section(prices, "engineering"))
    assert "评标委员会和评标方法暂行规定》第二十一条" in finding.basis
    with pytest.raises(ValueError):
        PriceCheck(Decimal("1.2"))


def test_outliers_by_the_median_high_and_low() -> None:
    prices = [Decimal(p) for p in ("100.00", "101.00", "99.00", "100.50", "99.50", "300.00")]
    found = [f for f in PriceCheck().advise(section(prices)) if f.code == "price_outlier"]
    assert [(f.bid_id, dict(f.figures)["side"]) for f in found] == [("b05", "above")]
    low = [*prices[:5], Decimal("1.00")]
    found = [f for f in PriceCheck().advise(section(low)) if f.code == "price_outlier"]
    assert [(f.bid_id, dict(f.figures)["side"]) for f in found] == [("b05", "below")]
    # fewer than five bids: no outlier advice
    assert [f for f in PriceCheck().advise(section(prices[:4])) if f.code == "price_outlier"] == []


def test_the_view_is_frozen_and_the_assistant_satisfies_its_protocol() -> None:
    view = section([Decimal("1.00"), Decimal("2.00")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.bids = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.bids[0].price = Decimal("0.01")  # type: ignore[misc]
    assert isinstance(view.bids, tuple) and isinstance(view.bids[0].fields, tuple)
    assert isinstance(PriceCheck(), EvaluationAssistant)
