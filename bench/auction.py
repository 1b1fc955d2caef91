"""The auction: 200 bidders over WebSockets on loopback placing 10,000 bids in a timed round.

Measures the live bidding channel (``/api/v1/listings/{id}/live``, a ``bid`` message answered
by exactly one ``ack``) served by the real application (``create_app`` under uvicorn with
``--server-workers`` processes, as ``prex serve`` runs it), against a WebSocket echo added to
that same application instance (``/bench/echo``: each message sent back as it came), driven by
the very same clients with messages of the same size — the physical baseline of a round trip
over the channel:

    .venv/bin/python bench/auction.py              # 200 bidders x 10,000 bids, SQLite
    .venv/bin/python bench/auction.py --quick      # smoke run: 10 bidders x 200 bids
    .venv/bin/python bench/auction.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/auction.py --think 0   # closed loop: the capacity

Setup (not timed), in a temporary data directory: the world of the deadline rush (a province
centre, a bidders' CA on the trust list with its CRL, N bidder organisations each with a user,
a bearer token and an ECDSA P-256 signing certificate naming its credit code), and a land
listing written straight into the tables already in its timed round (限时竞价): every bidder
registered, admitted, its deposit confirmed and in the round, the countdown long enough
(``--countdown``, reset by every accepted bid) that the worker need not run.

The round: every bidder opens its own connection (its bearer token in the ``Authorization``
header), then all bid at once, each its share of ``--bids``, one bid in flight per bidder
(closed loop). A bidder bids the least next price it last saw (from ``book`` messages, from
``bids`` messages, from its acks); it does not bid against itself while it leads (it waits,
at most ``LEAD_WAIT`` seconds, for a higher sequence number). It signs the bid in-process
(CMS, its certificate and key, over ``bid_bytes``), then starts the clock, sends, and stops the
clock at its ``ack``. Accepted and refused bids both count as placed. Signing runs in
``--sign-workers`` processes of the client, driven over pipes by its event loop, so that the
loop is never blocked by one bidder's signing while it times another's ack. The echo side: the
same connections pattern and pace, messages of the same size (a bid signed once), ``--echoes``
of them (3,000, enough for a stable p99 of a round trip that varies little), the clock from
send to echo.

Afterwards the invariants, from the database and the acks: the accepted prices strictly
increase, each by at least the increment (the first at least the start price); sequence
numbers run 1..N without gaps; the accepted acks are exactly the rows (same seq, amount and
bidder); every bid got exactly one answer and no answer names an unknown ref; no ``error``.
Any breach is reported (LOST / BROKEN) and the exit status is 1.

Then, the server stopped, where a bid's time goes: bids placed through ``place_bid`` in this
process from ``--stage-threads`` threads at once (as the server's thread pool does), each stage
timed (signature check, RFC 3161 timestamp, the row lock, commit), and the broadcast's work per
accepted bid (the book and the new bid read once, then a ``book`` message per connection).

The aim (issue 6): accepted-bid p99 under 50 ms, on SQLite and on PostgreSQL, in a timed round
(decision 0011). By default every bidder pauses ``--think`` seconds on average (exponential, 4 s)
before each bid: 200 bidders offer up to 50 bids a second, many times a real round's rate and
well below what the server can decide on two CPUs, and the figures are named
``auction_paced_*``. ``--think 0`` is the closed loop, every bidder bidding again as soon as it
is answered: that measures the capacity (``auction_*``: throughput), and its latency is by
Little's law at least bidders / throughput — the queue of 200 bids, one per bidder, ahead of
each — whatever the server does, so the aim does not apply to it. It ends, as every benchmark
here does, with one line per figure:

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import gc
import itertools
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deadline_rush import (  # the world, the PostgreSQL database and the figures alike
    HOST,
    Bidder,
    World,
    _cpu_seconds,
    _postgres,
    actor_of,
    fmt,
    percentile,
    setup_world,
)
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from portal import Server  # the same launcher as the portal benchmark

if TYPE_CHECKING:
    from prex.bootstrap import Services

BENCH_DIR = Path(__file__).resolve().parent
ECHO_PATH = "/bench/echo"
P99_AIM_MS = 50.0
START_PRICE, INCREMENT = Decimal("10000000.00"), Decimal("10000.00")
LEAD_WAIT = 0.5  # seconds a leading bidder waits to be outbid before bidding anyway
ACK_TIMEOUT = 60.0  # an answer later than this is lost


# ---------------------------------------------------------------------------------------------
# The server: the real application, plus the echo on the same instance
# ---------------------------------------------------------------------------------------------


def server_app() -> FastAPI:
    """``uvicorn --factory`` entry: ``prex.web.asgi.app_from_env`` plus the WebSocket
    ``/bench/echo``, which sends every text message back as it came and checks nothing."""
    from prex.bootstrap import bootstrap
    from prex.config import get_settings
    from prex.web.app import create_app

    app = create_app(bootstrap(get_settings()))

    @app.websocket(ECHO_PATH)
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.send_text(await websocket.receive_text())

    return app


def start_server(data_dir: Path, url: str, workers: int) -> Server:
    return Server(data_dir, url, workers, factory="auction:server_app", app_dir=BENCH_DIR)


# ---------------------------------------------------------------------------------------------
# Setup: a listing in its timed round, every bidder in it
# ---------------------------------------------------------------------------------------------


@dataclass
class Listing:
    id: str
    numbers: dict[str, str]  # bidder username → 竞买号
    registrations: dict[str, str]  # registration id → bidder username


def make_listing(services: Services, world: World, tag: str, countdown: int) -> Listing:
    """A land listing in its timed round, written straight into the tables (the set-up,
    registration and deposit use cases have their own tests): every bidder admitted, its
    deposit confirmed, in the round; the countdown ``countdown`` seconds from now."""
    from sqlalchemy import insert

    from prex.auctions.orm import listing_registrations, listings
    from prex.shared.ids import new_id

    now = services.clock.now()
    listing_id = new_id()
    numbers, registrations = {}, {}
    rows = []
    for n, bidder in enumerate(world.bidders):
        registration_id = new_id()
        numbers[bidder.username] = f"{8001 + n}"
        registrations[registration_id] = bidder.username
        rows.append(
            {
                "id": registration_id,
                "listing_id": listing_id,
                "org_id": bidder.org_id,
                "number": numbers[bidder.username],
                "certificate_sha256": "0" * 64,
                "signature": b"-",
                "applied_at": now - timedelta(days=20),
                "eligibility": "approved",
                "deposit_status": "confirmed",
                "deposit_amount": "2000000.00",
                "deposit_reference": f"REF-{listing_id[-8:]}-{n}",
                "continuing": True,
                "updated_at": now,
            }
        )
    with services.writer_session() as session:
        session.execute(
            insert(listings).values(
                id=listing_id,
                centre_id=world.centre_id,
                rule_pack_id="land-listing",
                kind="land_use",
                method="listing",
                code=f"GT-BENCH-{tag}-{listing_id[-6:]}",
                title=f"杭政储出〔2026〕{tag}号地块国有建设用地使用权（基准）",
                asset={"location": "杭州市西湖区", "area_m2": "35210", "use": "住宅"},
                conditions="中华人民共和国境内的法人",
                documents=[],
                seller_org_id=world.tenderer_org_id,
                start_price=str(START_PRICE),
                increment=str(INCREMENT),
                deposit="2000000.00",
                reserve_sealed=None,
                reserve_commitment=None,
                countdown_seconds=countdown,
                announced_at=now - timedelta(days=30),
                opens_at=now - timedelta(days=10),
                listing_ends_at=now - timedelta(minutes=1),
                status="round",
                seq=0,
                round_ends_at=now + timedelta(seconds=countdown),
                in_round=sorted(registrations),
                next_check=now + timedelta(seconds=countdown),
                created_at=now - timedelta(days=30),
                updated_at=now,
            )
        )
        session.execute(insert(listing_registrations), rows)
        session.commit()
    return Listing(listing_id, numbers, registrations)


class Signer:
    """A bidder's certificate and key, loaded once; signs one bid (CMS, detached)."""

    def __init__(self, bidder: Bidder) -> None:
        from prex.pki.certs import parse_certificates
        from prex.pki.keys import PrivateKey

        certs = parse_certificates(bidder.cert_pem)
        self.cert, self.chain = certs[0], certs[1:]
        self.key = PrivateKey.load(bidder.key_pem)

    def sign(self, listing_id: str, number: str, amount: Decimal) -> str:
        from prex.auctions.bidding import bid_bytes
        from prex.pki.cms import sign_detached

        data = bid_bytes(listing_id, number, amount)
        der = sign_detached(
            data, self.cert, self.key, chain=self.chain, signing_time=datetime.now(UTC)
        )
        return base64.b64encode(der).decode()


