"""The public change feed read from the start: 20,000 tenders' changes, page after page.

An upstream platform that subscribes to a centre reads ``GET /api/v1/feed`` from the start and
then follows it; a page names up to 100 changes, most of them of different tenders. Each change
carries its object's current public form, so a page costs what computing those forms costs.

Measures :func:`prex.exchange.feed.public_changes` (what the endpoint serves; in-process, on
the reader engine, as the endpoint calls it) walking the whole feed with the default page of
100, on SQLite and on PostgreSQL, against the baseline of the previous implementation measured
in the same run: the same scan, each object's form computed on its own
(:func:`prex.exchange.public_forms.public_form`, one session and a handful of statements per
tender). Ours computes a page's tender forms together (one session, the collections loaded for
all of them at once). Both walks must give the same changes, page for page.

    .venv/bin/python bench/feed.py              # 20,000 tenders, both databases
    .venv/bin/python bench/feed.py --quick      # smoke run: 1,000 tenders, SQLite
    .venv/bin/python bench/feed.py --no-postgres

The tenders are the portal benchmark's (``bench/portal.py``: realistic rows straight into the
tables); their outbox rows are written beside them in commit order — each tender's
``TenderPublished``, a ``TenderAmended`` for one in five, a ``TenderStatusChanged`` for those
past their deadline — so the feed holds about 1.9 changes per tender. Pages are timed in turns
(ours, then the baseline at the same cursor) so that the machine's noise falls on both.

    RESULT feed_<db>_page_median ours=<ms>ms baseline=<ms>ms ratio=<ours/baseline>
    RESULT feed_<db>_page_p99 …   RESULT feed_<db>_walk … (seconds for the whole feed)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from portal import _postgres, fmt, percentile, seed

from prex.audit.orm import audit_head, outbox
from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.exchange.feed import Change, FeedPage, public_changes, scan_outbox
from prex.exchange.public_forms import public_form, publicity_of

DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PAGE = 100


def write_outbox(services: Services) -> int:
    """The seeded tenders' public events in the order they happened; the feed's length."""
    from sqlalchemy import insert, select, update

    from prex.tenders.orm import tenders

    rng = random.Random(20261128)
    with services.read_session() as session:
        rows = session.execute(
            select(tenders.c.id, tenders.c.published_at, tenders.c.status_changed_at,
                   tenders.c.status)
        ).all()  # fmt: skip
    events: list[tuple[Any, str, str]] = []
    for row in rows:
        events.append((row.published_at, "TenderPublished", row.id))
        if rng.random() < 0.2:
            events.append((row.published_at + timedelta(days=2), "TenderAmended", row.id))
        if row.status != "published":
            events.append((row.status_changed_at, "TenderStatusChanged", row.id))
    events.sort(key=lambda e: (e[0], e[2], e[1]))
    values = [
        {"seq": seq, "at": at, "event": event, "object_type": "tender", "object_id": tender_id,
         "actor_id": None, "payload": {}}
        for seq, (at, event, tender_id) in enumerate(events, start=1)
    ]  # fmt: skip
    with services.engines.writer.begin() as conn:
        for start in range(0, len(values), 5000):
            conn.execute(insert(outbox), values[start : start + 5000])
        conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=len(values)))
    return len(values)


def per_object_changes(services: Services, after: int, limit: int = PAGE) -> FeedPage:
    """The baseline: the previous :func:`public_changes`, each object's form on its own."""
    with services.read_connection() as conn:
        rows = scan_outbox(conn, after, limit)
    forms: dict[tuple[str, str], dict[str, Any] | None] = {}
    changes: list[Change] = []
    for row in rows:
        publicity = publicity_of(row.event, row.payload)
        if publicity is None:
            continue
        key = (publicity.form, row.object_id)
        if key not in forms:
            forms[key] = public_form(services, publicity.form, row.object_id)
        data = forms[key]
        if data is None:
            continue
        detail = None
        if publicity.detail is not None:
            detail = publicity.detail(services, row.object_id, row.payload)
        changes.append(
            Change(row.seq, row.at, row.event, publicity.form, row.object_id, data, detail)
        )
    return FeedPage(changes, rows[-1].seq if rows else after, has_more=len(rows) == limit)


def timed(
    read: Callable[[Services, int], FeedPage], services: Services, at: int
) -> tuple[float, FeedPage]:
    started = time.perf_counter()
    page = read(services, at)
    return time.perf_counter() - started, page


def result(name: str, ours: float, base: float, unit: str) -> str:
    ratio = ours / base
    return f"RESULT {name} ours={fmt(ours)}{unit} baseline={fmt(base)}{unit} ratio={ratio:.3f}"


def bench_backend(label: str, url: str, work: Path, tenders: int) -> list[str]:
    print(f"[{label}] seeding {tenders:,} tenders …", flush=True)
    seconds = seed(url, tenders)
    settings = get_settings(environment="test", data_dir=work, database_url=url)
    services = bootstrap(settings)
    try:
        length = write_outbox(services)
        print(f"[{label}] seeded in {seconds:.1f} s; the feed holds {length:,} changes", flush=True)
        ours_times: list[float] = []
        base_times: list[float] = []
        at, pages, changes = 0, 0, 0
        while True:
            ours_s, ours = timed(public_changes, services, at)
            base_s, base = timed(per_object_changes, services, at)
            mine = [c.to_json() for c in ours.changes]
            if mine != [c.to_json() for c in base.changes] or ours.position != base.position:
                raise SystemExit(f"[{label}] the two walks differ at cursor {at}")
            ours_times.append(ours_s)
            base_times.append(base_s)
            pages, changes = pages + 1, changes + len(mine)
            if pages % 50 == 0:
                print(f"[{label}] {pages} pages, {changes:,} changes", flush=True)
            if not ours.has_more:
                break
            at = ours.position
        if changes != length:
            raise SystemExit(f"[{label}] the walk gave {changes} changes of {length}")
        ms = 1000.0

        def p99(values: list[float]) -> float:
            return percentile(sorted(values), 99)

        print(f"[{label}] {pages} pages of {PAGE}, every change once and the same in both walks")
        return [
            result(f"feed_{label}_page_median", statistics.median(ours_times) * ms,
                   statistics.median(base_times) * ms, "ms"),
            result(f"feed_{label}_page_p99", p99(ours_times) * ms, p99(base_times) * ms, "ms"),
            result(f"feed_{label}_walk", sum(ours_times), sum(base_times), "s"),
        ]  # fmt: skip
    finally:
        services.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 tenders, SQLite only")
    parser.add_argument("--tenders", type=int, default=20_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-url", default=DEFAULT_PG_ADMIN, help="an admin URL to create in")
    args = parser.parse_args(argv)
    tenders = 1_000 if args.quick else args.tenders
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="prex-bench-feed-") as tmp:
        work = Path(tmp)
        (work / "sqlite").mkdir()
        lines += bench_backend("sqlite", f"sqlite:///{work / 'sqlite' / 'prex.db'}",
                               work / "sqlite", tenders)  # fmt: skip
        if not (args.quick or args.no_postgres):
            made = _postgres(args.pg_url)
            if isinstance(made, str):
                print(f"[postgresql] skipped: {made}")
            else:
                url, drop = made
                (work / "pg").mkdir()
                try:
                    lines += bench_backend("postgresql", url, work / "pg", tenders)
                finally:
                    drop()
    print()
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
