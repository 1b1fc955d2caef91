"""OCDS records into the ``ocds_*`` tables: this centre's own compiled records
(``ocds_records``), those pulled from federated centres and those imported
(``federated_records``), each flattened by ``prex.analytics.ocds.flatten``.

What changed is told by each table's own column, not by the outbox (federated and imported
records arrive without domain events):

- own records by ``last_position``, the publication order of the newest release compiled in
  (assigned in commit order by the release publisher, so a watermark misses nothing);
- federated and imported records by (``updated_at``, ``source``, ``ocid``): the watermark is the
  last one read. A record stamped earlier than the watermark but committed after the refresh
  read (two ingest transactions racing within the same instant) is taken at its next change or
  by a ``--full`` refresh — federation pulls run one source at a time, so this is rare.

The watermarks are kept in the warehouse's state file, written after the files (``refresh``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, and_, exists, or_, select

from prex.analytics.ocds.flatten import iter_tables
from prex.exchange.federation.orm import federated_records, federation_sources
from prex.exchange.releases.orm import ocds_records
from prex.shared.clock import ensure_utc

PAGE = 2_000  # compiled records per query (each is a whole JSON document)
BATCH = 20_000  # records per set of Arrow tables written


def _own_after(position: int) -> Any:
    return ocds_records.c.last_position > position


def _federated_after(mark: list[str] | None) -> Any:
    if not mark:
        return federated_records.c.updated_at.is_not(None)
    at, source, ocid = datetime.fromisoformat(mark[0]), mark[1], mark[2]
    f = federated_records.c
    return or_(
        f.updated_at > at,
        and_(f.updated_at == at, or_(f.source > source, and_(f.source == source, f.ocid > ocid))),
    )


def pending(conn: Connection, state: dict[str, Any]) -> bool:
    """Whether any OCDS record changed after the watermarks (two cheap index probes)."""
    own = conn.execute(
        select(exists().where(_own_after(int(state.get("ocds_own", 0)))))
    ).scalar_one()
    federated = conn.execute(
        select(exists().where(_federated_after(state.get("ocds_federated"))))
    ).scalar_one()
    return bool(own or federated)


def _own(conn: Connection, state: dict[str, Any], marks: dict[str, Any]) -> Iterator[Any]:
    position = int(state.get("ocds_own", 0))
    while True:
        rows = conn.execute(
            select(ocds_records.c.compiled, ocds_records.c.last_position)
            .where(_own_after(position))
            .order_by(ocds_records.c.last_position)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        for compiled, last in rows:
            yield compiled
            position = int(last)
        marks["ocds_own"] = position


def _federated(
    conn: Connection, state: dict[str, Any], marks: dict[str, Any], kinds: dict[str, str]
) -> Iterator[tuple[str, Any]]:
    mark: list[str] | None = state.get("ocds_federated")
    f = federated_records.c
    while True:
        rows = conn.execute(
            select(f.source, f.ocid, f.updated_at, f.compiled)
            .where(_federated_after(mark))
            .order_by(f.updated_at, f.source, f.ocid)
            .limit(PAGE)
        ).all()
        if not rows:
            return
        for source, ocid, updated_at, compiled in rows:
            label = "import" if kinds.get(source) == "import" else f"federated:{source}"
            yield label, compiled
            mark = [ensure_utc(updated_at).isoformat(), source, ocid]
        marks["ocds_federated"] = mark


def ocds_batches(
    conn: Connection, state: dict[str, Any], refresh: int, marks: dict[str, Any]
) -> Iterator[dict[str, pa.Table]]:
    """Sets of ``ocds_*`` tables for every record after the watermarks in ``state`` (every
    record for an empty state); ``marks`` receives the new watermarks as records are read."""
    yield from iter_tables(
        (c for c in _own(conn, state, marks) if isinstance(c, dict)), "own", refresh, BATCH
    )
    kinds = dict(conn.execute(select(federation_sources.c.code, federation_sources.c.kind)).all())
    # One source label per batch: flatten stamps a batch with one source.
    current: str | None = None
    releases: list[dict[str, Any]] = []
    for label, compiled in _federated(conn, state, marks, kinds):
        if not isinstance(compiled, dict):
            continue
        if label != current or len(releases) >= BATCH:
            if releases and current is not None:
                yield from iter_tables(releases, current, refresh, BATCH)
            current, releases = label, []
        releases.append(compiled)
    if releases and current is not None:
        yield from iter_tables(releases, current, refresh, BATCH)
