"""Issue 9, faults: the worker killed (SIGKILL) after a receiver accepted webhook deliveries
but before it recorded them.

Delivery is at least once with a stable message id (docs/webhooks.md): the crash may make a
receiver see a message twice, never lose one, never see two ids for one event. Here a real
worker process (``run_once`` over its own engines, in a process of its own) posts two events to
a loopback receiver and dies before writing their outcomes. The deliveries stay pending under
the dead worker's lease — another worker does not send them meanwhile — and once the lease runs
out they are sent again with the same ids and bodies and recorded delivered once each. The audit
chain verifies and the blobs hash to their names after the crash and after the recovery."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.bootstrap import Services
from prex.config import Settings
from prex.shared.clock import FixedClock
from prex.webhooks.delivery import LEASE_SECONDS, run_webhooks
from prex.webhooks.orm import webhook_deliveries
from tests.crash_harness import audit_verifies, blobs_intact, crash_run
from tests.e2e.test_webhooks import subscribe
from tests.factories import World, auth, published_tender
from tests.webhook_receiver import Receiver


def _statuses(services: Services) -> list[tuple[str, int]]:
    with services.read_session() as s:
        rows = s.execute(
            select(webhook_deliveries.c.status, webhook_deliveries.c.attempts).order_by(
                webhook_deliveries.c.id
            )
        ).all()
    return [(r.status, r.attempts) for r in rows]


def test_a_worker_killed_after_the_receiver_answered_resends_with_the_same_ids(
    client: TestClient, world: World, services: Services, settings: Settings, clock: FixedClock
) -> None:
    receiver = Receiver().start()
    try:
        subscribe(client, services, receiver.url, ["TenderPublished"])
        agency = auth(services, "agency")
        for _ in range(2):
            published_tender(client, world, agency)

        crashed = crash_run(settings, clock.now(), failpoints="webhooks.after_post@2", worker=True)
        assert crashed.killed, crashed.output
        first = receiver.ids()
        assert len(first) == 2 and len(set(first)) == 2  # both accepted by the receiver …
        assert _statuses(services) == [("pending", 0), ("pending", 0)]  # … neither recorded
        audit_verifies(settings)
        blobs_intact(settings)

        # Another worker within the dead one's lease leaves the subscription alone.
        assert run_webhooks(services) == 0 and len(receiver.received) == 2

        clock.advance(timedelta(seconds=LEASE_SECONDS + 1))
        again = crash_run(settings, clock.now(), failpoints=None, worker=True)
        assert again.returncode == 0, again.output
        assert _statuses(services) == [("delivered", 1), ("delivered", 1)]
        assert Counter(receiver.ids()) == {first[0]: 2, first[1]: 2}  # the same ids, again
        bodies = {r.headers["prex-webhook-id"]: r.body for r in receiver.received[:2]}
        assert all(bodies[r.headers["prex-webhook-id"]] == r.body for r in receiver.received[2:])
        assert run_webhooks(services) == 0 and len(receiver.received) == 4  # nothing a third time
        audit_verifies(settings)
        blobs_intact(settings)
    finally:
        receiver.stop()
