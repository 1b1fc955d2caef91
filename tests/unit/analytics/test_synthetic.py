"""The generated market: deterministic by seed, in the warehouse's schema with every column an
extract fills, the planted truth consistent with the bids, and the Parquet layout readable by
``open_warehouse`` with the same rows whatever the chunking."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from prex.analytics.flags.engine import run_rules
from prex.analytics.flags.rule import Hit, load_rules
from prex.analytics.synthetic import Market, Truth, generate_market, write_market
from prex.analytics.warehouse.schema import KEYS, PLATFORM_TABLES
from prex.analytics.warehouse.store import connect_tables, open_warehouse, partition_path
from prex.identity.uscc import validate_uscc
from prex.tenders.deal_code import is_valid_deal_code

Generated = tuple[dict[str, pa.Table], Truth]

# Columns that are empty by design on some rows: unopened envelopes have no price or ranking,
# non-cash bonds no account.
MAY_BE_NULL = {
    "bids": {"price", "duration_days", "qualified", "rank", "bond_account", "bond_account_name"},
}


@pytest.fixture(scope="module")
def market() -> Generated:
    return generate_market(11, 120)


def test_same_seed_same_market_other_seed_other_market() -> None:
    a, truth_a = generate_market(5, 40)
    b, truth_b = generate_market(5, 40)
    c, _ = generate_market(6, 40)
    for name in a:
        assert a[name].equals(b[name]), name
    assert truth_a == truth_b
    assert not a["bids"].equals(c["bids"])


def test_tables_have_the_warehouse_schema_and_every_column_filled(market: Generated) -> None:
    tables, _ = market
    for name, schema in PLATFORM_TABLES.items():
        table = tables[name]
        assert table.schema == schema, name
        for column in schema.names:
            if column in MAY_BE_NULL.get(name, set()):
                continue
            assert table[column].null_count == 0, f"{name}.{column}"
    bids = tables["bids"]
    opened = bids.filter(pc.field("opened"))
    assert opened["price"].null_count == 0
    assert set(bids["status"].to_pylist()) == {"live", "replaced"}
    for code in tables["organisations"]["uscc"].to_pylist():
        validate_uscc(code)
    assert all(is_valid_deal_code(c) for c in tables["tenders"]["deal_code"].to_pylist())


def test_the_truth_matches_the_bids(market: Generated) -> None:
    tables, truth = market
    con = connect_tables(tables)
    members = {m for ms in truth.members.values() for m in ms}
    per_lot = dict(
        con.execute(
            "SELECT lot_id, list(DISTINCT bidder_id) FROM bids WHERE status = 'live'"
            " GROUP BY lot_id"
        ).fetchall()
    )
    assert truth.cartel_lots and truth.honest_lots
    assert truth.cartel_lots.isdisjoint(truth.honest_lots)
    for lot_id in truth.cartel_lots:
        cartels = [c for c, ms in truth.members.items() if len(set(ms) & set(per_lot[lot_id])) >= 2]
        assert len(cartels) == 1, lot_id
    for lot_id in truth.honest_lots:
        assert not set(per_lot[lot_id]) & members, lot_id
    # every lot is awarded to its lowest qualified bid, and cartel lots to a member
    winners = dict(con.execute("SELECT lot_id, winner_id FROM lots").fetchall())
    assert all(winners[lot_id] in members for lot_id in truth.cartel_lots)
    lowest = con.execute(
        """SELECT count(*) FROM lots l JOIN bids b ON b.bid_id = l.winning_bid_id
           WHERE b.price > (SELECT min(price) FROM bids x WHERE x.lot_id = l.lot_id
                            AND x.qualified AND x.status = 'live')"""
    ).fetchone()
    assert lowest == (0,)


def test_write_market_is_the_same_market_in_chunks(tmp_path: Path) -> None:
    tables, truth = generate_market(3, 50)
    written = write_market(tmp_path, 3, 50, chunk_lots=16, refresh=3)
    assert written == truth
    first = partition_path(tmp_path, "bids", tables["bids"]["month"][0].as_py(), 3, 0)
    assert first.exists()
    assert "month" not in pq.read_schema(first).names  # the Hive partition is the folder
    con = open_warehouse(tmp_path, KEYS)
    for name in PLATFORM_TABLES:
        key = KEYS[name]
        on_disk = sorted(r[0] for r in con.execute(f"SELECT {key} FROM {name}").fetchall())
        assert on_disk == sorted(tables[name][key].to_pylist()), name
        assert con.execute(f"SELECT DISTINCT refresh FROM {name}").fetchall() == [(3,)]
    month = con.execute(
        "SELECT month FROM bids WHERE bid_id = ?", [tables["bids"]["bid_id"][0].as_py()]
    ).fetchone()
    assert month == (tables["bids"]["month"][0].as_py(),)
    # the rules find the same on the files as in memory
    rules = [r for r in load_rules() if r.family != "cardinal"]

    def found(hits: list[Hit]) -> list[tuple[str, str, float]]:
        # values to 9 digits: sums in another order differ in the last bits
        return [(h.code, h.subject_id, round(h.value, 9)) for h in hits]

    in_memory = found(run_rules(connect_tables(tables), rules))
    assert in_memory
    assert found(run_rules(con, rules)) == in_memory


@pytest.mark.parametrize(
    "options",
    [
        {"lots": 0},
        {"lots": 10, "cartel_size": 1},
        {"lots": 10, "regions": 9},
        {"lots": 10, "cartel_share": 2.0},
    ],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Market(seed=1, **options)  # type: ignore[arg-type]


def test_dates_follow_the_tender_process(market: Generated) -> None:
    con = connect_tables(market[0])
    wrong = con.execute(
        """SELECT count(*) FROM bids b JOIN tenders t USING (tender_id) JOIN lots l USING (lot_id)
           WHERE NOT (t.published_at < b.received_at AND b.received_at < t.bid_deadline
                      AND t.bid_deadline < l.awarded_at AND t.bid_deadline >= t.published_at
                      + INTERVAL 20 DAY AND l.published_at = t.published_at)"""
    ).fetchone()
    assert wrong == (0,)
