"""Queueing dataset records for the upstream platform: an outbox consumer.

For each outbox event about a tender or a listing, the deal's records are rebuilt from what is
public now (``sources`` → ``builders``); a record whose content changed since the version last
queued gets the next version and a row in ``dataspec_push_queue``. The queue rows, the versions
and this consumer's cursor are written in one transaction, so a crash neither loses an event nor
queues a record twice. Rebuilding the deal rather than translating each event keeps the records
right whatever event order or event kinds other contexts add.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from prex.audit.chain import canonical_json
from prex.audit.consumers import advance, claim_batch
from prex.db.uow import SqlUnitOfWork
from prex.exchange.dataspec.builders import (
    Built,
    credit_records,
    listing_records,
    tender_records,
)
from prex.exchange.dataspec.model import Header
from prex.exchange.dataspec.orm import dataspec_push_queue, dataspec_versions
from prex.exchange.dataspec.schemas import DATASETS
from prex.exchange.dataspec.sources import (
    credit_facts,
    listing_deal_code,
    listing_facts,
    tender_facts,
)
from prex.identity.policy import SYSTEM
from prex.tenders.service import allocate_deal_code

if TYPE_CHECKING:
    from prex.bootstrap import Services

CONSUMER = "dataspec-push"
log = logging.getLogger("prex.exchange")


def idempotency_key(dataset: str, record_key: str, version: int) -> str:
    """What the upstream deduplicates on: the same record version is stored once."""
    return f"{dataset}:{record_key}:{version}"


def content_sha256(record: dict[str, Any]) -> str:
    """The record's content without its DATA_TIMESTAMP (a rebuild alone is no new version)."""
    body = {k: v for k, v in record.items() if k != "DATA_TIMESTAMP"}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _deals(events: Iterable[Any]) -> dict[tuple[str, str], Any]:
    """(kind, id) of each deal (or credit record) the events touch, in order of first touch →
    its last event."""
    touched: dict[tuple[str, str], Any] = {}
    for row in events:
        payload = row["payload"] or {}
        if row["object_type"] == "credit_record":
            deal = ("credit", row["object_id"])
        elif isinstance(payload.get("tender_id"), str):
            deal = ("tender", payload["tender_id"])
        elif row["object_type"] in ("tender", "listing"):
            deal = (row["object_type"], row["object_id"])
        else:
            continue
        touched[deal] = row
    return touched


def _queue(session: Session, built: list[Built], seq: int, now: datetime) -> int:
    queued = 0
    for dataset, record in built:
        key = DATASETS[dataset].key_of(record)
        digest = content_sha256(record)
        known = session.execute(
            select(dataspec_versions.c.version, dataspec_versions.c.content_sha256).where(
                dataspec_versions.c.dataset == dataset, dataspec_versions.c.record_key == key
            )
        ).first()
        if known is not None and known.content_sha256 == digest:
            continue
        version = 1 if known is None else int(known.version) + 1
        deal_code = str(record.get("UNIFIED_DEAL_CODE", ""))  # "": a credit record
        if known is None:
            session.execute(
                insert(dataspec_versions).values(
                    dataset=dataset,
                    record_key=key,
                    deal_code=deal_code,
                    version=1,
                    content_sha256=digest,
                )
            )
        else:
            session.execute(
                update(dataspec_versions)
                .where(
                    dataspec_versions.c.dataset == dataset, dataspec_versions.c.record_key == key
                )
                .values(version=version, content_sha256=digest)
            )
        session.execute(
            insert(dataspec_push_queue).values(
                deal_code=deal_code,
                dataset=dataset,
                record_key=key,
                version=version,
                idempotency_key=idempotency_key(dataset, key, version),
                record=record,
                outbox_seq=seq,
                queued_at=now,
                attempts=0,
                next_attempt_at=now,
            )
        )
        queued += 1
    return queued


def _built(uow: SqlUnitOfWork, services: Services, kind: str, deal_id: str, at: Any) -> list[Built]:
    settings = services.settings
    header = Header(settings.platform_code, settings.pub_service_plat_code, at)
    session = uow.session
    if kind == "credit":
        credit = credit_facts(session, deal_id)
        return [] if credit is None else credit_records(credit, header)
    if kind == "tender":
        facts = tender_facts(session, deal_id)
        return [] if facts is None else tender_records(facts, header)
    code = listing_deal_code(session, deal_id, lambda uscc, day: allocate_deal_code(uow, uscc, day))
    item = None if code is None else listing_facts(session, deal_id, code)
    return [] if item is None else listing_records(item, header)


def queue_dataspec_records(services: Services, *, batch: int = 200) -> int:
    """Queue the records that the next ``batch`` outbox events changed; returns how many.
    Does nothing (and keeps its place in the outbox) while no upstream is configured."""
    if not services.settings.upstream_url:
        return 0
    queued = 0
    with services.uow(SYSTEM) as uow:
        session = uow.session
        events = claim_batch(session, CONSUMER, batch)
        if not events:
            return 0
        now = uow.clock.now()
        for (kind, deal_id), row in _deals(events).items():
            try:
                with session.begin_nested():
                    built = _built(uow, services, kind, deal_id, row["at"])
                    queued += _queue(session, built, int(row["seq"]), now)
            except Exception:  # one deal's bad data must not stop every other deal's push
                # Its records are rebuilt whole at its next event; the log says which deal.
                log.exception("data-spec records of %s %s could not be built", kind, deal_id)
        advance(session, CONSUMER, events)
        session.commit()
    return queued
