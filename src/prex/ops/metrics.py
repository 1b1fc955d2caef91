"""Prometheus metrics: what the web processes, the worker and the domain count.

Counters and histograms live in prometheus_client's default registry of this process. With
several server processes set ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder, wiped at each start,
shared by the web processes and the workers): every process then writes its samples there and
``/metrics`` adds them up (prometheus_client's multiprocess mode). Worker lag is not a sample at
all: it is read from the outbox at scrape time, so it is right whichever process answers.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from prex.shared.events import DomainEvent

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HTTP_REQUESTS = Counter(
    "prex_http_requests_total",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "prex_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
DOMAIN_EVENTS = Counter(
    "prex_domain_events_total", "Domain events committed (audit entries), by event", ["event"]
)
BIDS_RECEIVED = Counter("prex_bids_received_total", "Sealed bids received (BidReceived)")
OPENINGS = Counter("prex_openings_total", "Bid openings completed (BidsOpened)")
OPENING_DURATION = Histogram(
    "prex_opening_duration_seconds",
    "Time to open every envelope of a tender (POST …/opening/open)",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
AUCTION_BIDS = Counter("prex_auction_bids_total", "Auction bids accepted (BidAccepted)")
WEBHOOK_DELIVERIES = Counter(
    "prex_webhook_deliveries_total", "Webhook delivery attempts, by outcome", ["outcome"]
)
WORKER_PASS = Histogram(
    "prex_worker_pass_duration_seconds",
    "Time one worker pass takes",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)

_EVENT_COUNTERS = {
    "BidReceived": BIDS_RECEIVED,
    "BidsOpened": OPENINGS,
    "BidAccepted": AUCTION_BIDS,
}


def count_events(events: Iterable[DomainEvent]) -> None:
    """Called by the unit of work once a transaction has committed."""
    for event in events:
        name = type(event).__name__
        DOMAIN_EVENTS.labels(name).inc()
        counter = _EVENT_COUNTERS.get(name)
        if counter is not None:
            counter.inc()


def count_deliveries(outcomes: Iterable[dict[str, Any]]) -> None:
    for outcome in outcomes:
        WEBHOOK_DELIVERIES.labels(
            "delivered" if outcome.get("status") == "delivered" else "failed"
        ).inc()


class WorkerLagCollector(Collector):
    """``prex_worker_lag_seconds{consumer}``: how far each outbox consumer's cursor is behind
    the newest outbox row, in seconds of event time (0 when caught up), and
    ``prex_outbox_backlog{consumer}`` in rows."""

    def __init__(self, services: Any) -> None:
        self._services = services

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from prex.audit.orm import outbox, outbox_cursors

        lag = GaugeMetricFamily(
            "prex_worker_lag_seconds",
            "Seconds between the newest outbox event and the one a consumer has reached",
            labels=["consumer"],
        )
        backlog = GaugeMetricFamily(
            "prex_outbox_backlog", "Outbox events a consumer has not read yet", labels=["consumer"]
        )
        with self._services.read_connection() as conn:
            newest = conn.execute(select(func.max(outbox.c.seq))).scalar()
            newest_at = (
                conn.execute(select(outbox.c.at).where(outbox.c.seq == newest)).scalar()
                if newest is not None
                else None
            )
            for consumer, position in conn.execute(
                select(outbox_cursors.c.consumer, outbox_cursors.c.position)
            ):
                behind = max(0, int(newest or 0) - int(position))
                seconds = 0.0
                if behind and newest_at is not None:
                    first_unread = conn.execute(
                        select(func.min(outbox.c.at)).where(outbox.c.seq > position)
                    ).scalar()
                    if first_unread is not None:
                        seconds = max(0.0, (newest_at - first_unread).total_seconds())
                lag.add_metric([consumer], seconds)
                backlog.add_metric([consumer], behind)
        yield lag
        yield backlog


def render(services: Any) -> tuple[bytes, str]:
    """The exposition text: this process's samples (or every process's, in multiprocess mode)
    plus the worker lag read now."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    lag_registry = CollectorRegistry()
    lag_registry.register(WorkerLagCollector(services))
    return body + generate_latest(lag_registry), CONTENT_TYPE_LATEST


def metrics_allowed(
    address: str | None, authorization: str | None, allow: str, token: str | None
) -> bool:
    """``/metrics`` is not public: a scraper either comes from an allowed network or presents
    the configured bearer token."""
    if (
        token
        and authorization
        and authorization.lower().startswith("bearer ")
        and secrets.compare_digest(authorization[7:].strip().encode(), token.encode())
    ):
        return True
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in allow.split(","):
        network = network.strip()
        if network and ip in ipaddress.ip_network(network, strict=False):
            return True
    return False
