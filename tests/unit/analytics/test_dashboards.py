"""Each dashboard's SQL against the same figures computed in plain Python
(``tests/analytics_expected.py``) over a small hand-made warehouse written as Parquet in the
documented layout, under several filters; the filter's parsing; an empty warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from prex.analytics.dashboards.competition import competition
from prex.analytics.dashboards.concentration import concentration
from prex.analytics.dashboards.filters import Filter, parse_filter
from prex.analytics.dashboards.leaders import top_buyers, top_suppliers
from prex.analytics.dashboards.savings import savings
from prex.analytics.dashboards.service import WAREHOUSE
from prex.analytics.dashboards.source import open_dashboards
from prex.analytics.dashboards.timing import timing
from prex.analytics.dashboards.volume import volume
from prex.shared.errors import InvalidInput
from tests import analytics_expected as expected
from tests.analytics_world import Market, build_market

FILTERS: list[dict[str, Any]] = [
    {},
    {"sandbox": True},
    {"centre": "P"},
    {"region": "3301"},
    {"txn_type": "engineering"},
    {"month_from": "2026-02", "month_to": "2026-02"},
    {"centres": ("P", "C")},
    {"centres": ()},
]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("warehouse"), "P", "C")


@pytest.fixture
def con(market: Market) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_dashboards(market.root)
    yield connection
    connection.close()


def _data(market: Market, args: dict[str, Any]) -> tuple[Filter, Any, Any, Any]:
    return Filter(**args), *expected.selected(market, **args)


def _approx(row: dict[str, Any], want: dict[str, Any]) -> None:
    for key, value in want.items():
        if isinstance(value, float):
            assert row[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert row[key] == value, key


@pytest.mark.parametrize("args", FILTERS)
def test_volume_counts_tenders_lots_and_value_by_month_type_and_region(
    con: duckdb.DuckDBPyConnection, market: Market, args: dict[str, Any]
) -> None:
    flt, tenders, lots, _bids = _data(market, args)
    want = expected.volume(tenders, lots)
    rows = volume(con, flt).rows
    assert [(r["month"], r["transaction_type"], r["region_code"]) for r in rows] == sorted(want)
    for row in rows:
        _approx(row, want[(row["month"], row["transaction_type"], row["region_code"])])


@pytest.mark.parametrize("args", FILTERS)
def test_competition_counts_live_bids_per_lot_and_single_bid_lots(
    con: duckdb.DuckDBPyConnection, market: Market, args: dict[str, Any]
) -> None:
    flt, tenders, lots, bids = _data(market, args)
    want = expected.competition(tenders, lots, bids)
    rows = competition(con, flt).rows
    assert [(r["month"], r["transaction_type"]) for r in rows] == sorted(want)
    for row in rows:
        _approx(row, want[(row["month"], row["transaction_type"])])


@pytest.mark.parametrize("args", FILTERS)
def test_savings_are_the_ceiling_or_budget_less_the_award(
    con: duckdb.DuckDBPyConnection, market: Market, args: dict[str, Any]
) -> None:
    flt, tenders, lots, _bids = _data(market, args)
    want = expected.savings(tenders, lots)
    rows = savings(con, flt).rows
    assert [(r["month"], r["transaction_type"]) for r in rows] == sorted(want)
    for row in rows:
        _approx(row, want[(row["month"], row["transaction_type"])])


@pytest.mark.parametrize("args", FILTERS)
def test_time_to_award_median_and_p90(
    con: duckdb.DuckDBPyConnection, market: Market, args: dict[str, Any]
) -> None:
    flt, tenders, lots, _bids = _data(market, args)
    want = expected.timing(tenders, lots)
    rows = timing(con, flt).rows
    assert [(r["month"], r["transaction_type"]) for r in rows] == sorted(want)
    for row in rows:
        _approx(row, want[(row["month"], row["transaction_type"])])


@pytest.mark.parametrize("args", FILTERS)
def test_hhi_per_buyer_type_method_and_year_with_its_band(
    con: duckdb.DuckDBPyConnection, market: Market, args: dict[str, Any]
) -> None:
    flt, tenders, lots, _bids = _data(market, args)
    want = expected.concentration(tenders, lots)
    rows = concentration(con, flt).rows
    keys = [(r["buyer_id"], r["transaction_type"], r["method"], r["year"]) for r in rows]
    assert sorted(keys) == sorted(want)
    assert [r["hhi"] for r in rows] == sorted((r["hhi"] for r in rows), reverse=True)
    for row, key in zip(rows, keys, strict=True):
        _approx(row, want[key])


def test_hhi_by_hand_for_two_markets(con: duckdb.DuckDBPyConnection) -> None:
    rows = {(r["buyer_id"], r["method"]): r for r in concentration(con, Filter()).rows}
    b2 = rows[("B2", "open")]  # T2 and T7: S1 455,000 + 120,000, S3 400,000
    assert b2["hhi"] == pytest.approx((57500 / 975) ** 2 + (40000 / 975) ** 2)
    assert (b2["band"], b2["awards"], b2["suppliers"]) == ("high", 3, 2)
    assert rows[("B9", "open")]["hhi"] == pytest.approx(10000)  # one supplier: a monopoly


@pytest.mark.parametrize("args", FILTERS)
def test_top_buyers_and_suppliers_by_value_then_count(
    con: duckdb.DuckDBPyConnection, market: Market, args: dict[str, Any]
) -> None:
    flt, tenders, lots, bids = _data(market, args)
    buyers = top_buyers(con, flt).rows
    want_buyers = expected.top_buyers(tenders, lots)
    assert [r["buyer_id"] for r in buyers] == [r["buyer_id"] for r in want_buyers]
    for row, want in zip(buyers, want_buyers, strict=True):
        _approx(row, want)
    suppliers = top_suppliers(con, flt).rows
    want_suppliers = expected.top_suppliers(lots, bids)
    assert [r["supplier_id"] for r in suppliers] == [r["supplier_id"] for r in want_suppliers]
    for row, want in zip(suppliers, want_suppliers, strict=True):
        _approx(row, want)
    assert all(r["supplier_name"] == f"供应商{r['supplier_id']}" for r in suppliers)


def test_the_newest_refresh_wins_and_sandbox_and_other_centres_stay_out(
    con: duckdb.DuckDBPyConnection,
) -> None:
    feb = [r for r in savings(con, Filter(month_from="2026-02", month_to="2026-02")).rows]
    assert sum(r["awarded_lots"] for r in feb) == 2  # L5 (awarded by refresh 2) and T6's L7
    visible = volume(con, Filter(centres=("P", "C"))).rows
    assert sum(r["tenders"] for r in visible) == 5  # not the sandbox T5, not T6's centre
    assert sum(r["tenders"] for r in volume(con, Filter(sandbox=True)).rows) == 7


def test_an_empty_warehouse_gives_empty_figures(tmp_path: Path) -> None:
    con = open_dashboards(tmp_path / "warehouse")
    for name, query in WAREHOUSE.items():
        figures = query(con, Filter(region="33", month_from="2026-01"))
        assert figures.rows == [], name
        assert figures.name == name and figures.columns


def test_the_filter_is_parsed_once_with_defaults() -> None:
    flt = parse_filter(
        {
            "centre": " P ",
            "region": "330000",
            "type": "procurement",
            "from": "2026-01",
            "to": "2026-03",
            "sandbox": "true",
        }
    )
    assert flt == Filter("P", "33", "procurement", "2026-01", "2026-03", True)
    assert parse_filter({"region": "330100"}).region == "3301"
    assert parse_filter({"region": "330102", "sandbox": ""}) == Filter(region="330102")
    assert parse_filter({}).as_params() == {}
    assert flt.as_params()["sandbox"] == "true"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"region": "3301x"}, "region"),
        ({"region": "331"}, "region"),
        ({"type": "auction"}, "type"),
        ({"from": "2026-13"}, "from"),
        ({"to": "2026/03"}, "to"),
        ({"from": "2026-04", "to": "2026-03"}, "to"),
        ({"sandbox": "maybe"}, "sandbox"),
        ({"centre": "x'; DROP"}, "centre"),
    ],
)
def test_a_bad_filter_names_its_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_filter(params)
    assert caught.value.field == field
