"""Webhook fan-out: 100 subscribers on loopback, 10,000 events, from commit to delivery.

Setup (not timed): a real SQLite platform database with one published tender, N receivers on
loopback (one HTTP server each, answering 204) and N subscriptions to every public event.

Ours (timed): a producer commits public events (``TenderStatusChanged`` notes on the published
tender, through the unit of work: audit chain and outbox, ``--batch`` per transaction, paced at
``--rate`` events a second) while a worker thread runs the webhook pass (:func:`run_webhooks`:
fan-out, then signed deliveries, subscriptions side by side) back to back. Every receiver
records when each delivery arrived; the delay of a delivery is its arrival minus its event's
commit time (the outbox ``at``), so it includes the worker's polling, the fan-out, the signature
and the POST.

Figures, each beside its baseline in the same run:

* ``webhooks_throughput``: deliveries a second (all of them over the span from the first commit
  to the last arrival) beside the **raw outbox read rate** (outbox rows a second scanned by
  :func:`prex.exchange.feed.scan_outbox`, 1,000 a page, nothing else done);
* ``webhooks_p99``: the 99th percentile delay from commit to delivery, beside the p99 of a bare
  unsigned POST of the same bodies to the same receivers (the loopback floor).

    .venv/bin/python bench/webhooks.py                 # 100 subscribers, 10,000 events
    .venv/bin/python bench/webhooks.py --quick         # smoke: 5 subscribers, 200 events

It ends, as every benchmark here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # for tests.factories and tests.webhook_receiver

from tests.factories import ADMIN_ACTOR, auth, make_world, published_tender  # noqa: E402
from tests.webhook_receiver import Receiver  # noqa: E402

from prex.bootstrap import Services, bootstrap  # noqa: E402
from prex.config import get_settings  # noqa: E402
from prex.db.migrate import upgrade  # noqa: E402
from prex.exchange.feed import scan_outbox  # noqa: E402
from prex.identity.policy import SYSTEM  # noqa: E402
from prex.integrations.service import register_client  # noqa: E402
from prex.tenders.events import TenderStatusChanged  # noqa: E402
from prex.web.app import create_app  # noqa: E402
from prex.webhooks import service as webhooks  # noqa: E402
from prex.webhooks.delivery import run_webhooks  # noqa: E402


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (as numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    at = (len(ordered) - 1) * pct / 100
    low = math.floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def fmt(value: float) -> str:
    """At least three significant figures, one decimal at least (no exponent)."""
    if value >= 10:
        return f"{value:.1f}"
    if value <= 0:
        return "0"
    return f"{value:.{max(2, 2 - math.floor(math.log10(value)))}f}"


def result(name: str, ours: float, base: float, unit: str) -> str:
    ratio = ours / base
    return f"RESULT {name} ours={fmt(ours)}{unit} baseline={fmt(base)}{unit} ratio={fmt(ratio)}"


def produce(services: Services, tender_id: str, events: int, batch: int, rate: float) -> None:
    """Commit ``events`` public events, ``batch`` per transaction, paced at ``rate`` a second."""
    started = time.monotonic()
    done = 0
    while done < events:
        count = min(batch, events - done)
        with services.uow(SYSTEM) as uow:
            for i in range(count):
                note = f"bench event {done + i}"
                uow.record(
                    TenderStatusChanged(
                        "tender", tender_id, uow.clock.now(), "published", "published", note
                    )
                )
            uow.commit()
        done += count
        ahead = done / rate - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)


def outbox_read_rate(services: Services) -> tuple[float, int]:
    """Outbox rows a second, scanned in pages of 1,000 (the best of three passes)."""
    best, rows = math.inf, 0
    for _ in range(3):
        started = time.perf_counter()
        position, rows = 0, 0
        with services.read_connection() as conn:
            while page := scan_outbox(conn, position, 1000):
                rows += len(page)
                position = page[-1].seq
        best = min(best, time.perf_counter() - started)
    return rows / best, rows


def bare_posts(receivers: list[Receiver], bodies: list[bytes]) -> list[float]:
    """Delays of unsigned POSTs of the same bodies, one after another, to each receiver."""
    delays: list[float] = []
    with httpx.Client(timeout=5, trust_env=False) as client:
        for receiver in receivers:
            for body in bodies:
                started = time.perf_counter()
                client.post(
                    receiver.url, content=body, headers={"content-type": "application/json"}
                )
                delays.append(time.perf_counter() - started)
    return delays


def run(work: Path, subscribers: int, events: int, batch: int, rate: float) -> int:
    settings = get_settings(
        environment="test",
        data_dir=work / "data",
        password_hashing="fast",
        webhook_concurrency=min(32, subscribers),
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    services = bootstrap(settings)
    receivers = [Receiver().start() for _ in range(subscribers)]
    try:
        world = make_world(services)
        with TestClient(create_app(services)) as client:
            tender = published_tender(client, world, auth(services, "agency"))
        owner = register_client(
            services.uow(ADMIN_ACTOR),
            name="bench",
            org_id=world.orgs["bidder"],
            scopes=["public.read"],
        ).client_id
        for receiver in receivers:
            webhooks.subscribe(
                services.uow(ADMIN_ACTOR),
                webhooks.Subscribe(client_id=owner, url=receiver.url, events=["*"]),
            )
        run_webhooks(services)  # the tender's own events; keys made
        for receiver in receivers:
            receiver.received.clear()

        stop = threading.Event()

        def worker() -> None:
            while not stop.is_set():
                if run_webhooks(services) == 0:
                    time.sleep(0.02)

        thread = threading.Thread(target=worker, name="bench-worker")
        started = time.time()
        thread.start()
        produce(services, tender["id"], events, batch, rate)
        expected = subscribers * events
        deadline = time.monotonic() + max(120.0, events / 10)
        while sum(len(r.received) for r in receivers) < expected:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        stop.set()
        thread.join()
        got = [d for r in receivers for d in r.received]
        delays = [d.at - datetime.fromisoformat(json.loads(d.body)["at"]).timestamp() for d in got]
        seqs_in_order = all(
            [json.loads(d.body)["seq"] for d in r.received]
            == sorted(json.loads(d.body)["seq"] for d in r.received)
            for r in receivers
        )
        span = max(d.at for d in got) - started
        ours_rate = len(got) / span
        outbox_rate, outbox_rows = outbox_read_rate(services)
        ours_p99 = percentile(delays, 99) * 1000
        sample = [d.body for d in receivers[0].received[:200]]
        base_p99 = percentile(bare_posts(receivers[: min(5, subscribers)], sample), 99) * 1000

        print(f"subscribers {subscribers}, events {events} ({batch} a commit, {rate:g}/s)")
        print(f"deliveries  {len(got)} of {expected}, in order per subscriber: {seqs_in_order}")
        print(f"span        {span:.2f} s from the first commit to the last arrival")
        print(f"delay       median {percentile(delays, 50) * 1000:.1f} ms, p99 {ours_p99:.1f} ms")
        print(f"outbox      {outbox_rows} rows, read at {outbox_rate:,.0f} rows/s")
        print(f"bare POST   p99 {base_p99:.2f} ms (unsigned, loopback)")
        if len(got) != expected or not seqs_in_order:
            print("FAILED: deliveries missing or out of order", file=sys.stderr)
            return 1
        print(result("webhooks_throughput", ours_rate, outbox_rate, "msg/s"))
        print(result("webhooks_p99", ours_p99, base_p99, "ms"))
        return 0
    finally:
        for receiver in receivers:
            receiver.stop()
        services.close()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--subscribers", type=int, default=None)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--batch", type=int, default=20, help="events per transaction")
    parser.add_argument("--rate", type=float, default=None, help="events committed a second")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    subscribers = args.subscribers or (5 if args.quick else 100)
    events = args.events or (200 if args.quick else 10_000)
    rate = args.rate or (200.0 if args.quick else 500.0)
    with tempfile.TemporaryDirectory(prefix="prex-bench-webhooks-") as work:
        return run(Path(work), subscribers, events, args.batch, rate)


if __name__ == "__main__":
    sys.exit(main())
