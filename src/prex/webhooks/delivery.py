"""From the outbox to the receivers: fan-out, then signed deliveries, in order per subscription.

**Fan-out** (:func:`enqueue_deliveries`). The consumer ``webhooks`` reads the public change feed
(:func:`prex.exchange.feed.public_changes`: public event types of objects public *now*, with the
object's public form) after its cursor in ``outbox_cursors``. For every change some active
subscription wants, it stores the body once (``webhook_events``) and one pending delivery per
subscription, and moves its cursor — all in one transaction, so a crash repeats nothing and loses
nothing. A subscription receives the changes committed after it was made, never older ones.

**Sending** (:func:`deliver_due`). Each subscription is its own queue: a pass takes, per
subscription, its oldest pending delivery; if that one is waiting out a back-off the subscription
is skipped whole, so nothing later overtakes a failed earlier delivery (a receiver that was down
gets every event once it returns, in outbox order). Subscriptions are served by a thread pool,
each sending its deliveries one after the other with a short timeout; a failure backs that one
subscription off exponentially (``webhook_retry_seconds`` doubling up to
``webhook_retry_max_seconds``) and costs the pass at most one timeout for it, while the others go
on. Deliveries still failing ``webhook_max_age_hours`` after they were queued expire (given up;
a manual redelivery puts them back). A worker leases a subscription's head before sending
(:func:`_lease`), so two workers side by side never send the same subscription at once. All of
this happens in ``prex worker``, never in a request's
transaction: a slow or dead receiver cannot delay the platform's users.

**What is signed.** The bytes ``{id}.{timestamp}.{body}`` — the ``Prex-Webhook-Id`` header (the
message id: one per event, ``{platform code}-{outbox seq}``, the same for every subscriber and
on every retry, as in the Standard Webhooks convention), a full stop, the
``Prex-Webhook-Timestamp`` header (Unix seconds, decimal), a full stop and the request body
exactly as sent — as a detached CMS signature (DER, base64 in ``Prex-Webhook-Signature``) by the
platform's signing certificate, the platform CA's certificate included; the CA is published at
``GET /api/v1/webhooks/certificates``. Delivery is at least once: a receiver drops an id it has
already processed, and a timestamp outside its window (docs/webhooks.md). Since the id and the
body are the same for every subscriber of an event, a pass signs each message once and sends that
signature, with its timestamp, to every subscription it reaches within 30 seconds
(:class:`SignatureCache`): signing, not sending, was what bounded the fan-out.
"""

from __future__ import annotations

import base64
import http.client
import logging
import ssl
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from sqlalchemy import CursorResult, bindparam, func, insert, select, update

from prex.audit.chain import canonical_json
from prex.audit.consumers import ensure_cursor
from prex.audit.orm import outbox_cursors
from prex.exchange.feed import head_position, public_changes
from prex.ops.metrics import count_deliveries
from prex.pki.cms import sign_detached
from prex.shared import faults
from prex.shared.clock import ensure_utc
from prex.shared.ids import new_id
from prex.webhooks.model import DeliveryStatus, message_id
from prex.webhooks.orm import webhook_deliveries as deliveries
from prex.webhooks.orm import webhook_events as bodies
from prex.webhooks.orm import webhook_subscriptions as subscriptions
from prex.webhooks.service import load_subscriptions

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.webhooks")

CONSUMER = "webhooks"
ID_HEADER = "Prex-Webhook-Id"
TIMESTAMP_HEADER = "Prex-Webhook-Timestamp"
SIGNATURE_HEADER = "Prex-Webhook-Signature"
EVENT_HEADER = "Prex-Webhook-Event"
USER_AGENT = "prex-webhooks/1"
#: Outbox rows one fan-out transaction reads, and how many such batches one pass runs.
FANOUT_BATCH = 500
FANOUT_BATCHES = 20
#: Deliveries one subscription sends per pass, read (and their outcomes written) this many at once.
PER_PASS = 1000
CHUNK = 50
#: How long a worker holds a subscription it is sending to (at least; see :func:`_lease`).
LEASE_SECONDS = 60.0
#: How long one signature of a message serves its subscribers, and how many a pass keeps.
SIGNATURE_REUSE_SECONDS = 30
SIGNATURE_REUSE = timedelta(seconds=SIGNATURE_REUSE_SECONDS)
SIGNATURE_CACHE_SIZE = 20_000
#: How much of a receiver's answer is read (the rest is ignored; the code is what counts).
MAX_ANSWER = 64 * 1024