def _signer_process(path: str) -> None:
    """``auction.py --signer FILE``: a signing process for the bidders listed in FILE (JSON);
    reads ``[id, username, listing_id, number, amount]`` lines, writes ``[id, signature]``.

    Each bidder signs on a machine of its own, where ``sign_detached``'s small caches (64
    certificates) hold its one certificate; here one process signs for many bidders, so the
    caches are made unbounded — else they thrash and a signature costs five times as much."""
    import functools

    from prex.pki import cms

    for name in ("_content_type_attribute", "_ess_attribute", "_certificate_set_der"):
        setattr(cms, name, functools.cache(getattr(cms, name).__wrapped__))
    signers = {
        b["username"]: Signer(Bidder(**{k: v.encode() if k.endswith("_pem") else v
                                        for k, v in b.items()}))
        for b in json.loads(Path(path).read_text())
    }  # fmt: skip
    out = sys.stdout
    for line in sys.stdin:
        ref, username, listing_id, number, amount = json.loads(line)
        signature = signers[username].sign(listing_id, number, Decimal(amount))
        out.write(json.dumps([ref, signature]) + "\n")
        out.flush()


class Signing:
    """Signing processes driven over pipes by the event loop itself (no threads in the client,
    so nothing contends with it for the GIL); a bidder always signs in the same process."""

    def __init__(self, bidders: Sequence[Bidder], processes: int, folder: Path) -> None:
        self.path = folder / "bidders.json"
        self.path.write_text(
            json.dumps(
                [
                    {**b.__dict__, "cert_pem": b.cert_pem.decode(), "key_pem": b.key_pem.decode()}
                    for b in bidders
                ]
            )
        )
        self.processes = processes
        self.index = {b.username: i % processes for i, b in enumerate(bidders)}
        self.waiting: dict[int, asyncio.Future[str]] = {}
        self.counter = itertools.count()

    async def __aenter__(self) -> Signing:
        self.children = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--signer",
                str(self.path),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                limit=2**20,
            )  # fmt: skip
            for _ in range(self.processes)
        ]
        self.readers = [asyncio.create_task(self._read(c)) for c in self.children]
        first = {i: name for name, i in reversed(self.index.items())}  # warm every process
        await asyncio.gather(*(self.sign(n, "0" * 26, "0", "1.00") for n in first.values()))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for child in self.children:
            assert child.stdin is not None
            child.stdin.close()
        for child in self.children:
            await child.wait()
        for reader in self.readers:
            reader.cancel()

    async def _read(self, child: Any) -> None:
        while line := await child.stdout.readline():
            ref, signature = json.loads(line)
            self.waiting.pop(ref).set_result(signature)

    async def sign(self, username: str, listing_id: str, number: str, amount: str) -> str:
        ref = next(self.counter)
        future = self.waiting[ref] = asyncio.get_running_loop().create_future()
        stdin = self.children[self.index[username]].stdin
        assert stdin is not None
        stdin.write((json.dumps([ref, username, listing_id, number, amount]) + "\n").encode())
        return await future


