"""Derived tables rules share (``rules/shared/*.sql``): made once a run for the rules that bind
them the same parameters, made again for a rule whose settings differ, dropped after the run."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from prex.analytics.flags.engine import run_rules
from prex.analytics.flags.rule import Rule, RuleError
from tests.unit.analytics.tables import RULES, bid, connect, sha

L1, L2 = "L1", "L2"


def market() -> list[dict[str, Any]]:
    """In L1 bidders A and B share a MAC and a disk (C001); in L2 C and D share a MAC (C002);
    the MAC of L1 is also D's, so a market cap of one bidder per value leaves only L2's."""
    one, two, disk = sha("0a1b2c3d4e5f"), sha("0a1b2c3d4e60"), sha("ata-ST1000_Z9A1")
    return [
        bid(L1, "A", mac_hashes=[one], disk_hashes=[disk]),
        bid(L1, "B", mac_hashes=[one], disk_hashes=[disk]),
        bid(L2, "C", mac_hashes=[two]),
        bid(L2, "D", mac_hashes=[two, one]),
    ]


def test_rules_sharing_a_table_read_it_made_with_their_own_parameters() -> None:
    assert RULES["C001"].shared == RULES["C002"].shared == ("fingerprint_pairs",)
    con = connect(market())
    hits = run_rules(con, [RULES["C001"], RULES["C002"]])
    assert {(h.code, h.subject_id) for h in hits} == {("C001", L1), ("C002", L2)}
    # C002 with another market cap: the shared table is made again for it, C001's stands. A's
    # and B's MAC is D's too, three bidders over a cap of two: for C002 L1 keeps one field.
    capped = run_rules(con, [RULES["C001"], RULES["C002"]], {"C002": {"max_market_bidders": 2}})
    assert {(h.code, h.subject_id) for h in capped} == {("C001", L1), ("C002", L1), ("C002", L2)}
    strict = run_rules(con, [RULES["C002"], RULES["C001"]], {"C001": {"max_market_bidders": 2}})
    # For C001 the MAC shared in L1 is now too common: only the disk is left, one field.
    assert {(h.code, h.subject_id) for h in strict} == {("C002", L2)}
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "fingerprint_pairs" not in tables


def test_a_shared_table_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "X001.toml"
    source.write_text(
        'code = "X001"\ntitle = "x"\ntitle_zh = "x"\nfamily = "collusion"\nseverity = "low"\n'
        'groups = ["Lot"]\ntables = ["bids"]\nshared = ["no_such_table"]\n'
        "sql = \"SELECT 'Lot' AS grp, 'x' AS id, 1 AS value\"\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError, match="no shared table 'no_such_table' in shared/"):
        Rule.from_toml(source)
    assert "FROM fingerprint_pairs" in RULES["C002"].sql
    assert dataclasses.replace(RULES["C001"], shared=()).shared_sql() == {}


def test_a_rules_folder_brings_its_own_shared_tables(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "big_lots.sql").write_text(
        "SELECT lot_id, count(*) AS n FROM bids GROUP BY lot_id HAVING count(*) >= $least",
        encoding="utf-8",
    )
    source = tmp_path / "X001.toml"
    source.write_text(
        'code = "X001"\ntitle = "x"\ntitle_zh = "x"\nfamily = "collusion"\nseverity = "low"\n'
        'groups = ["Lot"]\ntables = ["bids"]\nshared = ["big_lots"]\n'
        "sql = \"SELECT 'Lot' AS grp, lot_id AS id, n AS value FROM big_lots\"\n"
        "[parameters]\nleast = 2\n",
        encoding="utf-8",
    )
    rule = Rule.from_toml(source)
    hits = run_rules(connect(market()), [rule])
    assert {(h.subject_id, h.value) for h in hits} == {(L1, 2), (L2, 2)}
    assert not run_rules(connect(market()), [rule], {"X001": {"least": 3}})


def _included_rule(folder: Path, sql: str) -> Path:
    source = folder / "X002.toml"
    source.write_text(
        'code = "X002"\ntitle = "x"\ntitle_zh = "x"\nfamily = "collusion"\nseverity = "low"\n'
        f'groups = ["Lot"]\ntables = ["bids"]\nsql = """\n{sql}\n"""\n'
        "[parameters]\nmax_market_bidders = 0\n",
        encoding="utf-8",
    )
    return source


def test_a_rule_is_made_of_the_fragments_it_includes(tmp_path: Path) -> None:
    """``--@include`` pastes a fragment (beside the rule, else bundled); C003–C008 share one
    pipeline so; a fragment that does not exist is refused with its name."""
    keyed = (
        "WITH keyed AS (SELECT lot_id, tender_id, bidder_id, 'mac' AS field, hash(m) AS key,\n"
        "    m AS shown FROM (SELECT *, unnest(mac_hashes) AS m FROM bids))"
    )
    source = _included_rule(
        tmp_path, f"{keyed}\n--@include lot_value_pairs\n--@include lot_pair_hits"
    )
    rule = Rule.from_toml(source)
    assert "--@include" not in rule.sql and "candidates AS" in rule.sql
    hits = run_rules(connect(market()), [rule])
    assert {(h.subject_id, h.value) for h in hits} == {(L1, 2), (L2, 2)}  # uncapped: D's MAC too
    assert all("--@include" not in r.sql for r in RULES.values())
    assert all("--@include" not in q for r in RULES.values() for q in r.shared_sql().values())
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "lot_pair_hits.sql").write_text(
        "SELECT 'Lot' AS grp, lot_id AS id, 7 AS value FROM pairs GROUP BY lot_id",
        encoding="utf-8",
    )
    local = run_rules(connect(market()), [Rule.from_toml(source)])
    assert {(h.subject_id, h.value) for h in local} == {(L1, 7), (L2, 7)}
    with pytest.raises(RuleError, match="no SQL fragment 'no_such_part' in include/"):
        Rule.from_toml(_included_rule(tmp_path, f"{keyed}\n--@include no_such_part"))