# -- fan-out ------------------------------------------------------------------------------------


def _lock_cursor(session: Any) -> int:
    return int(
        session.execute(
            select(outbox_cursors.c.position)
            .where(outbox_cursors.c.consumer == CONSUMER)
            .with_for_update()
        ).scalar_one()
    )


def _move_cursor(session: Any, position: int) -> None:
    session.execute(
        update(outbox_cursors)
        .where(outbox_cursors.c.consumer == CONSUMER)
        .values(position=position)
    )


def enqueue_deliveries(services: Services, *, batch: int = FANOUT_BATCH) -> int:
    """Fan the public changes after the cursor out to the subscriptions that want them; returns
    how many deliveries were queued. Without any active subscription the cursor jumps to the
    head: a subscription made later starts with the changes after it."""
    queued = 0
    with services.writer_session() as session:
        ensure_cursor(session, CONSUMER)
    for _ in range(FANOUT_BATCHES):
        with services.writer_session() as session:
            position = _lock_cursor(session)
            # The head before the subscriptions: a subscription not seen below was made after
            # every change up to this head, so skipping them loses it nothing.
            with services.read_connection() as conn:
                head = head_position(conn)
            wanted = [s for s in load_subscriptions(session) if s.active]
            if not wanted:
                if head > position:
                    _move_cursor(session, head)
                    session.commit()
                return queued
            session.rollback()  # the page is read without holding the cursor lock
        page = public_changes(services, position, batch)
        now = services.clock.now()
        with services.writer_session() as session:
            if _lock_cursor(session) != position:
                return queued  # another worker took this batch
            wanted = [s for s in load_subscriptions(session) if s.active]
            event_rows: list[dict[str, Any]] = []
            delivery_rows: list[dict[str, Any]] = []
            for change in page.changes:
                targets = [s for s in wanted if s.wants(change.event)]
                if not targets:
                    continue
                body = {"platform": services.settings.platform_code, **change.to_json()}
                event_rows.append(
                    {
                        "seq": change.seq,
                        "event": change.event,
                        "at": change.at,
                        "body": canonical_json(body).decode("utf-8"),
                    }
                )
                delivery_rows.extend(
                    {
                        "id": new_id(),
                        "subscription_id": s.id,
                        "seq": change.seq,
                        "event": change.event,
                        "status": DeliveryStatus.PENDING.value,
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for s in targets
                )
            if event_rows:
                session.execute(insert(bodies), event_rows)
                session.execute(insert(deliveries), delivery_rows)
            _move_cursor(session, page.position)
            session.commit()
        queued += len(delivery_rows)
        if not page.has_more:
            break
    return queued


# -- signing ------------------------------------------------------------------------------------


def signed_bytes(message: str, timestamp: int, body: bytes) -> bytes:
    """What the signature covers: ``{id}.{timestamp}.{body}``, the body byte for byte."""
    return f"{message}.{timestamp}.".encode("ascii") + body


def signed_headers(
    services: Services, message: str, event: str, body: bytes, now: datetime
) -> dict[str, str]:
    """The headers of one attempt: id, timestamp, event and the signature over them and body."""
    keys = services.pki.platform_keys()
    timestamp = int(ensure_utc(now).timestamp())
    der = sign_detached(
        signed_bytes(message, timestamp, body),
        keys.signing_certificate,
        keys.signing_key,
        chain=(keys.ca_certificate,),
        signing_time=now,
    )
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        ID_HEADER: message,
        TIMESTAMP_HEADER: str(timestamp),
        EVENT_HEADER: event,
        SIGNATURE_HEADER: base64.b64encode(der).decode("ascii"),
    }