# ---------------------------------------------------------------------------------------------
# The clients
# ---------------------------------------------------------------------------------------------


@dataclass
class Sent:
    bidder: str
    ref: str
    amount: str
    ms: float = 0.0
    answer: dict[str, Any] | None = None


@dataclass
class Run:
    seconds: float
    sent: list[Sent]
    problems: list[str]  # lost acks, unknown refs, duplicates, errors, timeouts
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    pushed: int = 0  # book and bids messages received by all clients
    signing_ms: list[float] = field(default_factory=list)  # waits for a bid's signature

    @property
    def accepted(self) -> list[Sent]:
        return [s for s in self.sent if s.answer and s.answer.get("accepted") is True]

    @property
    def throughput(self) -> float:
        return len(self.sent) / self.seconds

    def p(self, pct: float, *, accepted: bool = False) -> float:
        return percentile([s.ms for s in (self.accepted if accepted else self.sent)], pct)


class Line:
    """One bidder's connection: a reader task files every message; answers by ref."""

    def __init__(self, ws: Any, name: str, number: str | None) -> None:
        self.ws = ws
        self.name = name
        self.number = number
        self.waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.answered: set[str] = set()
        self.problems: list[str] = []
        self.minimum: Decimal | None = None
        self.leader: str | None = None
        self.seq = 0
        self.pushed = 0
        self.changed = asyncio.Event()
        self.booked = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    def _answer(self, ref: Any, message: dict[str, Any]) -> None:
        key = str(ref)
        future = self.waiting.pop(key, None)
        if future is None:
            why = "a second answer" if key in self.answered else "an answer to an unknown ref"
            self.problems.append(f"{self.name}: {why} {key!r}: {str(message)[:200]}")
            return
        self.answered.add(key)
        future.set_result(message)

    async def _read(self) -> None:
        with contextlib.suppress(Exception):  # the connection closed: waiters time out
            async for text in self.ws:
                message = json.loads(text)
                kind = message.get("type")
                if kind in ("ack", "error"):
                    if kind == "ack" and message.get("accepted") is True:
                        self._saw(message.get("seq"), message.get("minimum_next"), self.number)
                    elif kind == "ack":
                        leading = message.get("reason") == "leading"
                        who = self.number if leading else None
                        self._saw(message.get("seq"), message.get("minimum"), who)
                    self._answer(message.get("ref"), message)
                elif kind == "book":
                    self.pushed += 1
                    self._saw(message.get("seq"), message.get("minimum_next"), message["leader"])
                    self.booked.set()
                elif kind == "bids":
                    self.pushed += 1
                    last = message["bids"][-1]
                    self._saw(last["seq"], str(Decimal(last["amount"]) + INCREMENT), last["number"])
                elif kind == "echo" and self.number is not None:
                    self._answer(message.get("ref"), message)
                elif kind != "hello":
                    self.problems.append(f"{self.name}: unexpected {str(message)[:200]}")

    def _saw(self, seq: Any, minimum: Any, leader: str | None) -> None:
        """News of the book: newer news replaces what the bidder knew (``leader`` None: not
        known); the same again may tell who leads; older news changes nothing."""
        if not isinstance(seq, int) or minimum is None or seq < self.seq:
            return
        if seq > self.seq or self.minimum is None:
            self.seq, self.minimum, self.leader = seq, Decimal(minimum), leader
            self.changed.set()
        elif self.leader is None:
            self.leader = leader

    async def ask(self, ref: str, text: str) -> tuple[float, dict[str, Any] | None]:
        future = asyncio.get_running_loop().create_future()
        self.waiting[ref] = future
        clock = time.perf_counter
        t0 = clock()
        await self.ws.send(text)
        try:
            answer = await asyncio.wait_for(future, ACK_TIMEOUT)
        except TimeoutError:
            self.waiting.pop(ref, None)
            self.problems.append(f"{self.name}: no answer to {ref} within {ACK_TIMEOUT:g} s")
            return 1000 * (clock() - t0), None
        return 1000 * (clock() - t0), answer


