"""The warehouse's files: one writer at a time, refresh numbers, atomic writes, compaction.

Files are immutable once renamed into place (``store.partition_path`` names them); a refresh
only adds files and a compaction replaces a table's files by one file per partition holding the
newest rows. Every file is written under a temporary name (which no reader's ``*.parquet`` glob
matches) and renamed into place, so a reader never sees half a file.

Refresh numbers come from the files themselves (the highest ``part-<refresh>-…`` plus one): a
number is taken once files carry it, so a crash can never make two refreshes share one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from prex.analytics.warehouse.store import (
    COMPACTED_PART,
    data_files,
    newest_rows_sql,
    parquet_source,
    partition_path,
    refresh_of,
    table_directory,
)

__all__ = ["COMPACTED_PART", "data_files", "refresh_of"]  # where the writer's callers look
STATE_FILE = "_state.json"
WRITERS = 4  # files written and synced at once


class WarehouseBusy(RuntimeError):
    """The warehouse's lock is held (by a writer, or by a scan reading it still)."""


@contextlib.contextmanager
def warehouse_lock(root: Path, *, shared: bool = False, wait: bool = True) -> Iterator[None]:
    """Hold the warehouse's lock (``<root>/.lock``, ``flock``): exclusively for a writer (a
    refresh or a compaction: the worker and the CLI wait for each other), shared for a reader
    that needs the files to stay as they are while it reads (a red-flag scan: ``snapshot``).
    Dashboards take no lock. ``wait=False`` raises :class:`WarehouseBusy` instead of waiting."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("a") as handle:
        mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        try:
            fcntl.flock(handle, mode if wait else mode | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WarehouseBusy(f"the warehouse at {root} is in use") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def writer_lock(root: Path, *, wait: bool = True) -> contextlib.AbstractContextManager[None]:
    """The lock a refresh or a compaction holds (exclusive)."""
    return warehouse_lock(root, wait=wait)


def last_refresh(root: Path, tables: Mapping[str, Any]) -> int:
    """The highest refresh number any file of ``tables`` carries (0 for an empty warehouse)."""
    return max(
        (refresh_of(p) for table in tables for p in data_files(root, table)),
        default=0,
    )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _place(tmp: Path, final: Path) -> None:
    """Rename a finished temporary file into place, durably."""
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, final)
    _fsync_dir(final.parent)


def write_table(root: Path, name: str, table: pa.Table, refresh: int, part: int = 0) -> list[Path]:
    """Write ``table`` as part ``part`` of refresh ``refresh`` of warehouse table ``name``:
    one file per ``month`` partition (the column is the folder, not stored in the file), or one
    flat file for a table without ``month``. Nothing is written for an empty table.

    The files are written and synced in parallel (most of a small refresh's time is the disk's
    sync latency, once per file and folder), then renamed into place."""
    if table.num_rows == 0:
        return []
    if "month" not in table.column_names:
        pieces: list[tuple[str | None, pa.Table]] = [(None, table)]
    else:
        rows_of: dict[str, list[int]] = {}
        for n, month in enumerate(table.column("month").to_pylist()):
            rows_of.setdefault(str(month), []).append(n)
        pieces = [
            (month, table.take(pa.array(rows_of[month])).drop_columns(["month"]))
            for month in sorted(rows_of)
        ]
    finals = [partition_path(root, name, month, refresh, part) for month, _ in pieces]
    for final in finals:
        final.parent.mkdir(parents=True, exist_ok=True)

    def write(job: tuple[Path, pa.Table]) -> None:
        final, piece = job
        tmp = final.with_name(f".{final.name}.tmp")
        pq.write_table(piece, tmp, compression="zstd")
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, final)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(write, zip(finals, (piece for _, piece in pieces), strict=True)))
        list(pool.map(_fsync_dir, sorted({f.parent for f in finals})))
    return finals


@dataclass(frozen=True)
class Compacted:
    table: str
    files_before: int
    files_after: int
    rows: int


def compact_table(root: Path, table: str, key: str) -> Compacted:
    """Rewrite ``table`` as one file per partition holding only the newest rows (the view's
    contents, each row keeping its own ``refresh``). Call under :func:`writer_lock`.

    The new files are renamed into place first and the old ones deleted after: in between, and
    after a crash in between, a row has two copies with the same ``refresh``, and the view keeps
    the compacted one (its file name sorts last), so readers never see a difference."""
    before = data_files(root, table)
    folders = {p.parent for p in before}
    if len(before) <= len(folders):
        return Compacted(table, len(before), len(before), -1)
    newest = max(refresh_of(p) for p in before)
    partitioned = any(p.parent != table_directory(root, table) for p in before)
    staging = root / f".compact-{table}"
    shutil.rmtree(staging, ignore_errors=True)
    view = newest_rows_sql(parquet_source(before), key)
    con = duckdb.connect(":memory:")
    try:
        rows = int(con.execute(f"SELECT count(*) FROM ({view})").fetchone()[0])  # type: ignore[index]
        options = "FORMAT parquet, COMPRESSION zstd"
        if partitioned:
            options += ", PARTITION_BY (month), FILENAME_PATTERN 'compacted_{i}'"
            con.execute(f"COPY ({view}) TO '{_quoted(staging)}' ({options})")
        else:
            staging.mkdir(parents=True)
            con.execute(
                f"COPY ({view}) TO '{_quoted(staging / 'compacted_0.parquet')}' ({options})"
            )
    finally:
        con.close()
    made = sorted(staging.rglob("*.parquet"))
    placed: list[Path] = []
    for path in made:
        relative = path.parent.relative_to(staging)
        final = partition_path(root, table, None, newest, COMPACTED_PART)
        if relative.parts:
            final = table_directory(root, table) / relative / final.name
        final.parent.mkdir(parents=True, exist_ok=True)
        _place(path, final)
        placed.append(final)
    shutil.rmtree(staging, ignore_errors=True)
    for path in before:
        if path not in placed:
            path.unlink()
    for folder in folders:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return Compacted(table, len(before), len(placed), rows)


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def read_state(root: Path) -> dict[str, Any]:
    """The refresh's own bookmarks kept beside the files (the OCDS watermarks)."""
    path = root / STATE_FILE
    if not path.is_file():
        return {}
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, dict) else {}


def write_state(root: Path, state: Mapping[str, Any]) -> None:
    """Replace the bookmarks atomically (written after the files they describe)."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".{STATE_FILE}.tmp"
    tmp.write_text(json.dumps(state, sort_keys=True, indent=1), encoding="utf-8")
    _place(tmp, root / STATE_FILE)
