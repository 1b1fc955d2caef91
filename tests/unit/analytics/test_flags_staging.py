"""A run stages the warehouse views its rules read once, with only the columns they name, and
leaves the connection as it found it."""

from __future__ import annotations

from pathlib import Path

from prex.analytics.flags.engine import (
    install_macros,
    parameters_for,
    run_rule,
    run_rules,
    stage_tables,
    unstage_tables,
)
from prex.analytics.flags.rule import load_rules
from prex.analytics.synthetic import write_market
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.store import connect_tables, open_warehouse


def temp_tables(con: object) -> set[str]:
    rows = con.execute(  # type: ignore[attr-defined]
        "SELECT table_name FROM duckdb_tables() WHERE temporary"
    ).fetchall()
    return {r[0] for r in rows}


def test_a_run_stages_what_its_rules_read_and_drops_it_after(tmp_path: Path) -> None:
    write_market(tmp_path, seed=3, lots=120, chunk_lots=60)
    con = open_warehouse(tmp_path, all_keys())
    rules = [r for r in load_rules() if r.code in ("S001", "M003")]
    timings: dict[str, float] = {}
    hits = run_rules(con, rules, timings=timings)
    assert {"S001", "M003", "stage:bids", "stage:lots"} <= set(timings)
    assert "stage:organisations" not in timings  # no chosen rule reads it
    assert temp_tables(con) == set()  # the views show through again
    assert hits
    # the same hits as each rule straight on the views, and again: staging twice is fine
    install_macros(con)
    assert hits == [h for r in rules for h in run_rule(con, r, parameters_for(r, {}))]
    assert hits == run_rules(con, rules)


def test_only_the_named_columns_are_copied_and_arrow_tables_are_left_alone(
    tmp_path: Path,
) -> None:
    write_market(tmp_path, seed=3, lots=40, chunk_lots=40)
    con = open_warehouse(tmp_path, all_keys())
    staged = stage_tables(con, ["lots", "missing"], ["SELECT lot_id, winner_id FROM lots"])
    assert set(staged) == {"lots"}
    columns = [r[0] for r in con.execute("DESCRIBE temp.lots").fetchall()]
    # the rule's columns, and those the view itself names (its key and refresh)
    assert set(columns) == {"lot_id", "winner_id", "refresh"}
    assert (
        con.execute("SELECT count(*) FROM lots").fetchone()
        == con.execute("SELECT count(*) FROM main.lots").fetchone()
    )
    unstage_tables(con, staged)
    assert temp_tables(con) == set()
    assert len(con.execute("DESCRIBE lots").fetchall()) > 3
    arrow = connect_tables({"lots": con.sql("SELECT * FROM lots").to_arrow_table()})
    assert stage_tables(arrow, ["lots"], ["SELECT lot_id FROM lots"]) == {}
