"""``prex analytics refresh``: bring the warehouse up to date with the platform database.

A refresh, under the warehouse's writer lock:

1. reads what changed since the last refresh (the outbox, ``changes``) — or takes everything
   (``--full``, and the first refresh of an empty warehouse);
2. takes the next refresh number and extracts each changed tender whole (``extract``), and each
   changed organisation, writing new Parquet files (merge-on-read: nothing is rewritten; the
   newest-row view shows each key's newest row);
3. only then moves the outbox cursor.

A crash before step 3 leaves files whose rows the next refresh writes again under a higher
number: duplicates by key that the newest-row view hides (and ``compact`` drops). A refresh with
nothing changed writes nothing and takes no number.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from prex.analytics.warehouse.changes import advance, consumer_for, read_changes
from prex.analytics.warehouse.extract import all_tender_ids, extract_organisations, extract_tenders
from prex.analytics.warehouse.files import (
    STATE_FILE,
    Compacted,
    WarehouseBusy,
    compact_table,
    last_refresh,
    read_state,
    write_state,
    write_table,
    writer_lock,
)
from prex.analytics.warehouse.ocds_extract import ocds_batches, pending
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.store import warehouse_root
from prex.bootstrap import Services
from prex.shared.errors import InvalidInput

# Tenders extracted per step (one progress tick), and per set of files written: a full refresh
# of a national warehouse never holds more than this many tenders' rows in memory.
STEP = 1_000
FLUSH = 50_000

Progress = Callable[[int, int], None]  # done, total (tenders)


@dataclass
class RefreshResult:
    """What one refresh did. ``refresh`` is None when nothing had changed (nothing written)."""

    refresh: int | None
    full: bool
    events: int = 0
    tenders: int = 0
    lots: int = 0
    bids: int = 0
    organisations: int = 0
    ocds: dict[str, int] = field(default_factory=dict)  # rows per ocds_* table
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Writer:
    """Accumulates extracted rows and writes them as numbered parts of one refresh."""

    def __init__(self, root: Path, refresh: int, result: RefreshResult) -> None:
        self.root, self.refresh, self.result = root, refresh, result
        self.pending: dict[str, list[pa.Table]] = {}
        self.tenders = 0
        self.part = 0

    def add(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            if table.num_rows:
                self.pending.setdefault(name, []).append(table)
        self.tenders += tables["tenders"].num_rows if "tenders" in tables else 0
        if self.tenders >= FLUSH:
            self.flush()

    def flush(self) -> None:
        for name, tables in sorted(self.pending.items()):
            table = pa.concat_tables(tables)
            if name.startswith("ocds_"):
                self.result.ocds[name] = self.result.ocds.get(name, 0) + table.num_rows
            else:
                setattr(self.result, name, getattr(self.result, name) + table.num_rows)
            paths = write_table(self.root, name, table, self.refresh, self.part)
            self.result.files += [str(p.relative_to(self.root)) for p in paths]
        self.pending, self.tenders = {}, 0
        self.part += 1


def _extract(
    conn: Any,
    writer: _Writer,
    tender_ids: Sequence[str],
    org_ids: Sequence[str] | None,
    progress: Progress | None,
) -> None:
    for start in range(0, len(tender_ids), STEP):
        chunk = tender_ids[start : start + STEP]
        writer.add(extract_tenders(conn, chunk, writer.refresh))
        if progress is not None:
            progress(start + len(chunk), len(tender_ids))
    writer.add({"organisations": extract_organisations(conn, org_ids, writer.refresh)})
    writer.flush()


def refresh_warehouse(
    services: Services,
    *,
    full: bool = False,
    root: Path | None = None,
    progress: Progress | None = None,
    wait: bool = True,
) -> RefreshResult:
    """Refresh the warehouse (``root``: default ``<data dir>/warehouse``); see the module.
    ``wait=False``: raise ``WarehouseBusy`` rather than wait for a scan or another writer."""
    started = time.perf_counter()
    root = root or warehouse_root(services.settings)
    with (
        writer_lock(root, wait=wait),
        services.writer_session() as session,
        services.read_connection() as conn,
    ):
        state = read_state(root)
        full = full or not state.get("refresh")  # the first refresh takes everything
        consumer = consumer_for(root, warehouse_root(services.settings))
        changes = read_changes(session, conn, consumer, full=full)
        session.rollback()  # nothing held while extracting (SQLite: no lock)
        result = RefreshResult(None, full, events=changes.events)
        if not full and changes.empty and not pending(conn, state):
            advance(session, changes.start, changes.end, consumer)  # sign-ins and the like
            result.seconds = time.perf_counter() - started
            return result
        refresh = max(last_refresh(root, all_keys()), int(state.get("refresh", 0))) + 1
        result.refresh = refresh
        writer = _Writer(root, refresh, result)
        if full:
            _extract(conn, writer, all_tender_ids(conn), None, progress)
        else:
            tender_ids = sorted(changes.tender_ids)
            _extract(conn, writer, tender_ids, sorted(changes.org_ids), progress)
        marks: dict[str, Any] = {}
        for tables in ocds_batches(conn, None if full else state, refresh, marks):
            writer.add(tables)
            writer.flush()
        write_state(root, {**state, **marks, "refresh": refresh})
        advance(session, changes.start, changes.end, consumer)
    result.seconds = time.perf_counter() - started
    return result


# When each warehouse was last refreshed by this process's worker (monotonic seconds), and
# the warehouses it found not yet made (said once in the log).
_checked: dict[Path, float] = {}
_uninitialised: set[Path] = set()
log = logging.getLogger("prex.analytics")


def refresh_due(services: Services) -> int:
    """The worker's pass: refresh if ``analytics_refresh_seconds`` have passed since this
    process last refreshed (real time, not the sandbox clock: it is an operational cadence).
    When nothing changed it costs a read of the outbox cursor and head and an index probe per
    OCDS source, and writes nothing. Returns the tenders and OCDS processes written.

    The worker never makes the first, full refresh of an empty warehouse — at national scale
    that takes minutes, and the worker's other duties (bid deadlines) cannot wait that long:
    ``prex analytics refresh`` makes it once, and from then on the worker keeps it up to date."""
    interval = services.settings.analytics_refresh_seconds
    if interval <= 0:
        return 0
    root = warehouse_root(services.settings)
    now = time.monotonic()
    last = _checked.get(root)
    if last is not None and now - last < interval:
        return 0
    if not (root / STATE_FILE).is_file():
        if root not in _uninitialised:
            _uninitialised.add(root)
            log.info("no warehouse at %s yet: run `prex analytics refresh` once", root)
        return 0
    try:
        result = refresh_warehouse(services, root=root, wait=False)
    except WarehouseBusy:
        # a scan is reading (or an operator compacting): the worker's other duties do not
        # wait for it; the next pass tries again
        log.info("warehouse at %s in use: refresh deferred to the next pass", root)
        return 0
    _checked[root] = now
    return result.tenders + result.ocds.get("ocds_processes", 0)


def compact_warehouse(
    services: Services, *, tables: Sequence[str] | None = None, root: Path | None = None
) -> list[Compacted]:
    """Rewrite each table (default: all) to one file of newest rows per partition."""
    root = root or warehouse_root(services.settings)
    keys = all_keys()
    chosen = list(tables) if tables else sorted(keys)
    unknown = sorted(set(chosen) - set(keys))
    if unknown:
        raise InvalidInput(
            f"no warehouse table {unknown[0]!r}; tables: {', '.join(sorted(keys))}",
            field="table",
        )
    with writer_lock(root):
        return [compact_table(root, table, keys[table]) for table in chosen]
