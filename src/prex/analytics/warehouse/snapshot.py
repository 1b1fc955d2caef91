"""Reading the warehouse held still: what a red-flag scan reads.

A scan reads every table several times over a minute at national scale. Under the warehouse's
shared lock no refresh or compaction changes a file meanwhile (they wait, or — the worker —
skip a pass), so every rule sees the same data, and a table whose files hold one version per
key is read without the newest-row window (``store.open_warehouse(still=True)``). Dashboards,
whose queries are short and must never wait on a refresh, read without the lock.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import duckdb

from prex.analytics.warehouse.files import warehouse_lock
from prex.analytics.warehouse.store import open_warehouse


@contextlib.contextmanager
def warehouse_snapshot(
    root: Path, keys: Mapping[str, str], parents: Mapping[str, str] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection over the warehouse's files as they are when it opens, kept so until it
    closes (the shared lock is held that long)."""
    with warehouse_lock(root, shared=True):
        con = open_warehouse(root, keys, parents, still=True)
        try:
            yield con
        finally:
            con.close()