COMPRESSION: list[str | None] = ["deflate"]  # what the clients offer, as browsers do


async def _connect(url: str, token: str | None) -> Any:
    from websockets.asyncio.client import connect

    headers = {"Authorization": f"Bearer {token}"} if token else None
    return await connect(
        url, additional_headers=headers, proxy=None, max_size=2**22, compression=COMPRESSION[0]
    )


async def _round(
    port: int,
    side: str,
    listing: Listing,
    bidders: Sequence[Bidder],
    signing: Signing,
    total: int,
    think: float,
) -> tuple[float, list[Sent], list[str], int, list[float]]:
    """One side's run: ``side`` is ``bid`` (the live channel) or ``echo`` (the baseline)."""
    async with signing:
        return await _run_side(port, side, listing, bidders, signing, total, think)


async def _run_side(
    port: int,
    side: str,
    listing: Listing,
    bidders: Sequence[Bidder],
    signing: Signing,
    total: int,
    think: float,
) -> tuple[float, list[Sent], list[str], int, list[float]]:
    rng = random.Random(20260601)
    if side == "bid":
        url = f"ws://{HOST}:{port}/api/v1/listings/{listing.id}/live"
        tokens: list[str | None] = [b.token for b in bidders]
    else:
        url, tokens = f"ws://{HOST}:{port}{ECHO_PATH}", [None] * len(bidders)
    sockets = await asyncio.gather(*(asyncio.wait_for(_connect(url, t), 30) for t in tokens))
    lines = [
        Line(ws, b.username, listing.numbers[b.username])
        for ws, b in zip(sockets, bidders, strict=True)
    ]
    if side == "bid":
        await asyncio.gather(*(asyncio.wait_for(line.booked.wait(), 30) for line in lines))
    shares = [total // len(bidders) + (i < total % len(bidders)) for i in range(len(bidders))]
    sent: list[Sent] = []
    signed: list[float] = []
    presigned = {}
    if side == "echo":
        for line in lines:
            text = format(START_PRICE, "f")
            number = line.number or ""
            presigned[line.name] = await signing.sign(line.name, listing.id, number, text)

    async def bidder(line: Line, count: int) -> None:
        number = line.number or ""
        for i in range(count):
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))
            if side == "echo":
                amount = START_PRICE + i * INCREMENT
            else:
                if line.leader == line.number:  # no bidding against oneself: wait to be outbid
                    line.changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(line.changed.wait(), LEAD_WAIT)
                assert line.minimum is not None
                amount = line.minimum
            ref = f"{line.name}-{i}"
            text = format(amount, "f")
            if side == "echo":  # the same size as a bid, nothing to compute
                signature = presigned[line.name]
            else:
                t = time.perf_counter()
                signature = await signing.sign(line.name, listing.id, number, text)
                signed.append(time.perf_counter() - t)
            message = {"type": side, "ref": ref, "amount": text, "signature": signature}
            ms, answer = await line.ask(ref, json.dumps(message))
            sent.append(Sent(line.name, ref, text, ms, answer))
            if answer is not None and answer.get("type") == "error":
                line.problems.append(f"{line.name}: error {answer.get('problem')}")

    started = time.perf_counter()
    await asyncio.gather(*(bidder(line, n) for line, n in zip(lines, shares, strict=True)))
    seconds = time.perf_counter() - started
    await asyncio.sleep(0.3)  # late or duplicate answers have a moment to show up
    for line in lines:
        await line.ws.close()
        line.reader.cancel()
    problems = [p for line in lines for p in line.problems]
    problems += [f"{line.name}: {len(line.waiting)} unanswered" for line in lines if line.waiting]
    return seconds, sent, problems, sum(line.pushed for line in lines), signed


