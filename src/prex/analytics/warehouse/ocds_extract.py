"""OCDS records into the ``ocds_*`` tables: this centre's own compiled records
(``ocds_records``), those pulled from federated centres and those imported
(``federated_records``), each flattened by ``prex.analytics.ocds.flatten``.

What changed is told by each table's own commit-ordered numbers, not by the outbox (federated
and imported records arrive without domain events), and never by a timestamp (a row stamped
before another may commit after it — decision 0012):

- own records by ``last_position``: the publication position of the newest release compiled
  in, assigned in commit order by the release publisher;
- federated and imported records, per source, by the ``position`` of their releases in
  ``federated_releases``: numbered under the source's row lock by every pull and import, in the
  transaction that recompiles the records they touch.

The watermarks are kept in the warehouse's state file, written after the files (``refresh``);
a full refresh reads every record.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, and_, exists, func, select

from prex.analytics.ocds.flatten import iter_tables
from prex.exchange.federation.orm import (
    federated_records,
    federated_releases,
    federation_sources,
)
from prex.exchange.releases.orm import ocds_records

PAGE = 2_000  # compiled records per query (each is a whole JSON document)
BATCH = 20_000  # records per set of Arrow tables written


def _own_after(position: int) -> Any:
    return ocds_records.c.last_position > position


def pending(conn: Connection, state: dict[str, Any]) -> bool:
    """Whether any OCDS record changed after the watermarks (an index probe per source)."""
    own = conn.execute(
        select(exists().where(_own_after(int(state.get("ocds_own", 0)))))
    ).scalar_one()
    if own:
        return True
    marks: dict[str, int] = state.get("ocds_federated") or {}
    r = federated_releases.c
    for source in conn.execute(select(federation_sources.c.code)).scalars():
        after = and_(r.source == source, r.position > int(marks.get(source, 0)))
        if conn.execute(select(exists().where(after))).scalar_one():
            return True
    return False


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


def _changed_ocids(conn: Connection, source: str, after: int) -> tuple[list[str], int]:
    """The processes of ``source`` with a release after position ``after``, and the last
    position read."""
    r = federated_releases.c
    ocids: set[str] = set()
    while True:
        rows = conn.execute(
            select(r.ocid, r.position)
            .where(r.source == source, r.position > after)
            .order_by(r.position)
            .limit(PAGE * 10)
        ).all()
        if not rows:
            return sorted(ocids), after
        ocids.update(row.ocid for row in rows)
        after = int(rows[-1].position)


def _federated(
    conn: Connection, state: dict[str, Any] | None, marks: dict[str, int], source: str
) -> Iterator[Any]:
    """The compiled records of ``source`` changed after its watermark (all, for no state);
    ``marks[source]`` is its new watermark once the iterator is exhausted."""
    f = federated_records.c
    if state is None:
        last = conn.execute(
            select(func.max(federated_releases.c.position)).where(
                federated_releases.c.source == source
            )
        ).scalar_one_or_none()
        previous = ""
        while True:
            rows = conn.execute(
                select(f.ocid, f.compiled)
                .where(f.source == source, f.ocid > previous)
                .order_by(f.ocid)
                .limit(PAGE)
            ).all()
            if not rows:
                break
            for row in rows:
                yield row.compiled
            previous = rows[-1].ocid
        marks[source] = int(last or 0)
        return
    after = int((state.get("ocds_federated") or {}).get(source, 0))
    ocids, position = _changed_ocids(conn, source, after)
    for start in range(0, len(ocids), 500):
        chunk = ocids[start : start + 500]
        yield from conn.execute(
            select(f.compiled).where(f.source == source, f.ocid.in_(chunk)).order_by(f.ocid)
        ).scalars()
    marks[source] = position


def ocds_batches(
    conn: Connection, state: dict[str, Any] | None, refresh: int, marks: dict[str, Any]
) -> Iterator[dict[str, pa.Table]]:
    """Sets of ``ocds_*`` tables for every record after the watermarks in ``state`` (every
    record for None); ``marks`` receives the new watermarks as records are read."""
    yield from iter_tables(
        (c for c in _own(conn, state or {}, marks) if isinstance(c, dict)), "own", refresh, BATCH
    )
    federated: dict[str, int] = dict((state or {}).get("ocds_federated") or {})
    marks["ocds_federated"] = federated
    sources = conn.execute(
        select(federation_sources.c.code, federation_sources.c.kind).order_by(
            federation_sources.c.code
        )
    ).all()
    for source, kind in sources:
        label = "import" if kind == "import" else f"federated:{source}"
        records = (c for c in _federated(conn, state, federated, source) if isinstance(c, dict))
        yield from iter_tables(records, label, refresh, BATCH)