class SignatureCache:
    """Signed headers of a message, made once and shared by every subscription that sends it
    within :data:`SIGNATURE_REUSE_SECONDS` — so a fan-out to a hundred subscribers costs one
    signature, not a hundred. The timestamp a receiver sees is when the signature was made: at
    most that many seconds before the attempt, well inside a receiver's window (5 minutes in
    docs/webhooks.md). One per pass: it never outlives the pass's keys."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = threading.Lock()
        self._signed: dict[str, tuple[datetime, dict[str, str]]] = {}

    def headers(self, message: str, event: str, body: bytes, now: datetime) -> dict[str, str]:
        # Signing under the lock: the threads contend for the interpreter anyway, and the
        # subscribers that arrive while one signs wait for that signature instead of making
        # their own.
        with self._lock:
            found = self._signed.get(message)
            if found is None or not timedelta(0) <= now - found[0] < SIGNATURE_REUSE:
                if len(self._signed) >= SIGNATURE_CACHE_SIZE:  # a long pass: keep memory flat
                    self._signed.clear()
                found = (now, signed_headers(self.services, message, event, body, now))
                self._signed[message] = found
        return dict(found[1])


# -- sending ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Head:
    subscription_id: str
    url: str


def _delay(services: Services, attempts: int) -> timedelta:
    settings = services.settings
    seconds = settings.webhook_retry_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.webhook_retry_max_seconds))


def backoff_schedule(services: Services, attempts: int) -> list[timedelta]:
    """The waits after each of the first ``attempts`` failures (for docs and tests)."""
    return [_delay(services, n) for n in range(1, attempts + 1)]


def expire_old(services: Services, now: datetime) -> int:
    """Give up on deliveries queued more than ``webhook_max_age_hours`` ago and still failing."""
    limit = now - timedelta(hours=services.settings.webhook_max_age_hours)
    with services.writer_session() as session:
        done = session.execute(
            update(deliveries)
            .where(
                deliveries.c.status == DeliveryStatus.PENDING.value,
                deliveries.c.created_at < limit,
            )
            .values(status=DeliveryStatus.EXPIRED.value, last_error="expired: too old to retry")
        )
        session.commit()
    count = int(cast(CursorResult[Any], done).rowcount or 0)
    if count:
        log.warning("%d webhook deliveries expired after failing too long", count)
    return count


def _due_heads(services: Services, now: datetime) -> list[_Head]:
    """Active subscriptions whose oldest pending delivery is due now."""
    with services.read_session() as session:
        oldest = (
            select(deliveries.c.subscription_id, func.min(deliveries.c.seq).label("seq"))
            .where(deliveries.c.status == DeliveryStatus.PENDING.value)
            .group_by(deliveries.c.subscription_id)
            .subquery()
        )
        rows = session.execute(
            select(subscriptions.c.id, subscriptions.c.url, deliveries.c.next_attempt_at)
            .join(oldest, oldest.c.subscription_id == subscriptions.c.id)
            .join(
                deliveries,
                (deliveries.c.subscription_id == oldest.c.subscription_id)
                & (deliveries.c.seq == oldest.c.seq),
            )
            .where(subscriptions.c.active.is_(True))
            .order_by(subscriptions.c.id)
        ).all()
    return [_Head(r.id, r.url) for r in rows if ensure_utc(r.next_attempt_at) <= now]


def _pending(services: Services, subscription_id: str, limit: int) -> Sequence[Any]:
    with services.read_session() as session:
        return session.execute(
            select(
                deliveries.c.id,
                deliveries.c.seq,
                deliveries.c.event,
                deliveries.c.attempts,
                bodies.c.body,
            )
            .join(bodies, bodies.c.seq == deliveries.c.seq)
            .where(
                deliveries.c.subscription_id == subscription_id,
                deliveries.c.status == DeliveryStatus.PENDING.value,
            )
            .order_by(deliveries.c.seq)
            .limit(limit)
        ).all()


def _record(services: Services, outcomes: list[dict[str, Any]]) -> None:
    """Write the outcomes of one chunk in one transaction: one statement per shape of outcome
    (delivered, failed), executed for all its rows at once."""
    if not outcomes:
        return
    count_deliveries(outcomes)
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for outcome in outcomes:
        values = {k: v for k, v in outcome.items() if k != "id"}
        shapes.setdefault(tuple(sorted(values)), []).append(
            {"delivery": outcome["id"], **{f"new_{k}": v for k, v in values.items()}}
        )
    with services.writer_session() as session:
        for columns, rows in shapes.items():
            session.execute(
                update(deliveries)
                .where(
                    deliveries.c.id == bindparam("delivery"),
                    deliveries.c.status == DeliveryStatus.PENDING.value,
                )
                .values({c: bindparam(f"new_{c}") for c in columns}),
                rows,
            )
        session.commit()


def _attempt(
    services: Services, conn: _Connection, signer: SignatureCache, row: Any
) -> tuple[int | None, str | None]:
    """Send one delivery: (response code or None, error or None for success)."""
    now = services.clock.now()
    body = str(row.body).encode("utf-8")
    message = message_id(services.settings.platform_code, int(row.seq))
    headers = signer.headers(message, str(row.event), body, now)
    try:
        code = conn.post(body, headers)
    except (OSError, http.client.HTTPException) as exc:
        conn.close()  # a fresh connection for the next attempt
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= code < 300:
        return code, None
    return code, f"the receiver answered {code}"


def _lease(services: Services, delivery_id: str) -> bool:
    """Take the subscription's oldest pending delivery for this worker: push its due time past
    the lease if it is due now. Another worker running the same pass then finds the
    subscription's head not due and leaves the whole subscription alone (order holds, nothing is
    sent twice by two live workers); if this one dies, the lease runs out and a retry follows."""
    now = services.clock.now()
    lease = timedelta(seconds=max(LEASE_SECONDS, services.settings.webhook_timeout * 4))
    with services.writer_session() as session:
        taken = session.execute(
            update(deliveries)
            .where(
                deliveries.c.id == delivery_id,
                deliveries.c.status == DeliveryStatus.PENDING.value,
                deliveries.c.next_attempt_at <= now,
            )
            .values(next_attempt_at=now + lease)
        )
        session.commit()
    return cast(CursorResult[Any], taken).rowcount == 1


class _Connection:
    """One subscription's connection for a pass: one receiver, kept alive between its
    deliveries, reopened after a failure. The standard library's ``http.client`` — a third of
    the interpreter time of a general-purpose client per request, which was what bounded a
    fan-out to a hundred receivers; redirects are not followed and no proxy is used."""

    def __init__(self, url: str, timeout: float, tls: ssl.SSLContext) -> None:
        parts = urlsplit(url)
        self.https = parts.scheme == "https"
        self.host, self.port = parts.hostname or "", parts.port
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.timeout, self.tls = timeout, tls
        self._conn: http.client.HTTPConnection | None = None

    def _open(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.https:
                self._conn = http.client.HTTPSConnection(
                    self.host, self.port, timeout=self.timeout, context=self.tls
                )
            else:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def post(self, body: bytes, headers: dict[str, str]) -> int:
        conn = self._open()
        conn.request("POST", self.target, body=body, headers=headers)
        response = conn.getresponse()
        response.read(MAX_ANSWER)  # drained (up to a limit) so that the connection is reusable
        if response.will_close or not response.isclosed():
            self.close()
        return response.status

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _serve(services: Services, signer: SignatureCache, head: _Head, tls: ssl.SSLContext) -> int:
    """Send one subscription's due deliveries in order until one fails; returns how many went."""
    conn = _Connection(head.url, services.settings.webhook_timeout, tls)
    try:
        return _serve_with(services, conn, signer, head)
    finally:
        conn.close()


