"""The price screens (S001–S006) against a Python reference built on ``statistics``, their
market-relative thresholds, and the arithmetic-progression rule (S007)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.analytics.tables import bid, connect, flagged_lots, lot, run


def skew(xs: Sequence[float]) -> float:
    """Sample skewness, adjusted (Fisher–Pearson G1)."""
    n, m = len(xs), statistics.fmean(xs)
    m2 = sum((x - m) ** 2 for x in xs) / n
    m3 = sum((x - m) ** 3 for x in xs) / n
    return math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5


def kurt(xs: Sequence[float]) -> float:
    """Sample excess kurtosis, bias-corrected (Excel's KURT)."""
    n, m, s = len(xs), statistics.fmean(xs), statistics.stdev(xs)
    total = sum(((x - m) / s) ** 4 for x in xs)
    return n * (n + 1) / ((n - 1) * (n - 2) * (n - 3)) * total - 3 * (n - 1) ** 2 / (
        (n - 2) * (n - 3)
    )


def rd(xs: Sequence[float]) -> float:
    b = sorted(xs)
    return (b[1] - b[0]) / statistics.stdev(b[1:])


REFERENCE: dict[str, tuple[Callable[[Sequence[float]], float], str]] = {
    "S001": (lambda xs: statistics.stdev(xs) / statistics.fmean(xs), "<"),
    "S002": (rd, ">"),
    "S003": (lambda xs: (sorted(xs)[1] - min(xs)) / min(xs), ">"),
    "S004": (lambda xs: (max(xs) - min(xs)) / min(xs), "<"),
    "S005": (kurt, ">"),
    "S006": (skew, "<"),
}

prices = st.lists(st.integers(10_000, 9_999_999), min_size=4, max_size=8).filter(
    lambda xs: len(set(xs)) >= 3
)


def market(*lots: Sequence[float]) -> list[dict[str, object]]:
    return [
        bid(f"T{i}/L1", f"B{j}", price=p) for i, xs in enumerate(lots) for j, p in enumerate(xs)
    ]


def lots_of(n: int, kind: str = "engineering") -> list[dict[str, object]]:
    return [lot(f"T{i}/L1", kind=kind) for i in range(n)]


@settings(max_examples=25, deadline=None)
@given(x=prices, y=prices, code=st.sampled_from(sorted(REFERENCE)))
def test_a_screen_equals_the_reference_and_flags_the_more_extreme_lot(
    x: list[int], y: list[int], code: str
) -> None:
    reference, direction = REFERENCE[code]
    rx, ry = reference(x), reference(y)
    if math.isclose(rx, ry, rel_tol=1e-6, abs_tol=1e-9):
        return  # a tie: neither is beyond the median of two
    con = connect(market(x, y), lots_of(2))
    # the median of a two-lot market lies between them: the more extreme lot is flagged
    hits = run(code, con, percentile=0.5, min_market_lots=2)
    expected_lot, expected = ("T0/L1", rx) if (rx < ry) == (direction == "<") else ("T1/L1", ry)
    assert [h.lot_id for h in hits] == [expected_lot]
    assert math.isclose(hits[0].value, expected, rel_tol=1e-9, abs_tol=1e-12)


def test_a_tight_lot_among_spread_ones_is_flagged_by_cv_and_spd() -> None:
    spread = [[1_000_000, 1_080_000, 1_150_000, 930_000]] * 9
    tight = [1_000_000, 1_004_000, 1_009_000, 1_012_000]
    con = connect(market(*spread, tight), lots_of(10))
    for code in ("S001", "S004"):
        assert flagged_lots(run(code, con, min_market_lots=10)) == {"T9/L1"}


def test_nothing_is_flagged_in_a_market_with_too_few_lots() -> None:
    spread = [[1_000_000, 1_080_000, 1_150_000, 930_000]] * 9
    tight = [1_000_000, 1_004_000, 1_009_000, 1_012_000]
    con = connect(market(*spread, tight), lots_of(10))
    assert run("S001", con) == []  # 10 < the default 30
    assert run("S001", con, min_market_lots=11) == []


def test_markets_are_per_transaction_type() -> None:
    wide = [1_000_000, 1_300_000, 1_600_000]
    narrow = [1_000_000, 1_010_000, 1_020_000]
    con = connect(
        market(wide, wide, narrow, narrow, narrow, narrow),
        [lot(f"T{i}/L1", kind="engineering" if i < 2 else "procurement") for i in range(6)],
    )
    # engineering: two wide lots (equal, so neither below its own median); procurement: equal
    assert run("S001", con, percentile=0.5, min_market_lots=2) == []


def test_lots_with_too_few_priced_live_bids_are_not_screened() -> None:
    rows = market([1_000_000, 1_001_000], [1_000_000, 1_100_000, 1_300_000])
    rows.append(bid("T0/L1", "late", price=None, opened=False, status="withdrawn"))
    con = connect(rows, lots_of(2))
    hits = run("S001", con, percentile=1.0, min_market_lots=1)
    assert flagged_lots(hits) == set()  # one screened lot is never below its own cut
    kurt_hits = run(
        "S005", connect(market([1, 2, 3], [1, 2, 9]), lots_of(2)), percentile=0.0, min_market_lots=1
    )
    assert kurt_hits == []  # kurtosis needs four bids


@pytest.mark.parametrize(
    ("prices", "flagged"),
    [
        ([1_000_000, 1_012_000, 1_024_000, 1_036_000], True),
        ([1_036_000, 1_000_000, 1_024_000, 1_012_000, 1_048_000], True),  # order of arrival
        ([1_000_000, 1_012_000, 1_024_080, 1_036_000], True),  # steps within 0.02 % of b1
        ([1_000_000, 1_012_000, 1_024_500, 1_036_000], False),  # steps 0.1 % apart
        ([1_000_000, 1_012_000, 1_026_000, 1_036_000], False),  # 2,000 off
        ([1_000_000, 1_012_000, 1_024_000], False),  # three bids: too few by default
        ([1_000_000, 1_000_000, 1_000_000, 1_000_000], False),  # equal prices are R028's
    ],
)
def test_arithmetic_progression(prices: list[int], flagged: bool) -> None:
    con = connect(market(prices), lots_of(1))
    hits = run("S007", con)
    assert bool(hits) is flagged
    if flagged:
        assert hits[0].severity == "medium"
        assert math.isclose(hits[0].value, 0.012, rel_tol=0.05)
