"""Sending queued records to the upstream platform: signed, in order per deal, retried.

Each pass takes the oldest unsent records; a deal whose oldest unsent record is waiting out a
back-off is skipped whole, so a deal's records arrive in the order they were queued while other
deals go on. One signed POST carries the batch; the upstream answers per record. A record is
marked sent only after the upstream's answer, in one transaction: if the process dies between
the two, the next pass sends it again and the upstream's idempotency key makes that harmless.
A failed request (network, timeout, 5xx, a refused signature) backs the batch off exponentially
(``next_attempt_at``); an unreachable upstream costs one timeout per pass, never a stuck worker.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select, update

from prex.audit.chain import canonical_json
from prex.exchange.dataspec.orm import dataspec_push_queue as queue
from prex.exchange.dataspec.signing import SIGNATURE_HEADER, push_signer, sign_body
from prex.shared import faults

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.exchange")

#: Refusals that may pass later (the parent is still on its way): retried with back-off.
RETRYABLE = frozenset({"missing-parent"})
#: How many pending rows one pass looks at to fill a batch.
LOOK_AHEAD = 1000
MAX_BATCHES = 20


def _eligible(rows: list[Any], now: datetime, size: int) -> list[Any]:
    """The oldest rows of deals not waiting out a back-off, in queue order."""
    blocked: set[str] = set()
    chosen: list[Any] = []
    for row in rows:
        if row.deal_code in blocked:
            continue
        if row.next_attempt_at > now:
            blocked.add(row.deal_code)  # nothing later of this deal may overtake it
            continue
        chosen.append(row)
        if len(chosen) == size:
            break
    return chosen


def _delay(services: Services, attempts: int) -> timedelta:
    settings = services.settings
    seconds = settings.upstream_retry_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.upstream_retry_max_seconds))


def _back_off(services: Services, rows: list[Any], error: str, now: datetime) -> None:
    with services.writer_session() as session:
        for row in rows:
            attempts = int(row.attempts) + 1
            session.execute(
                update(queue)
                .where(queue.c.id == row.id, queue.c.sent_at.is_(None))
                .values(
                    attempts=attempts,
                    next_attempt_at=now + _delay(services, attempts),
                    last_error=error[:500],
                )
            )
        session.commit()


def _record_answers(
    services: Services, rows: list[Any], answers: dict[str, dict[str, Any]], now: datetime
) -> int:
    sent = 0
    with services.writer_session() as session:
        for row in rows:
            answer = answers.get(row.idempotency_key)
            status = None if answer is None else answer.get("status")
            code = None if answer is None else answer.get("code")
            if status in ("accepted", "duplicate"):
                values: dict[str, Any] = {"sent_at": now, "outcome": status, "last_error": None}
                sent += 1
            elif status == "refused" and code not in RETRYABLE:
                values = {
                    "sent_at": now,
                    "outcome": "refused",
                    "refusal": str(code)[:32],
                    "last_error": str(answer.get("message", ""))[:500] if answer else None,
                }
                log.warning("upstream refused %s: %s", row.idempotency_key, values["last_error"])
            else:
                attempts = int(row.attempts) + 1
                values = {
                    "attempts": attempts,
                    "next_attempt_at": now + _delay(services, attempts),
                    "last_error": f"{code or 'no answer'}: "
                    + str((answer or {}).get("message", ""))[:400],
                }
            session.execute(update(queue).where(queue.c.id == row.id).values(**values))
        session.commit()
    return sent


def _post(services: Services, rows: list[Any], client: httpx.Client) -> dict[str, dict[str, Any]]:
    body = canonical_json(
        {
            "platform_code": services.settings.platform_code,
            "records": [
                {
                    "idempotency_key": r.idempotency_key,
                    "dataset": r.dataset,
                    "version": r.version,
                    "record": r.record,
                }
                for r in rows
            ],
        }
    )
    signature = sign_body(services, push_signer(services), body)
    url = services.settings.upstream_url
    assert url is not None
    response = client.post(
        url,
        content=body,
        headers={"content-type": "application/json", SIGNATURE_HEADER: signature},
    )
    if response.status_code != 200:
        detail = response.text[:300]
        raise httpx.HTTPStatusError(
            f"upstream answered {response.status_code}: {detail}",
            request=response.request,
            response=response,
        )
    results = response.json()["results"]
    return {str(r["idempotency_key"]): r for r in results}


def push_pending(services: Services, *, transport: httpx.BaseTransport | None = None) -> int:
    """Send what is due; returns how many records the upstream accepted (or already had)."""
    settings = services.settings
    if not settings.upstream_url:
        return 0
    sent = 0
    with httpx.Client(timeout=settings.upstream_timeout, transport=transport) as client:
        for _ in range(MAX_BATCHES):
            now = services.clock.now()
            with services.read_session() as session:
                pending = session.execute(
                    select(queue)
                    .where(queue.c.sent_at.is_(None))
                    .order_by(queue.c.id)
                    .limit(LOOK_AHEAD)
                ).all()
            rows = _eligible(list(pending), now, settings.upstream_batch)
            if not rows:
                break
            try:
                answers = _post(services, rows, client)
            except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                _back_off(services, rows, f"{type(exc).__name__}: {exc}", now)
                log.warning("push to %s failed: %s", settings.upstream_url, exc)
                break
            faults.point("dataspec.after_ack")  # the upstream stored the batch; no cursor move
            done = _record_answers(services, rows, answers, now)
            sent += done
            if len(rows) < settings.upstream_batch:
                break
    return sent