def _serve_with(services: Services, conn: _Connection, signer: SignatureCache, head: _Head) -> int:
    sent = 0
    while sent < PER_PASS:
        rows = _pending(services, head.subscription_id, CHUNK)
        if not rows or not _lease(services, str(rows[0].id)):
            break
        outcomes: list[dict[str, Any]] = []
        failed = False
        for row in rows:
            code, error = _attempt(services, conn, signer, row)
            faults.point("webhooks.after_post")  # the receiver answered; nothing recorded yet
            now = services.clock.now()
            attempts = int(row.attempts) + 1
            if error is None:
                outcomes.append(
                    {
                        "id": row.id,
                        "status": DeliveryStatus.DELIVERED.value,
                        "attempts": attempts,
                        "last_attempt_at": now,
                        "delivered_at": now,
                        "response_code": code,
                        "last_error": None,
                    }
                )
                sent += 1
                continue
            outcomes.append(
                {
                    "id": row.id,
                    "attempts": attempts,
                    "last_attempt_at": now,
                    "next_attempt_at": now + _delay(services, attempts),
                    "response_code": code,
                    "last_error": error,
                }
            )
            failed = True
            break
        _record(services, outcomes)
        if failed or len(rows) < CHUNK:
            break
    return sent


def deliver_due(services: Services) -> int:
    """Send every subscription's due deliveries (each subscription in order, subscriptions side
    by side); returns how many the receivers accepted."""
    now = services.clock.now()
    expire_old(services, now)
    heads = _due_heads(services, now)
    if not heads:
        return 0
    services.pki.platform_keys()  # loaded (or made) once, before the threads share them
    workers = min(services.settings.webhook_concurrency, len(heads))
    signer = SignatureCache(services)
    tls = ssl.create_default_context()  # one for the pass: loading the CA store is not free
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhooks") as pool:
        return sum(pool.map(lambda head: _serve(services, signer, head, tls), heads))


def run_webhooks(services: Services) -> int:
    """One worker pass: fan out what is new, then deliver what is due."""
    enqueue_deliveries(services)
    return deliver_due(services)