def drive(server: Server, *args: Any) -> Run:
    """``_round(server.port, *args)`` on uvloop, with the CPU both sides spent."""
    try:
        import uvloop

        runner: Callable[[Any], Any] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run
    server0, client0 = _cpu_seconds(server.pid), _client_cpu()
    gc.collect()
    gc.freeze()  # the set-up's objects stay out of the collections during the run
    try:
        seconds, sent, problems, pushed, signed = runner(_round(server.port, *args))
    finally:
        gc.unfreeze()
    return Run(
        seconds,
        sent,
        problems,
        _cpu_seconds(server.pid) - server0,
        _client_cpu() - client0,
        pushed,
        [1000 * t for t in signed],
    )


def _client_cpu() -> float:
    """CPU seconds of this process and its signing processes (not the server's)."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


# ---------------------------------------------------------------------------------------------
# The invariants
# ---------------------------------------------------------------------------------------------


def check_bidding(services: Services, listing: Listing, run: Run) -> list[str]:
    """What is broken: prices, sequence, acks against the rows, answers against the bids."""
    from sqlalchemy import select

    from prex.auctions.orm import listing_bids, listings

    with services.read_session() as session:
        rows = session.execute(
            select(listing_bids.c.seq, listing_bids.c.amount, listing_bids.c.registration_id)
            .where(listing_bids.c.listing_id == listing.id)
            .order_by(listing_bids.c.seq)
        ).all()
        book = session.execute(
            select(listings.c.seq, listings.c.best).where(listings.c.id == listing.id)
        ).one()
    broken = []
    seqs = [r.seq for r in rows]
    if seqs != list(range(1, len(rows) + 1)):
        broken.append(f"sequence numbers are not 1..{len(rows)} without gaps")
    if book.seq != len(rows):
        broken.append(f"the listing's seq is {book.seq}, with {len(rows)} accepted bids")
    previous = None
    for r in rows:
        amount = Decimal(r.amount)
        least = START_PRICE if previous is None else previous + INCREMENT
        if amount < least:
            broken.append(f"bid {r.seq} of {amount} is below {least}")
        previous = amount
    if rows and book.best != rows[-1].amount:
        broken.append(f"the listing's best {book.best} is not the last bid's {rows[-1].amount}")
    accepted = {}
    for s in run.accepted:
        assert s.answer is not None
        seq = s.answer.get("seq")
        if seq in accepted:
            broken.append(f"two accepted acks name seq {seq}")
        accepted[seq] = s
    if len(accepted) != len(rows):
        broken.append(f"{len(accepted)} accepted acks, {len(rows)} accepted bids in the database")
    for r in rows:
        s = accepted.get(r.seq)
        if s is None:
            broken.append(f"bid {r.seq} is in the database, but no bidder was told")
        elif (s.amount, s.bidder) != (r.amount, listing.registrations.get(r.registration_id)):
            broken.append(f"bid {r.seq}: acked {s.bidder} {s.amount}, stored {r.amount}")
    for s in run.sent:
        if s.answer is None:
            broken.append(f"{s.ref}: no answer")
        elif s.answer.get("type") != "ack":
            broken.append(f"{s.ref}: {s.answer.get('type')} {str(s.answer)[:200]}")
    return broken


def check_echo(run: Run) -> list[str]:
    return [f"{s.ref}: no echo" for s in run.sent if s.answer is None]


# ---------------------------------------------------------------------------------------------
# Where a bid goes: place_bid's stages, in-process, from several threads at once
# ---------------------------------------------------------------------------------------------

STAGES = {
    "verify": "signature check (CMS, path, CRL)",
    "stamp": "RFC 3161 timestamp",
    "lock": "row lock wait (BEGIN IMMEDIATE / FOR UPDATE)",
    "commit": "audit append + outbox + commit",
    "rest": "the rest (reads, decide, insert, update)",
    "total": "place_bid, in all",
}


def stage_timing(
    services: Services, world: World, bids: int, threads: int, countdown: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Median milliseconds per stage of ``place_bid`` over ``bids`` bids placed from
    ``threads`` threads at once on a fresh listing; and the broadcast's work per accepted bid."""
    from sqlalchemy import event

    from prex.auctions import bidding, live, views
    from prex.auctions.bidding import BidRefused, place_bid
    from prex.db.uow import SqlUnitOfWork

    listing = make_listing(services, world, "stages", countdown)
    local = threading.local()
    tsa = services.pki.timestamp_authority()
    saved = (bidding.verify_organisation, SqlUnitOfWork.commit)

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                local.times[name] = local.times.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    def before(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        local.sql_started = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        upper = statement.lstrip().upper()
        if upper.startswith("BEGIN IMMEDIATE") or "FOR UPDATE" in upper:
            spent = time.perf_counter() - local.sql_started
            local.times["lock"] = local.times.get("lock", 0.0) + spent

    engine = services.engines.writer
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    bidding.verify_organisation = timed("verify", bidding.verify_organisation)
    tsa.stamp = timed("stamp", tsa.stamp)  # type: ignore[method-assign]  # on the instance
    SqlUnitOfWork.commit = timed("commit", SqlUnitOfWork.commit)  # type: ignore[method-assign]
    per: dict[str, list[float]] = {k: [] for k in STAGES}
    lock = threading.Lock()
    counter = itertools.count()
    minimum = [START_PRICE]
    bidders = world.bidders  # round robin: each bid by the next bidder
    signers = {b.username: Signer(b) for b in bidders}
    actors = {b.username: actor_of(services, b.token) for b in bidders}

    def worker(index: int) -> None:
        while (n := next(counter)) < bids:
            bidder = bidders[n % len(bidders)]
            signer, number = signers[bidder.username], listing.numbers[bidder.username]
            amount = minimum[0]
            signature = signer.sign(listing.id, number, amount)
            local.times = {}
            t0 = time.perf_counter()
            try:
                result = place_bid(
                    services.uow(actors[bidder.username]),
                    services,
                    listing.id,
                    format(amount, "f"),
                    signature,
                )
                seen = Decimal(result["minimum_next"])
            except BidRefused as exc:
                seen = Decimal(exc.context["minimum"])
            total = time.perf_counter() - t0
            with lock:
                minimum[0] = max(minimum[0], seen)
                known = {k: local.times.get(k, 0.0) for k in ("verify", "stamp", "lock", "commit")}
                for k, v in known.items():
                    per[k].append(v)
                per["rest"].append(total - sum(known.values()))
                per["total"].append(total)

    try:
        pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    finally:
        bidding.verify_organisation, SqlUnitOfWork.commit = saved  # type: ignore[method-assign]
        del tsa.stamp  # back to the class's method
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)
    stages = {k: 1000 * statistics.median(v) for k, v in per.items()}

    # The broadcast of one accepted bid, as the channel does it in every process: the mark, the
    # book (without its list of bids) and the new bid read once, the book serialised once; then
    # the same two texts written to every connection (the sockets' work, not timed here).
    followers = len(world.bidders)
    fan: dict[str, list[float]] = {"mark": [], "book": [], "bids": [], "encode": [], "bytes": []}
    for _ in range(20):
        t = time.perf_counter()
        live.book_mark(services, listing.id)
        t1 = time.perf_counter()
        book = views.book_view(services, listing.id, last=0)
        del book["bids"]
        t2 = time.perf_counter()
        fresh = live.bids_after(services, listing.id, max(0, book["seq"] - 1))
        t3 = time.perf_counter()
        text = json.dumps({"type": "book", **book})
        t4 = time.perf_counter()
        fan["mark"].append(t1 - t)
        fan["book"].append(t2 - t1)
        fan["bids"].append(t3 - t2)
        fan["encode"].append(t4 - t3)
        fan["bytes"].append((len(text) + len(json.dumps({"type": "bids", "bids": fresh}))) / 1000)
    broadcast = {k: 1000 * statistics.median(v) for k, v in fan.items()}
    broadcast["bytes"] /= 1000  # kB, not scaled as the seconds are
    broadcast["followers"] = followers
    return stages, broadcast


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    backend: str
    bidders: int
    bids: int
    server_workers: int
    ours: Run | None = None
    base: Run | None = None
    broken: list[str] = field(default_factory=list)
    stages: dict[str, tuple[float, float]] = field(default_factory=dict)  # alone, crowded
    broadcast: dict[str, float] = field(default_factory=dict)
    setup_seconds: float = 0.0

    paced: bool = False

    @property
    def prefix(self) -> str:
        name = "auction" if self.backend == "sqlite" else f"auction_{self.backend}"
        return f"{name}_paced" if self.paced else name


