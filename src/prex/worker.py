"""``prex worker``: timed transitions and outbox consumers, in a loop.

Each pass is idempotent and safe beside other workers: transitions re-check under a row lock,
and outbox consumers move their cursor in the same transaction as their output.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass

from prex.analytics.warehouse.refresh import refresh_due
from prex.archive.service import run_archiving
from prex.auctions.timeline import run_due_listings
from prex.bidding.uploads import sweep_uploads
from prex.bootstrap import Services
from prex.credit.experts import consume_expert_behaviour
from prex.evaluation.interruption import dissolve_interrupted
from prex.exchange.dataspec.outbound import queue_dataspec_records
from prex.exchange.dataspec.sender import push_pending
from prex.exchange.federation.index import index_backlog
from prex.exchange.federation.pull import pull_due
from prex.exchange.quality.consumer import score_quality
from prex.exchange.releases.publisher import publish_releases
from prex.guarantees.outcomes import run_guarantees
from prex.identity.policy import SYSTEM
from prex.notifications.channels import installed_channels
from prex.notifications.service import dispatch_notifications, send_pending
from prex.ops.metrics import WORKER_PASS
from prex.pki.service import refresh_due_crls
from prex.tenders.service import run_due_transitions
from prex.webhooks.delivery import run_webhooks

log = logging.getLogger("prex.worker")


@dataclass(frozen=True)
class PassResult:
    transitions: int
    notifications: int
    emails: int
    crls: int = 0
    uploads: int = 0  # expired resumable uploads and stale spool files removed
    dissolved: int = 0  # committees dissolved by an interruption beyond the limit, and redrawn
    listings: int = 0  # listings opened, moved to their timed round or closed
    releases: int = 0  # OCDS releases published from public events
    pushed: int = 0  # data-spec records the upstream platform accepted
    federated: int = 0  # releases pulled from federation sources
    scored: int = 0  # data-spec record versions judged and deals re-scored for data quality
    warehoused: int = 0  # tenders and OCDS processes a due warehouse refresh wrote
    credit: int = 0  # experts' credit records made from their answers to a draw (no-shows …)
    archived: int = 0  # archives of ended transactions built (signed, timestamped, stored)
    webhooks: int = 0  # webhook deliveries the receivers accepted
    guarantees: int = 0  # bid guarantees released or claimed with their providers
    messages: int = 0  # notifications sent through channels other than e-mail (SMS …)

    def summary(self) -> str:
        """What the pass did, for the log: the non-zero counts by name."""
        done = dataclasses.asdict(self)
        return ", ".join(f"{count} {name}" for name, count in done.items() if count)


def run_once(services: Services) -> PassResult:
    transitions = run_due_transitions(services.uow, services.clock, services.rule_packs)
    notified = dispatch_notifications(services.uow(SYSTEM))
    sent = send_pending(services.writer_session, installed_channels(services), services.clock)
    emails = sent.pop("email", 0)
    crls = refresh_due_crls(services)
    swept = sweep_uploads(services)
    dissolved = dissolve_interrupted(services)
    listings = run_due_listings(services)
    releases = publish_releases(services)
    queue_dataspec_records(services)
    pushed = push_pending(services)
    index_backlog(services)
    federated = pull_due(services)
    scored = score_quality(services)
    credit = consume_expert_behaviour(services)
    archived = run_archiving(services)
    guaranteed = run_guarantees(services)  # after the award's events: releases follow them
    webhooks = run_webhooks(services)  # receivers: short timeouts, one subscription at a time
    warehoused = refresh_due(services)  # last: a failing refresh holds up nothing else
    return PassResult(
        transitions,
        notified,
        emails,
        crls=crls,
        uploads=swept,
        dissolved=dissolved,
        listings=listings,
        releases=releases,
        pushed=pushed,
        federated=federated,
        scored=scored,
        warehoused=warehoused,
        credit=credit,
        archived=archived,
        webhooks=webhooks,
        guarantees=guaranteed,
        messages=sum(sent.values()),
    )


def run_forever(services: Services, stop: threading.Event, interval: float | None = None) -> None:
    wait = interval if interval is not None else services.settings.worker_interval_seconds
    while not stop.is_set():
        try:
            with WORKER_PASS.time():
                result = run_once(services)
            if any(dataclasses.astuple(result)):
                log.info("worker pass: %s", result.summary())
        except Exception:  # keep the loop alive; the next pass retries
            log.exception("worker pass failed")
        stop.wait(wait)
