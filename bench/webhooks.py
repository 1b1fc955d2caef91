"""Webhook fan-out: 100 subscribers on loopback, 10,000 events, from commit to delivery.

Setup (not timed): a real SQLite platform database with one published tender, N receivers on
loopback (one port each, answering 204, all served by one asyncio child process — this script
run with ``--serve-receivers`` — so that receiving does not compete with the platform's worker
for the interpreter) and N subscriptions to every public event.

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
import asyncio
import contextlib
import math
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # for tests.factories and tests.webhook_receiver

from tests.factories import ADMIN_ACTOR, auth, make_world, published_tender  # noqa: E402

from prex.audit.chain import canonical_json  # noqa: E402
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


def bare_posts(urls: list[str], bodies: list[bytes]) -> list[float]:
    """Delays of unsigned POSTs of the same bodies, one after another, to each receiver."""
    delays: list[float] = []
    with httpx.Client(timeout=5, trust_env=False) as client:
        for url in urls:
            for body in bodies:
                started = time.perf_counter()
                client.post(url, content=body, headers={"content-type": "application/json"})
                delays.append(time.perf_counter() - started)
    return delays


# -- the receivers: one asyncio process, one port per subscriber --------------------------------

_SEQ = re.compile(rb'"seq":(\d+)')
_AT = re.compile(rb'^\{"at":"([^"]+)"')
_LENGTH = re.compile(rb"(?im)^content-length:\s*(\d+)\s*$")
_NO_CONTENT = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"


async def _serve_receivers(count: int, ports_file: Path, log_file: Path) -> None:
    """Listen on ``count`` loopback ports; record (port, arrival, seq, commit time) of every
    POST; write the count to ``log_file.count`` as it grows, the records on SIGTERM."""
    records: list[tuple[int, float, int, str]] = []

    async def handle(port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = _LENGTH.search(head)
                body = await reader.readexactly(int(length.group(1))) if length else b""
                arrived = time.time()
                seq, at = _SEQ.search(body), _AT.search(body)
                if seq and at:
                    records.append((port, arrived, int(seq.group(1)), at.group(1).decode()))
                writer.write(_NO_CONTENT)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    servers = []
    for _ in range(count):
        holder: list[int] = []
        server = await asyncio.start_server(
            lambda r, w, h=holder: handle(h[0], r, w), "127.0.0.1", 0
        )
        holder.append(server.sockets[0].getsockname()[1])
        servers.append((holder[0], server))
    ports_file.write_text("\n".join(str(port) for port, _ in servers))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    counter = log_file.with_suffix(".count")
    while not stop.is_set():
        counter.write_text(str(len(records)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
    with log_file.open("w") as out:
        for port, arrived, seq, at in records:
            out.write(f"{port}\t{arrived!r}\t{seq}\t{at}\n")
    counter.write_text(str(len(records)))


class Receivers:
    """The child process serving every receiver, and what it recorded."""

    def __init__(self, count: int, work: Path) -> None:
        self.ports_file, self.log_file = work / "ports.txt", work / "received.tsv"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-receivers", str(count)]
            + ["--ports-file", str(self.ports_file), "--log-file", str(self.log_file)]
        )
        deadline = time.monotonic() + 30
        while not (
            self.ports_file.exists() and self.ports_file.read_text().count("\n") == count - 1
        ):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the receivers' process did not start")
            time.sleep(0.05)
        self.urls = [f"http://127.0.0.1:{p}/hook" for p in self.ports_file.read_text().split()]

    def count(self) -> int:
        try:
            return int(self.log_file.with_suffix(".count").read_text() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def stop(self) -> list[tuple[str, float, int, str]]:
        """Stop the child; every delivery it recorded as (url, arrival, seq, commit time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=120)
        if not self.log_file.exists():
            return []
        rows = []
        for line in self.log_file.read_text().splitlines():
            port, arrived, seq, at = line.split("\t")
            rows.append((f"http://127.0.0.1:{port}/hook", float(arrived), int(seq), at))
        return rows


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
    receivers = Receivers(subscribers, work)
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
        for url in receivers.urls:
            webhooks.subscribe(
                services.uow(ADMIN_ACTOR),
                webhooks.Subscribe(client_id=owner, url=url, events=["*"]),
            )
        run_webhooks(services)  # nothing yet (the subscriptions start now); keys made
        before = receivers.count()

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
        deadline = time.monotonic() + max(120.0, expected / 100)
        while receivers.count() - before < expected:
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        stop.set()
        thread.join()
        sample = [
            # a delivery's size, without "seq": the receivers do not record these
            canonical_json({"at": datetime.now(UTC).isoformat(), "n": n, "pad": "x" * 600})
            for n in range(200)
        ]
        base_p99 = percentile(bare_posts(receivers.urls[: min(5, subscribers)], sample), 99) * 1000
        got = [r for r in receivers.stop() if r[1] >= started]
        delays = [arrived - datetime.fromisoformat(at).timestamp() for _, arrived, _, at in got]
        per_url: dict[str, list[int]] = {}
        for url, _, seq, _ in sorted(got, key=lambda r: r[1]):
            per_url.setdefault(url, []).append(seq)
        seqs_in_order = all(seqs == sorted(seqs) for seqs in per_url.values())
        span = max(r[1] for r in got) - started
        ours_rate = len(got) / span
        outbox_rate, outbox_rows = outbox_read_rate(services)
        ours_p99 = percentile(delays, 99) * 1000

        print(f"subscribers {subscribers}, events {events} ({batch} a commit, {rate:g}/s)")
        print(f"deliveries  {len(got)} of {expected}, in order per subscriber: {seqs_in_order}")
        print(f"duplicates  {sum(len(seqs) - len(set(seqs)) for seqs in per_url.values())}")
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
        receivers.stop()
        services.close()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--subscribers", type=int, default=None)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--batch", type=int, default=20, help="events per transaction")
    parser.add_argument("--rate", type=float, default=None, help="events committed a second")
    # internal: the receivers' child process
    parser.add_argument("--serve-receivers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--ports-file", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--log-file", type=Path, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve_receivers:
        asyncio.run(_serve_receivers(args.serve_receivers, args.ports_file, args.log_file))
        return 0
    subscribers = args.subscribers or (5 if args.quick else 100)
    events = args.events or (200 if args.quick else 10_000)
    rate = args.rate or (200.0 if args.quick else 500.0)
    with tempfile.TemporaryDirectory(prefix="prex-bench-webhooks-") as work:
        return run(Path(work), subscribers, events, args.batch, rate)


if __name__ == "__main__":
    sys.exit(main())