def report(outcomes: Sequence[Outcome], args: argparse.Namespace) -> None:
    pace = f"a mean pause of {args.think:g} s before a bid" if args.think else "closed loop"
    for o in outcomes:
        assert o.ours is not None and o.base is not None
        print()
        print(
            f"{o.backend}: {o.bidders} bidders over WebSockets placing {len(o.ours.sent)} bids "
            f"in a timed round ({pace}, one bid in flight per bidder); "
            f"{o.server_workers} server process(es); setup {o.setup_seconds:.0f} s; "
            f"{os.cpu_count()} CPUs"
        )
        print(
            f"  {'':<30}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'msg/s':>9}"
            f"{'server CPU s':>14}{'client CPU s':>14}"
        )
        acc = o.ours.accepted
        rows = (
            ("prex bid → ack (accepted)", acc, o.ours),
            ("prex bid → ack (all)", o.ours.sent, o.ours),
            ("echo (baseline)", o.base.sent, o.base),
        )
        for label, sent, run in rows:
            ms = [s.ms for s in sent]
            print(
                f"  {label:<30}{len(sent):>7}{fmt(percentile(ms, 50)):>9}"
                f"{fmt(percentile(ms, 99)):>9}{fmt(max(ms)):>9}{fmt(len(sent) / run.seconds):>9}"
                f"{fmt(run.server_cpu):>14}{fmt(run.client_cpu):>14}"
            )
        reasons: dict[str, int] = {}
        for s in o.ours.sent:
            if s.answer and s.answer.get("accepted") is False:
                reasons[str(s.answer.get("reason"))] = (
                    reasons.get(str(s.answer.get("reason")), 0) + 1
                )
        refused = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items()))
        print(
            f"  accepted {len(acc)} of {len(o.ours.sent)} bids ({refused or 'none refused'}); "
            f"{o.ours.pushed} book/bids messages pushed to the bidders; "
            f"round {fmt(o.ours.seconds)} s, echo {fmt(o.base.seconds)} s; a bidder waited "
            f"{fmt(statistics.median(o.ours.signing_ms))} ms (p99 "
            f"{fmt(percentile(o.ours.signing_ms, 99))} ms) for its signature, off the clock"
        )
        for why in (o.ours.problems + o.base.problems)[:10]:
            print(f"  LOST {why}")
        for why in o.broken[:10]:
            print(f"  BROKEN {why}")
        print(
            f"  invariants: {'hold' if not o.broken else 'BROKEN'} (prices strictly rising by "
            f"the increment, seq 1..N without gaps, accepted acks = rows, one answer per bid)"
        )
        if o.stages:
            print(
                f"  where one bid goes, in-process (median of {args.stage_bids} bids): one "
                f"thread | {args.stage_threads} threads at once, as the server's pool does"
            )
            for key, label in STAGES.items():
                (one, many), (t1, tn) = o.stages[key], o.stages["total"]
                print(
                    f"    {label:<46}{fmt(one):>8} ms{100 * one / t1:>6.1f} %  |"
                    f"{fmt(many):>8} ms{100 * many / tn:>6.1f} %"
                )
            b = o.broadcast
            print(
                f"  the broadcast of one accepted bid, per server process: mark "
                f"{fmt(b['mark'])} ms (every {0.2:g} s anyway), book {fmt(b['book'])} ms, "
                f"new bid {fmt(b['bids'])} ms, book serialised once {fmt(b['encode'])} ms; "
                f"then {fmt(b['bytes'])} kB (book and bids messages) written to each of "
                f"{int(b['followers'])} connections"
            )
    print()
    for o in outcomes:
        assert o.ours is not None
        p99 = o.ours.p(99, accepted=True)
        lost = len(o.ours.problems) + len(o.base.problems if o.base else [])
        met = not o.broken and lost == 0 and p99 < P99_AIM_MS
        verdict = ("met" if met else "MISSED") if o.paced else "not judged (closed loop)"
        print(
            f"{o.backend}: lost acknowledgements: {lost}; invariants "
            f"{'hold' if not o.broken else 'BROKEN'}; accepted-bid p99 {fmt(p99)} ms "
            f"(aim < {P99_AIM_MS:g} ms): aims {verdict}"
        )
    for o in outcomes:
        assert o.ours is not None and o.base is not None
        for pct in (99, 50):
            ours, base = o.ours.p(pct, accepted=True), o.base.p(pct)
            print(
                f"RESULT {o.prefix}_accepted_p{pct} ours={fmt(ours)}ms baseline={fmt(base)}ms "
                f"ratio={ours / base:.2f}"
            )
        ours, base = o.ours.throughput, o.base.throughput
        print(
            f"RESULT {o.prefix}_throughput ours={fmt(ours)}msg/s baseline={fmt(base)}msg/s "
            f"ratio={ours / base:.2f}"
        )


