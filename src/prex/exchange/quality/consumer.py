"""Scoring as records arrive (``prex worker``), and the full recompute (``prex quality
recompute``) — one code path, so the two cannot disagree.

A pass, in one transaction under the ``data-quality`` row of ``outbox_cursors`` (``FOR UPDATE``
on PostgreSQL, the write lock on SQLite, so two workers never judge a record twice):

1. judges every record version not yet in ``quality_records`` — what platforms below pushed
   here (``upstream_records``) and what this centre itself pushed upstream and got an answer
   for (``dataspec_push_queue``, judged as the upstream judged it);
2. re-scores the deals those records belong to, and the deals whose ``next_check`` (a
   milestone's due time) has passed — the time-based re-check of the life cycle;
3. re-sums ``quality_totals`` for every (centre, type, day) it touched.

A recompute empties the four tables and runs passes until nothing is left.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import RowMapping, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prex.audit.orm import outbox_cursors
from prex.bootstrap import Services
from prex.exchange.dataspec.orm import dataspec_push_queue, upstream_records
from prex.exchange.dataspec.schemas import NON_DEAL_DATASETS
from prex.exchange.quality.deals import score_deal
from prex.exchange.quality.orm import (
    quality_deals,
    quality_findings,
    quality_records,
    quality_totals,
)
from prex.exchange.quality.rules import ROOTS, Arrived, Finding, day_of, score_record
from prex.exchange.quality.scores import Totals

CONSUMER = "data-quality"
Bucket = tuple[str, str, str]  # platform, type, day


def _lock(session: Session) -> None:
    """Hold the consumer's row for the transaction: an UPDATE takes the row lock on PostgreSQL
    and the database write lock on SQLite, so a second worker waits for the first to commit
    and then finds its records judged."""
    mark = outbox_cursors.c.consumer == CONSUMER
    locked = session.execute(
        update(outbox_cursors).where(mark).values(position=outbox_cursors.c.position)
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        try:
            with session.begin_nested():
                session.execute(insert(outbox_cursors).values(consumer=CONSUMER, position=0))
        except IntegrityError:
            pass
        session.execute(
            update(outbox_cursors).where(mark).values(position=outbox_cursors.c.position)
        )


def _unjudged_upstream(session: Session, limit: int) -> list[tuple[str, str, Arrived]]:
    u, q = upstream_records, quality_records
    rows = session.execute(
        select(u)
        .outerjoin(
            q,
            and_(
                q.c.platform_code == u.c.platform_code,
                q.c.dataset == u.c.dataset,
                q.c.record_key == u.c.record_key,
                q.c.version == u.c.version,
            ),
        )
        .where(q.c.platform_code.is_(None), u.c.dataset.not_in(sorted(NON_DEAL_DATASETS)))
        .order_by(u.c.received_at, u.c.platform_code, u.c.dataset, u.c.record_key, u.c.version)
        .limit(limit)
    ).mappings()
    return [
        (
            r["platform_code"],
            r["deal_code"],
            Arrived(r["dataset"], r["record_key"], r["version"], r["record"], r["received_at"]),
        )
        for r in rows
    ]


def _own(row: RowMapping, received_at: datetime) -> Arrived:
    """A record this centre pushed, as the upstream answered it (refused: with its code)."""
    refusal = row["refusal"] or "refused" if row["outcome"] == "refused" else None
    return Arrived(
        row["dataset"], row["record_key"], row["version"], row["record"], received_at, refusal
    )


def _unjudged_own(session: Session, own: str, limit: int) -> list[tuple[str, str, Arrived]]:
    p, q = dataspec_push_queue, quality_records
    rows = session.execute(
        select(p)
        .outerjoin(
            q,
            and_(
                q.c.platform_code == own,
                q.c.dataset == p.c.dataset,
                q.c.record_key == p.c.record_key,
                q.c.version == p.c.version,
            ),
        )
        .where(
            q.c.platform_code.is_(None),
            p.c.sent_at.is_not(None),
            p.c.dataset.not_in(sorted(NON_DEAL_DATASETS)),
        )
        .order_by(p.c.sent_at, p.c.id)
        .limit(limit)
    ).mappings()
    return [(own, r["deal_code"], _own(r, r["sent_at"])) for r in rows]


def _deal_records(session: Session, own: str, platform: str, deal: str) -> list[Arrived]:
    if platform == own:
        p = dataspec_push_queue
        rows = session.execute(
            select(p).where(p.c.deal_code == deal, p.c.sent_at.is_not(None))
        ).mappings()
        return [_own(r, r["sent_at"]) for r in rows]
    u = upstream_records
    rows = session.execute(
        select(u).where(u.c.platform_code == platform, u.c.deal_code == deal)
    ).mappings()
    return [
        Arrived(r["dataset"], r["record_key"], r["version"], r["record"], r["received_at"])
        for r in rows
    ]


def _type_of(records: Iterable[Arrived]) -> str:
    roots = [ROOTS[a.dataset] for a in records if a.dataset in ROOTS]
    return roots[0] if roots else "unknown"


def _findings(
    platform: str,
    deal: str,
    txn_type: str,
    day: str,
    item: Arrived | None,
    found: Iterable[Finding],
) -> list[dict[str, object]]:
    return [
        {
            "platform_code": platform,
            "deal_code": deal,
            "txn_type": txn_type,
            "day": day,
            "dataset": item.dataset if item else (f.field or ""),
            "record_key": item.record_key if item else deal,
            "version": item.version if item else None,
            "dimension": str(f.dimension),
            "code": f.code,
            "field": f.field,
            "message": f.message,
        }
        for f in found
    ]


def _judge(
    session: Session, own: str, batch: list[tuple[str, str, Arrived]], touched: set[Bucket]
) -> set[tuple[str, str]]:
    deals: dict[tuple[str, str], list[Arrived]] = {}
    for platform, deal, item in batch:
        records = deals.get((platform, deal))
        if records is None:
            records = deals[(platform, deal)] = _deal_records(session, own, platform, deal)
        result = score_record(item, records)
        txn_type, day = _type_of(records), day_of(item.received_at)
        session.execute(
            insert(quality_records).values(
                platform_code=platform,
                dataset=item.dataset,
                record_key=item.record_key,
                version=item.version,
                deal_code=deal,
                txn_type=txn_type,
                day=day,
                received_at=item.received_at,
                valid=result.valid,
                fields_expected=result.fields_expected,
                fields_filled=result.fields_filled,
                delay_seconds=result.delay_seconds,
                points=result.points,
            )
        )
        rows = _findings(platform, deal, txn_type, day, item, result.findings)
        if rows:
            session.execute(insert(quality_findings), rows)
        touched.add((platform, txn_type, day))
    return set(deals)


def _rescore_deal(
    session: Session, own: str, platform: str, deal: str, now: datetime, touched: set[Bucket]
) -> None:
    d = quality_deals
    before = session.execute(
        select(d.c.txn_type, d.c.day).where(d.c.platform_code == platform, d.c.deal_code == deal)
    ).first()
    if before is not None:
        touched.add((platform, before.txn_type, before.day))
    session.execute(
        delete(quality_findings).where(
            quality_findings.c.platform_code == platform,
            quality_findings.c.deal_code == deal,
            quality_findings.c.version.is_(None),
        )
    )
    score = score_deal(_deal_records(session, own, platform, deal), now)
    if score is None:
        session.execute(delete(d).where(d.c.platform_code == platform, d.c.deal_code == deal))
        return
    values = {
        "txn_type": score.txn_type,
        "day": score.day,
        "datasets_expected": score.datasets_expected,
        "datasets_present": score.datasets_present,
        "milestones_met": score.milestones_met,
        "milestones_overdue": score.milestones_overdue,
        "next_check": score.next_check,
    }
    if before is None:
        session.execute(insert(d).values(platform_code=platform, deal_code=deal, **values))
    else:
        session.execute(
            update(d).where(d.c.platform_code == platform, d.c.deal_code == deal).values(**values)
        )
    rows = _findings(platform, deal, score.txn_type, score.day, None, score.findings)
    if rows:
        session.execute(insert(quality_findings), rows)
    touched.add((platform, score.txn_type, score.day))


def _resum(session: Session, bucket: Bucket) -> None:
    platform, txn_type, day = bucket
    r, d = quality_records, quality_deals
    rec = session.execute(
        select(
            func.count(),
            func.count().filter(r.c.valid.is_(True)),
            func.coalesce(func.sum(r.c.fields_expected), 0),
            func.coalesce(func.sum(r.c.fields_filled), 0),
            func.count(r.c.points),
            func.coalesce(func.sum(r.c.points), 0),
        ).where(r.c.platform_code == platform, r.c.txn_type == txn_type, r.c.day == day)
    ).one()
    deal = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(d.c.datasets_expected), 0),
            func.coalesce(func.sum(d.c.datasets_present), 0),
            func.coalesce(func.sum(d.c.milestones_met), 0),
            func.coalesce(func.sum(d.c.milestones_overdue), 0),
        ).where(d.c.platform_code == platform, d.c.txn_type == txn_type, d.c.day == day)
    ).one()
    t = quality_totals
    key = (t.c.platform_code == platform, t.c.txn_type == txn_type, t.c.day == day)
    session.execute(delete(t).where(*key))
    sums = Totals(*(int(v) for v in (*rec, *deal)))
    if sums != Totals():
        values = dict(zip(Totals.names(), (int(v) for v in (*rec, *deal)), strict=True))
        session.execute(
            insert(t).values(platform_code=platform, txn_type=txn_type, day=day, **values)
        )


def _work_waiting(session: Session, own: str, now: datetime) -> bool:
    """Whether a record waits to be judged or a deal to be re-checked (read only)."""
    if _unjudged_upstream(session, 1) or _unjudged_own(session, own, 1):
        return True
    due = select(quality_deals.c.deal_code).where(quality_deals.c.next_check <= now).limit(1)
    return session.execute(due).first() is not None


def score_quality(services: Services, *, batch: int = 500) -> int:
    """One pass: judge up to ``batch`` new record versions, re-score their deals and the deals
    due for a re-check, re-sum what changed. Returns record versions judged + deals re-scored."""
    own = services.settings.platform_code
    now = services.clock.now()
    with services.read_session() as session:
        if not _work_waiting(session, own, now):
            return 0  # most passes: nothing new, nothing due — and no write lock taken
    with services.writer_session() as session:
        _lock(session)
        touched: set[Bucket] = set()
        new = _unjudged_upstream(session, batch)
        new += _unjudged_own(session, own, batch - len(new))
        deals = _judge(session, own, new, touched)
        if new:  # the position counts the record versions judged, for operators
            session.execute(
                update(outbox_cursors)
                .where(outbox_cursors.c.consumer == CONSUMER)
                .values(position=outbox_cursors.c.position + len(new))
            )
        due = session.execute(
            select(quality_deals.c.platform_code, quality_deals.c.deal_code).where(
                quality_deals.c.next_check <= now
            )
        ).all()
        deals |= {(r.platform_code, r.deal_code) for r in due}
        for platform, deal in sorted(deals):
            _rescore_deal(session, own, platform, deal, now, touched)
        for bucket in sorted(touched):
            _resum(session, bucket)
        session.commit()
    return len(new) + len(deals)


def recompute_quality(services: Services) -> int:
    """Forget every judgment and judge everything again; returns the record versions judged."""
    with services.writer_session() as session:
        _lock(session)
        for table in (quality_findings, quality_totals, quality_deals, quality_records):
            session.execute(delete(table))
        session.execute(
            update(outbox_cursors).where(outbox_cursors.c.consumer == CONSUMER).values(position=0)
        )
        session.commit()
    judged = 0
    while True:
        with services.read_session() as session:
            before = session.execute(select(func.count()).select_from(quality_records)).scalar_one()
        score_quality(services)
        with services.read_session() as session:
            after = session.execute(select(func.count()).select_from(quality_records)).scalar_one()
        judged += after - before
        if after == before:
            return judged
