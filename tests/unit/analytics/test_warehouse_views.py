"""The warehouse's newest-row views: a process's newer version without bids shows no bids, read
with the newest-row window or held still (``still=True``: one version per key read as it is)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from prex.analytics.ocds.flatten import flatten_releases
from prex.analytics.warehouse.files import (
    WarehouseBusy,
    compact_table,
    data_files,
    warehouse_lock,
    write_table,
    writer_lock,
)
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.snapshot import warehouse_snapshot
from prex.analytics.warehouse.store import one_version_per_key, open_warehouse

STILL = pytest.mark.parametrize("still", [False, True], ids=["window", "still"])


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


@STILL
def test_a_newer_version_without_bids_hides_the_older_bids(tmp_path: Path, still: bool) -> None:
    _write(tmp_path, [_release("ocds-a", [_bid(1), _bid(2)]), _release("ocds-b", [_bid(3)])], 1)
    _write(tmp_path, [_release("ocds-a", [])], 2)  # the bids of ocds-a are gone
    con = open_warehouse(tmp_path, all_keys(), still=still)
    rows = con.execute("SELECT ocid, count(*) FROM ocds_bids GROUP BY ocid").fetchall()
    assert rows == [("ocds-b", 1)]
    assert con.execute("SELECT count(*) FROM ocds_processes").fetchone() == (2,)


@STILL
def test_a_newer_version_with_fewer_bids_shows_only_those(tmp_path: Path, still: bool) -> None:
    _write(tmp_path, [_release("ocds-a", [_bid(1), _bid(2)])], 1)
    _write(tmp_path, [_release("ocds-a", [_bid(2)])], 2)
    con = open_warehouse(tmp_path, all_keys(), still=still)
    assert con.execute("SELECT count(*) FROM ocds_bids").fetchone() == (1,)


def _rows(root: Path, still: bool) -> dict[str, list[tuple[Any, ...]]]:
    con = open_warehouse(root, all_keys(), still=still)
    return {
        "processes": con.execute(
            "SELECT ocid, refresh FROM ocds_processes ORDER BY ALL"
        ).fetchall(),
        "bids": con.execute("SELECT ocid, bid_id FROM ocds_bids ORDER BY ALL").fetchall(),
    }


def test_one_refresh_is_read_as_it_is_and_shows_what_the_window_shows(tmp_path: Path) -> None:
    _write(tmp_path, [_release("ocds-a", [_bid(1), _bid(2)]), _release("ocds-b", [_bid(3)])], 1)
    assert one_version_per_key(data_files(tmp_path, "ocds_bids")) == (1, False)
    assert _rows(tmp_path, still=True) == _rows(tmp_path, still=False)
    plan = open_warehouse(tmp_path, all_keys(), still=True).execute(
        "EXPLAIN SELECT * FROM ocds_bids"
    )
    assert "WINDOW" not in str(plan.fetchall()).upper()  # no newest-row window, no parent join


def test_after_a_compaction_a_child_still_loses_what_its_parents_newest_refresh_dropped(
    tmp_path: Path,
) -> None:
    _write(tmp_path, [_release("ocds-a", [_bid(1), _bid(2)]), _release("ocds-b", [_bid(3)])], 1)
    _write(tmp_path, [_release("ocds-a", [])], 2)  # ocds-a's bids are gone
    for table in ("ocds_processes", "ocds_bids"):
        compact_table(tmp_path, table, all_keys()[table])
    # refresh 2 wrote no bids: the child's one file is refresh 1's, its parent compacted at 2
    assert one_version_per_key(data_files(tmp_path, "ocds_bids")) == (1, False)
    assert one_version_per_key(data_files(tmp_path, "ocds_processes")) == (2, True)
    assert _rows(tmp_path, still=True) == _rows(tmp_path, still=False)
    assert _rows(tmp_path, still=True)["bids"] == [("ocds-b", "b3")]


def test_a_compaction_beside_the_files_it_replaces_is_read_through_the_window(
    tmp_path: Path,
) -> None:
    """Between placing its file and deleting the old ones a compaction leaves two copies of a
    row under one refresh number: not one version per key."""
    _write(tmp_path, [_release("ocds-a", [_bid(1)])], 1)
    [old] = data_files(tmp_path, "ocds_processes")
    shutil.copy(old, old.with_name("part-00000001-9999.parquet"))  # the compaction's copy
    assert one_version_per_key(data_files(tmp_path, "ocds_processes")) is None
    assert _rows(tmp_path, still=True)["processes"] == [("ocds-a", 1)]


def test_a_snapshot_keeps_writers_out_until_it_closes(tmp_path: Path) -> None:
    _write(tmp_path, [_release("ocds-a", [_bid(1)])], 1)
    with warehouse_snapshot(tmp_path, all_keys()) as con:
        assert con.execute("SELECT count(*) FROM ocds_bids").fetchone() == (1,)
        with pytest.raises(WarehouseBusy), writer_lock(tmp_path, wait=False):
            pass
        with warehouse_lock(tmp_path, shared=True, wait=False):  # other readers are welcome
            pass
    with writer_lock(tmp_path, wait=False):
        pass