# ---------------------------------------------------------------------------------------------
# One database
# ---------------------------------------------------------------------------------------------


def bench_backend(backend: str, url: str, data_dir: Path, args: argparse.Namespace) -> Outcome:
    from prex.bootstrap import bootstrap
    from prex.config import get_settings
    from prex.db.migrate import upgrade

    say = print
    outcome = Outcome(backend, args.bidders, args.bids, args.server_workers, paced=args.think > 0)
    started = time.perf_counter()
    upgrade(url)
    settings = get_settings(data_dir=data_dir, database_url=url, password_hashing="fast")
    services = bootstrap(settings)
    server: Server | None = None
    pool: Signing | None = None
    try:
        say(f"[{backend}] setting up {args.bidders} bidders …", flush=True)
        world = setup_world(services, args.bidders)
        services.pki.timestamp_authority()
        pool = Signing(world.bidders, args.sign_workers, data_dir)
        outcome.setup_seconds = time.perf_counter() - started
        say(f"[{backend}] set up in {outcome.setup_seconds:.1f} s", flush=True)
        server = start_server(data_dir, url, args.server_workers)
        # Warm-up (not counted): a bid from every bidder on a listing of its own, and an echo
        # each, so that the round does not pay for every process's first bid (the trust list,
        # the platform keys, pools).
        warm = make_listing(services, world, "warm", args.countdown)
        for side in ("bid", "echo"):
            run = drive(server, side, warm, world.bidders, pool, len(world.bidders), 0.0)
            if run.problems:
                raise RuntimeError(f"the warm-up failed: {run.problems[:5]}")
        listing = make_listing(services, world, "round", args.countdown)
        echoes = min(args.bids, args.echoes)
        outcome.base = drive(server, "echo", listing, world.bidders, pool, echoes, args.think)
        say(
            f"[{backend}] echo: {len(outcome.base.sent)} in {outcome.base.seconds:.1f} s, "
            f"p99 {fmt(outcome.base.p(99))} ms",
            flush=True,
        )
        outcome.ours = drive(server, "bid", listing, world.bidders, pool, args.bids, args.think)
        say(
            f"[{backend}] bids: {len(outcome.ours.sent)} in {outcome.ours.seconds:.1f} s, "
            f"{len(outcome.ours.accepted)} accepted, accepted p99 "
            f"{fmt(outcome.ours.p(99, accepted=True))} ms",
            flush=True,
        )
        server.stop()
        server = None
        outcome.broken = check_bidding(services, listing, outcome.ours) + check_echo(outcome.base)
        alone, outcome.broadcast = stage_timing(services, world, args.stage_bids, 1, args.countdown)
        crowded, _ = stage_timing(
            services, world, args.stage_bids, args.stage_threads, args.countdown
        )
        outcome.stages = {k: (alone[k], crowded[k]) for k in alone}
    finally:
        if server is not None:
            server.stop()
        services.close()
    return outcome


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small and short")
    parser.add_argument("--bidders", type=int, help="bidders, a connection each (200; quick 10)")
    parser.add_argument("--bids", type=int, help="bids in all, and echoes (10,000; quick 200)")
    parser.add_argument(
        "--countdown", type=int, default=600, help="the round's countdown in seconds (600)"
    )
    parser.add_argument(
        "--think",
        type=float,
        help="a bidder's mean pause before each bid, seconds (exponential; 4, quick 0.1; 0: the "
        "closed loop)",
    )
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="clients offer no permessage-deflate (browsers do offer it)",
    )
    parser.add_argument(
        "--echoes",
        type=int,
        default=3000,
        help="echo messages of the baseline, at the same pace (3,000, or --bids if fewer)",
    )
    parser.add_argument("--sign-workers", type=int, default=2, help="client signing processes (2)")
    parser.add_argument("--stage-bids", type=int, help="stage timing over (400; quick 40)")
    parser.add_argument("--stage-threads", type=int, default=8, help="stage timing threads (8)")
    parser.add_argument(
        "--server-workers", type=int, help="server processes, as `prex serve --workers` (the CPUs)"
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also PostgreSQL: an admin URL; the benchmark creates and drops a database beside it",
    )
    args = parser.parse_args(argv)
    for name, full, small in (("bidders", 200, 10), ("bids", 10_000, 200), ("stage_bids", 400, 40)):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    if args.think is None:
        args.think = 0.1 if args.quick else 4.0
    if args.server_workers is None:
        args.server_workers = os.cpu_count() or 1
    if args.no_compression:
        COMPRESSION[0] = None
    if args.bidders < 2 or args.bids < args.bidders or args.stage_bids < 1:
        parser.error("at least 2 bidders, a bid per bidder and 1 stage bid")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--signer"]:
        _signer_process(argv[1])
        return 0
    args = parse_args(argv)
    outcomes = []
    data_dir = Path(tempfile.mkdtemp(prefix="prex-bench-auction-sqlite-"))
    try:
        outcomes.append(
            bench_backend("sqlite", f"sqlite:///{data_dir / 'prex.db'}", data_dir, args)
        )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if args.postgres:
        url, drop = _postgres(args.postgres)
        data_dir = Path(tempfile.mkdtemp(prefix="prex-bench-auction-pg-"))
        try:
            outcomes.append(bench_backend("postgresql", url, data_dir, args))
        finally:
            drop()
            shutil.rmtree(data_dir, ignore_errors=True)
    report(outcomes, args)
    ok = all(not o.broken and o.ours and not o.ours.problems for o in outcomes)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
