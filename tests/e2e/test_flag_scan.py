"""``scan`` over a warehouse on disk: every rule runs, the hits land in their tender's centre,
the run is recorded, a second scan finds the same hits again; and the CLI command around it
(a one-line summary, ``--json``, a one-line error when there is no warehouse)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from prex.analytics.flags.rule import Rule
from prex.analytics.risk.orm import flag_hits
from prex.analytics.risk.scan import scan
from prex.analytics.warehouse.schema import TENDERS
from prex.analytics.warehouse.store import partition_path
from prex.bootstrap import Services
from prex.cli.flag_scan import scan_command
from prex.config import Settings
from prex.identity.policy import SYSTEM
from tests.factories import World

RULE_TOML = """
code = "M901"
title = "Budget above the test threshold"
title_zh = "预算超过测试阈值"
family = "market"
severity = "high"
groups = ["Tender"]
tables = ["tenders"]
description = "A test rule: flags tenders whose budget exceeds the threshold."
sql = '''
SELECT 'Tender' AS grp, tender_id AS id, CAST(budget AS DOUBLE) AS value, tender_id,
       json_object('budget', CAST(budget AS VARCHAR)) AS detail
FROM tenders WHERE budget > $threshold
'''
[parameters]
threshold = 1000000
"""


def write_warehouse(root: Path, centre_id: str, refresh: int, budgets: dict[str, str]) -> None:
    rows = [
        {name: None for name in TENDERS.names}
        | {
            "tender_id": tender_id,
            "centre_id": centre_id,
            "budget": Decimal(budget),
            "status": "published",
            "refresh": refresh,
        }
        for tender_id, budget in budgets.items()
    ]
    table = pa.Table.from_pylist(rows, schema=TENDERS).drop_columns(["month"])
    path = partition_path(root, "tenders", "2026-03", refresh, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "M901.toml").write_text(RULE_TOML, encoding="utf-8")
    return folder


def test_a_scan_records_the_hits_in_their_centre_and_a_rescan_finds_them_again(
    services: Services, world: World, settings: Settings, rules_dir: Path
) -> None:
    root = settings.data_dir / "warehouse"
    write_warehouse(root, world.centre_id, 1, {"T1": "2000000.00", "T2": "500.00"})
    rules = [Rule.from_toml(rules_dir / "M901.toml")]
    first = scan(services, SYSTEM, rules=rules)
    assert (first.rules, first.hits, first.new_hits) == (["M901"], 1, 1)
    # A newer refresh lowers T1's budget and raises T2's: T1 is resolved, T2 found.
    write_warehouse(root, world.centre_id, 2, {"T1": "10.00", "T2": "3000000.00"})
    second = scan(services, SYSTEM, rules=rules)
    assert (second.hits, second.new_hits, second.resolved_hits) == (1, 1, 1)
    with services.read_session() as session:
        rows = {r.subject_id: r for r in session.execute(select(flag_hits))}
    assert rows["T1"].resolved_at is not None and rows["T2"].resolved_at is None
    assert rows["T2"].centre_id == world.centre_id
    assert rows["T2"].detail == {"budget": "3000000.00"}
    assert rows["T2"].title_zh == "预算超过测试阈值"


def test_rules_whose_tables_the_warehouse_lacks_do_not_run(
    services: Services, settings: Settings, world: World
) -> None:
    root = settings.data_dir / "warehouse"
    write_warehouse(root, world.centre_id, 1, {"T1": "1.00"})
    needs_bids = Rule("C999", "t", "t", "collusion", "high", ("Bidder",), ("bids",), "SELECT 1")
    assert scan(services, SYSTEM, rules=[needs_bids]).rules == []


def test_the_scan_command_prints_a_summary_or_json_and_refuses_a_missing_warehouse(
    services: Services,
    settings: Settings,
    world: World,
    rules_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = typer.Typer()
    app.command()(scan_command)
    runner = CliRunner()
    monkeypatch.setenv("PREX_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(settings.data_dir))
    missing = runner.invoke(app, ["--rules", str(rules_dir)])
    assert missing.exit_code == 1
    assert "no warehouse at" in missing.output and "prex analytics refresh" in missing.output
    write_warehouse(settings.data_dir / "warehouse", world.centre_id, 1, {"T1": "2000000.00"})
    plain = runner.invoke(app, ["--rules", str(rules_dir)])
    assert plain.exit_code == 0, plain.output
    assert plain.output.count("\n") == 1 and "1 rules, 1 hits (1 new, 0 resolved)" in plain.output
    as_json = runner.invoke(app, ["--rules", str(rules_dir), "--json"])
    assert as_json.exit_code == 0, as_json.output
    summary = json.loads(as_json.output)
    assert (summary["rules"], summary["hits"], summary["new_hits"]) == (["M901"], 1, 0)
    assert summary["alerts"] == []  # T1 (24 points: level 4) was raised by the first scan
    bad = runner.invoke(app, ["--rules", str(rules_dir / "nowhere")])
    assert bad.exit_code == 1 and "no folder" in bad.output
