"""The warehouse's newest-row views: a process's newer version without bids shows no bids."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prex.analytics.ocds.flatten import flatten_releases
from prex.analytics.warehouse.files import write_table
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.store import open_warehouse


def _release(ocid: str, bids: list[dict[str, Any]]) -> dict[str, Any]:
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": f"{ocid}-1",
        "date": "2026-03-01T00:00:00Z",
        "tag": ["compiled"],
        "tender": {"id": "t", "status": "active"},
    }
    if bids:
        release["bids"] = {"details": bids}
    return release


def _write(root: Path, releases: list[dict[str, Any]], refresh: int) -> None:
    for name, table in flatten_releases(releases, "own", refresh).items():
        write_table(root, name, table, refresh)


def _bid(n: int) -> dict[str, Any]:
    return {"id": f"b{n}", "status": "valid", "value": {"amount": 100 + n, "currency": "CNY"}}


def test_a_newer_version_without_bids_hides_the_older_bids(tmp_path: Path) -> None:
    _write(tmp_path, [_release("ocds-a", [_bid(1), _bid(2)]), _release("ocds-b", [_bid(3)])], 1)
    _write(tmp_path, [_release("ocds-a", [])], 2)  # the bids of ocds-a are gone
    con = open_warehouse(tmp_path, all_keys())
    rows = con.execute("SELECT ocid, count(*) FROM ocds_bids GROUP BY ocid").fetchall()
    assert rows == [("ocds-b", 1)]
    assert con.execute("SELECT count(*) FROM ocds_processes").fetchone() == (2,)


def test_a_newer_version_with_fewer_bids_shows_only_those(tmp_path: Path) -> None:
    _write(tmp_path, [_release("ocds-a", [_bid(1), _bid(2)])], 1)
    _write(tmp_path, [_release("ocds-a", [_bid(2)])], 2)
    con = open_warehouse(tmp_path, all_keys())
    assert con.execute("SELECT count(*) FROM ocds_bids").fetchone() == (1,)
