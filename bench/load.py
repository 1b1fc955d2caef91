"""The mixed load: 500 simulated users for 10 minutes on PostgreSQL, against the portal alone.

Runs the real server as operators run it (``prex serve --workers N`` and one ``prex worker``, in
subprocesses, configured through ``PREX_DATA_DIR`` and ``PREX_DATABASE_URL``) on a fresh
PostgreSQL database beside ``--pg-url`` (or SQLite with ``--sqlite``), and drives it from one
asyncio process of simulated users over loopback:

    .venv/bin/python bench/load.py              # 500 users, 10 minutes, PostgreSQL
    .venv/bin/python bench/load.py --quick      # smoke run: 40 users, 60 s, a 10 s baseline
    .venv/bin/python bench/load.py --sqlite --users 200 --seconds 120

The world (set up before anything is timed): the portal benchmark's 20,000 tenders written
straight into the tables (``portal.seed``), the deadline rush's province, five opening
custodians and a bidders' CA with its bidders (``deadline_rush.setup_world``), one engineering
tender published 30 days before its deadline, which falls at 60 % of the mixed run, an envelope
sealed for each of its bidders by the bidders' own key (``deadline_rush.seal_envelopes``), and
the auction benchmark's land listing already in its timed round with the auction's bidders
admitted (``auction.make_listing``; a 60 s countdown that every accepted bid renews, which the
worker closes when the bidding stops).

Who the users are (every one a keep-alive HTTP/1.1 connection of its own; a connection idle
for 4 s is closed and opened again, as the server would close it at 5 s):

- **public** — everyone else (404 of 500): pauses (exponential, ``--think`` s on average), then
  one of: the portal's tender list with the portal benchmark's filters and text searches, the
  home page, a tender's API record and page, the tender under opening (its page and hall), the
  listings page, the live listing and its book, the OCDS release list, the change feed.
- **bidders** (``--bidders``, 60) — read the tender and its bid parameters, upload their sealed
  envelope (``--envelope-mb``, 2 MB) at a moment drawn towards the deadline (the last
  ``--rush`` seconds before it, most of them in the last third), read their receipt, check in to
  the hall; after the deadline they watch the hall (every 5 s) and confirm the price reading
  once the bids are opened; then they browse like the public.
- **auction bidders** (``--auction``, 30) — over the live channel (WebSocket), each with a price
  it will not exceed: pause (exponential, 2 × ``--think``), then bid the least next price, signed
  with its own certificate (CMS); they do not bid against themselves while leading; a refusal
  because somebody was quicker is business, not an error.
- **opening** — five custodians release their shares of the opening key from 3 to 20 s after
  the deadline (fetched, decrypted with their key, checked and sent encrypted to the escrow
  certificate, as ``prex opening release`` does); the agency's host waits for the worker's
  deadline commitment and every share, opens the bids, waits for the bidders' confirmations
  (at most 60 s) and publishes the opening record.

The baseline, measured first with the same server: the same number of users, all public, for
``--baseline-seconds`` (the portal alone, as in the spine issue's benchmark, with a realistic
pause between requests). Then the mixed run for ``--seconds``. Every request's latency runs from
its first byte sent (its connection opened, if it needed one) to the last byte of the answer.
An error is an unexpected status, a broken connection, or no answer within 60 s; the run fails
(exit status 1) on any error and on any broken invariant afterwards: one live bid per bidder
with its envelope's digest, the opening record published naming every bid, the auction's
accepted prices strictly increasing by at least the increment, ``prex audit verify`` passing.

It reports throughput, errors, and the median and p99 of every request type, and ends, as every
benchmark here does, with one line per figure (the baseline of a request type is the portal-only
run's p99 over all public requests, beside which the issue asks to see it; for the public
figures, the same figure in the portal-only run):

    RESULT <name> ours=<number><unit> baseline=<number><unit> ratio=<ours/baseline>
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import json
import math
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from auction import INCREMENT, START_PRICE, Line, Listing, Signer, make_listing
from deadline_rush import Bidder, Envelope, publish_tender, seal_envelopes, setup_world
from deadline_rush import _token as issue_token
from portal import COMMON_TERM, RARE_TERM, Server, _machine_busy, _postgres, _tree_cpu, seed

if TYPE_CHECKING:
    from prex.bootstrap import Services

HOST = "127.0.0.1"
MB = 1_000_000
REQUEST_TIMEOUT = 60.0
IDLE_REOPEN = 4.0  # seconds: uvicorn closes an idle keep-alive connection at 5
COUNTDOWN = 60  # the listing's timed round, renewed by every accepted bid
DEADLINE_AT = 0.6  # of the mixed run
PUBLIC_TYPES = (
    "portal_list", "portal_search", "home_page", "tender_api", "tender_page", "hall_page",
    "hall_state", "listings_page", "listing_api", "listing_book", "auction_page",
    "ocds_releases", "feed",
)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# A user's connection: a small HTTP/1.1 client (the generator must cost little CPU)
# ---------------------------------------------------------------------------------------------


class HttpError(Exception):
    """No answer: the connection broke or the answer took longer than ``REQUEST_TIMEOUT``."""


class Connection:
    """One user's keep-alive connection, reopened when idle (as a browser's is)."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.used = 0.0

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        if self.writer is not None and time.monotonic() - self.used > IDLE_REOPEN:
            self.close()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n{self.auth}{extra}"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        for attempt in (1, 2):
            reused = self.writer is not None
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection(
                        HOST, self.port, limit=2**20
                    )
                self.writer.write(head + body if len(body) < 65536 else head)
                if len(body) >= 65536:
                    self.writer.write(body)
                answer = await asyncio.wait_for(self._answer(), REQUEST_TIMEOUT)
                self.used = time.monotonic()
                return answer
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                self.close()
                # A kept-alive connection the server had just closed: once more on a new one,
                # as browsers do (an upload carries an Idempotency-Key: never stored twice).
                if not reused or attempt == 2:
                    raise HttpError(f"{type(exc).__name__}: {exc}") from exc
            except TimeoutError as exc:
                self.close()
                raise HttpError(f"no answer within {REQUEST_TIMEOUT:g} s") from exc
        raise AssertionError("unreachable")

    async def _answer(self) -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            fields[name.strip().lower()] = value.strip()
        if status in (204, 304) or 100 <= status < 200:
            body = b""  # no body, and no Content-Length to say so
        elif "content-length" in fields:
            body = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
            body = b"".join(parts)
        else:
            body = await self.reader.read()
            self.close()
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status, body


# ---------------------------------------------------------------------------------------------
# What was measured
# ---------------------------------------------------------------------------------------------


@dataclass
class Stats:
    """Every request's latency by type, every error, every business refusal."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    busy: float = 0.0

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def public(self) -> list[float]:
        return [ms for t in PUBLIC_TYPES for ms in self.latencies.get(t, [])]

    async def call(
        self,
        kind: str,
        conn: Connection,
        method: str,
        path: str,
        expect: Sequence[int] = (200,),
        **kwargs: Any,
    ) -> tuple[int, bytes] | None:
        """One request, timed and judged; None when it failed (the error is recorded)."""
        t0 = time.perf_counter()
        try:
            status, body = await conn.request(method, path, **kwargs)
        except HttpError as exc:
            self.errors.append(f"{kind} {method} {path}: {exc}")
            return None
        self.latencies[kind].append(1000 * (time.perf_counter() - t0))
        if status not in expect:
            text = body[:300].decode(errors="replace")
            self.errors.append(f"{kind} {method} {path}: HTTP {status}: {text}")
            return None
        return status, body


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]


# ---------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------


@dataclass
class Stage:
    """Everything the users need, made before anything is timed."""

    tender_id: str
    deadline: float  # time.time() of the bid deadline
    bidders: list[Bidder]
    envelopes: dict[str, Envelope]  # username → its envelope
    auction: list[Bidder]
    listing: Listing
    custodians: list[tuple[str, str, bytes]]  # (username, token, key PEM)
    host_token: str
    tender_ids: list[str]  # public tenders to read (the portal's and the one under opening)


def build_stage(services: Services, args: argparse.Namespace, deadline: datetime) -> Stage:
    """The deadline rush's world, a tender whose deadline is ``deadline``, its envelopes, the
    live listing, and what the public reads."""
    from sqlalchemy import select

    from prex.bootstrap import bootstrap
    from prex.shared.clock import FixedClock
    from prex.tenders.orm import tenders

    world = setup_world(services, args.bidders + args.auction)
    bidders, auctioneers = world.bidders[: args.bidders], world.bidders[args.bidders :]
    # Published 30 days before its deadline (the statutory minimum is 20), by a clock set back.
    past = bootstrap(services.settings, clock=FixedClock(deadline - timedelta(days=30)))
    try:
        tender_id = publish_tender(past, world, 1)
    finally:
        past.close()
    folder = Path(tempfile.mkdtemp(prefix="prex-load-seal-"))
    try:
        with ProcessPoolExecutor(max_workers=2) as pool:
            sealed = seal_envelopes(
                services, tender_id, bidders, int(args.envelope_mb * MB), folder, pool
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    listing = make_listing(
        services, dataclasses.replace(world, bidders=auctioneers), "L", COUNTDOWN
    )
    custodians = [(name, issue_token(services, name), key) for name, key in world.custodians]
    with services.read_session() as session:
        public_ids = list(
            session.scalars(
                select(tenders.c.id)
                .where(tenders.c.status.in_(["published", "evaluation", "awarded", "complete"]))
                .order_by(tenders.c.id.desc())
                .limit(400)
            )
        )
    return Stage(
        tender_id=tender_id,
        deadline=deadline.timestamp(),
        bidders=bidders,
        envelopes={e.bidder.username: e for e in sealed},
        auction=auctioneers,
        listing=listing,
        custodians=custodians,
        host_token=issue_token(services, "agency"),
        tender_ids=[tender_id, *public_ids],
    )


def hold_round(services: Services, listing_id: str, start: float) -> None:
    """The listing's countdown first runs out ``COUNTDOWN`` s after the mixed run starts (the
    worker would close a round nobody bids in during the baseline)."""
    from sqlalchemy import update

    from prex.auctions.orm import listings

    ends = datetime.fromtimestamp(start + COUNTDOWN, UTC)
    with services.writer_session() as session:
        session.execute(
            update(listings)
            .where(listings.c.id == listing_id)
            .values(round_ends_at=ends, next_check=ends)
        )
        session.commit()


# ---------------------------------------------------------------------------------------------
# The users
# ---------------------------------------------------------------------------------------------


class Run:
    """One phase: its users, its clock, its stats."""

    def __init__(
        self, port: int, stage: Stage, seconds: float, think: float, rush: float, seed: int
    ) -> None:
        self.port = port
        self.stage = stage
        self.think = think
        self.rush = rush  # bidders upload within the last `rush` seconds before the deadline
        self.rng = random.Random(seed)
        self.stats = Stats()
        self.started = time.time()
        self.ends = self.started + seconds
        self.opened = asyncio.Event()  # the bids are opened: bidders confirm
        self.confirmed = 0
        self.recorded = asyncio.Event()  # the host is done (the record published, or not)
        self.published = False
        self.closing = False  # the host is about to publish: no more confirmations
        self.confirming = 0  # confirmations in flight

    def left(self) -> float:
        return self.ends - time.time()

    async def pause(self, mean: float) -> bool:
        """A user's pause; False when the run is over."""
        wait = min(self.rng.expovariate(1 / mean), max(0.0, self.left()))
        await asyncio.sleep(wait)
        return self.left() > 0

    async def until(self, moment: float) -> bool:
        await asyncio.sleep(max(0.0, min(moment, self.ends) - time.time()))
        return time.time() < self.ends

    # -- the public ----------------------------------------------------------------------------

    def public_request(self) -> tuple[str, str]:
        s, rng = self.stage, self.rng
        tender = rng.choice(s.tender_ids)
        lst = s.listing.id
        choices: list[tuple[int, str, str]] = [
            (18, "portal_list", "/api/v1/tenders"),
            (6, "portal_list", "/api/v1/tenders?" + urlencode({"region": "330200"})),
            (6, "portal_list", "/api/v1/tenders?transaction_type=engineering&status=published"),
            (4, "portal_search", "/api/v1/tenders?" + urlencode({"q": COMMON_TERM})),
            (2, "portal_search", "/api/v1/tenders?" + urlencode({"q": RARE_TERM})),
            (12, "home_page", "/"),
            (12, "tender_api", f"/api/v1/tenders/{tender}"),
            (10, "tender_page", f"/tenders/{tender}"),
            (4, "hall_page", f"/tenders/{s.tender_id}/opening"),
            (6, "hall_state", f"/api/v1/tenders/{s.tender_id}/opening"),
            (4, "listings_page", "/listings"),
            (4, "listing_api", f"/api/v1/listings/{lst}"),
            (6, "listing_book", f"/api/v1/listings/{lst}/book"),
            (3, "auction_page", f"/listings/{lst}/live"),
            (3, "ocds_releases", "/api/v1/ocds/releases"),
            (3, "feed", "/api/v1/feed"),
        ]
        _, kind, path = rng.choices(choices, [w for w, _, _ in choices])[0]
        return kind, path

    async def public_user(self, conn: Connection | None = None) -> None:
        conn = conn or Connection(self.port)
        try:
            while await self.pause(self.think):
                kind, path = self.public_request()
                await self.stats.call(kind, conn, "GET", path)
        finally:
            conn.close()

    # -- bidders of the tender -----------------------------------------------------------------

    async def bidder(self, bidder: Bidder) -> None:
        s, stats = self.stage, self.stats
        conn = Connection(self.port, bidder.token)
        tender = f"/api/v1/tenders/{s.tender_id}"
        try:
            # When it uploads: within the last `rush` seconds, most of them near the end.
            rush = min(self.rush, max(5.0, s.deadline - time.time() - 10))
            upload_at = s.deadline - 5 - rush * (1 - math.sqrt(self.rng.random())) ** 2
            if not await self.until(upload_at - 20 - 10 * self.rng.random()):
                return
            await stats.call("tender_api", conn, "GET", tender)
            await stats.call("bid_parameters", conn, "GET", f"{tender}/bid-parameters")
            if not await self.until(upload_at):
                return
            envelope = s.envelopes[bidder.username]
            answer = await stats.call(
                "envelope_upload",
                conn,
                "POST",
                f"{tender}/bids",
                body=envelope.body,
                expect=(201,),
                headers={
                    "Content-Type": "application/octet-stream",
                    "Idempotency-Key": f"load-{bidder.username}",
                },
            )
            if answer is not None:
                receipt = json.loads(answer[1])
                if receipt.get("envelope_sha256") != envelope.sha256:
                    stats.errors.append(f"{bidder.username}: the receipt names another envelope")
            await stats.call("my_bids", conn, "GET", f"{tender}/bids/mine")
            await stats.call("check_in", conn, "POST", f"{tender}/opening/check-in", expect=(204,))
            if not await self.until(s.deadline + 1):
                return
            while not self.opened.is_set() and await self.pause(5.0):
                await stats.call("hall_state", conn, "GET", f"{tender}/opening")
            if self.opened.is_set() and self.left() > 0:
                await asyncio.sleep(self.rng.uniform(0.5, 8.0))
            if self.opened.is_set() and not self.closing:  # late: the hall is closing
                self.confirming += 1
                done = await stats.call(
                    "statement",
                    conn,
                    "POST",
                    f"{tender}/opening/statements",
                    body=b'{"kind": "confirmation"}',
                    expect=(201,),
                    headers={"Content-Type": "application/json"},
                )
                self.confirmed += done is not None
                self.confirming -= 1
            await self.recorded.wait()
            if self.published:
                await stats.call("opening_record", conn, "GET", f"{tender}/opening-record")
        finally:
            conn.close()
        await self.public_user()

    # -- the opening ---------------------------------------------------------------------------

    async def custodian(self, username: str, token: str, key_pem: bytes) -> None:
        from prex.envelope import release as releasing
        from prex.envelope.threshold import Commitments
        from prex.pki.certs import parse_certificate
        from prex.pki.keys import PrivateKey

        s, stats = self.stage, self.stats
        if not await self.until(s.deadline + self.rng.uniform(3, 20)):
            return
        conn = Connection(self.port, token)
        try:
            path = f"/api/v1/tenders/{s.tender_id}/opening/my-share"
            answer = await stats.call("share_fetch", conn, "GET", path)
            if answer is None:
                return
            mine = json.loads(answer[1])
            escrow = parse_certificate(mine["escrow_certificate"].encode())
            releasing.check_escrow_certificate(
                escrow, parse_certificate(mine["platform_ca"].encode())
            )
            index, blob = releasing.release_share(
                tender_id=s.tender_id,
                sealed_share=base64.b64decode(mine["sealed_share"]),
                custodian_key=PrivateKey.load(key_pem),
                commitments=Commitments.from_json(mine["commitments"]),
                escrow=escrow,
            )
            body = json.dumps({"escrowed": base64.b64encode(blob).decode()}).encode()
            await stats.call(
                "share_release",
                conn,
                "POST",
                f"/api/v1/tenders/{s.tender_id}/opening/shares/{index}",
                body=body,
                headers={"Content-Type": "application/json"},
            )
        finally:
            conn.close()

    async def host(self) -> None:
        s, stats = self.stage, self.stats
        conn = Connection(self.port, s.host_token)
        hall = f"/api/v1/tenders/{s.tender_id}/opening"
        try:
            if not await self.until(s.deadline + 2):
                return
            while True:  # the worker's deadline commitment, and every custodian's share
                answer = await stats.call("hall_state", conn, "GET", hall)
                if answer is not None:
                    state = json.loads(answer[1])
                    shares = len(state["shares_released"])
                    if state["commitment_sha256"] and shares >= len(s.custodians):
                        break
                if not await self.pause(1.0):
                    stats.notes.append("the run ended before the bids could be opened")
                    return
            opened = await stats.call("opening_open", conn, "POST", f"{hall}/open")
            if opened is None:
                return
            counts = json.loads(opened[1])
            stats.notes.append(f"opening: {counts}")
            self.opened.set()
            waited = time.time() + 60
            while self.confirmed < len(s.bidders) and time.time() < waited and self.left() > 2:
                await asyncio.sleep(0.5)
            self.closing = True
            while self.confirming:
                await asyncio.sleep(0.05)
            record = await stats.call(
                "opening_record_publish", conn, "POST", f"{hall}/record", expect=(201,)
            )
            if record is not None:
                self.published = True
                stats.notes.append(
                    f"opening record published {time.time() - s.deadline:.1f} s after the "
                    f"deadline, {self.confirmed} confirmations"
                )
        finally:
            self.recorded.set()
            conn.close()

    # -- the live auction ----------------------------------------------------------------------

    async def auctioneer(self, bidder: Bidder, ceiling: Decimal) -> None:
        from auction import _connect

        s, stats = self.stage, self.stats
        listing = s.listing
        url = f"ws://{HOST}:{self.port}/api/v1/listings/{listing.id}/live"
        t0 = time.perf_counter()
        try:
            ws = await asyncio.wait_for(_connect(url, bidder.token), REQUEST_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure to connect is an error
            stats.errors.append(f"auction connect {bidder.username}: {type(exc).__name__}: {exc}")
            return
        stats.latencies["auction_connect"].append(1000 * (time.perf_counter() - t0))
        number = listing.numbers[bidder.username]
        line = Line(ws, bidder.username, number)
        signer = Signer(bidder)
        try:
            await asyncio.wait_for(line.booked.wait(), REQUEST_TIMEOUT)
            n = 0
            while await self.pause(2 * self.think):
                if line.leader == number:  # not against oneself: wait to be outbid
                    line.changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(line.changed.wait(), max(0.1, self.left()))
                    continue
                if line.minimum is None or line.minimum > ceiling:
                    stats.notes.append(f"{bidder.username} stops at {ceiling}")
                    break
                amount = format(line.minimum, "f")
                signature = signer.sign(listing.id, number, line.minimum)
                ref = f"{bidder.username}-{n}"
                n += 1
                message = {"type": "bid", "ref": ref, "amount": amount, "signature": signature}
                ms, answer = await line.ask(ref, json.dumps(message))
                if answer is None:
                    stats.errors.append(f"auction bid {ref}: no answer")
                elif answer.get("type") == "error":
                    stats.errors.append(f"auction bid {ref}: {str(answer)[:300]}")
                else:
                    stats.latencies["auction_bid"].append(ms)
                    if answer.get("accepted") is not True:
                        stats.refused[f"auction_bid:{answer.get('reason')}"] += 1
            # A bidder that stopped bidding stays in the room until the run ends.
            await asyncio.sleep(max(0.0, self.left()))
        except TimeoutError:
            stats.errors.append(f"auction {bidder.username}: no book within {REQUEST_TIMEOUT} s")
        finally:
            stats.errors.extend(line.problems)
            await ws.close()
            line.reader.cancel()


def ceilings(rng: random.Random, n: int, seconds: float, think: float) -> list[Decimal]:
    """Each auction bidder's highest price: the round should end at about 70 % of the run
    (the rate of accepted bids is about one per bidder pause, shared by all)."""
    expected_bids = 0.7 * seconds / (2 * think) * n / 2
    rise = INCREMENT * Decimal(max(10, int(expected_bids)))
    return [
        START_PRICE + (rise * Decimal(rng.uniform(0.3, 1.0))).quantize(INCREMENT) for _ in range(n)
    ]


async def _phase(run: Run, users: int, mixed: bool, args: argparse.Namespace) -> None:
    s = run.stage
    tasks: list[Callable[[], Any]] = []
    if mixed:
        for b in s.bidders:
            tasks.append(lambda b=b: run.bidder(b))
        for b, top in zip(
            s.auction, ceilings(run.rng, len(s.auction), args.seconds, args.think), strict=True
        ):
            tasks.append(lambda b=b, top=top: run.auctioneer(b, top))
        for name, token, key in s.custodians:
            tasks.append(lambda n=name, t=token, k=key: run.custodian(n, t, k))
        tasks.append(run.host)
    while len(tasks) < users:
        tasks.append(run.public_user)
    await asyncio.gather(*(t() for t in tasks))


def drive(port: int, server_pid: int, stage: Stage, seconds: float, users: int, mixed: bool,
          args: argparse.Namespace, seed: int) -> Stats:  # fmt: skip
    try:
        import uvloop

        runner: Callable[[Any], Any] = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        runner = asyncio.run

    async def main() -> Stats:
        run = Run(port, stage, seconds, args.think, args.rush, seed)
        cpu0, busy0, t0 = _tree_cpu(server_pid), _machine_busy(), time.perf_counter()
        await _phase(run, users, mixed, args)
        run.stats.seconds = time.perf_counter() - t0
        busy1 = _machine_busy()
        run.stats.busy = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
        run.stats.server_cpu = _tree_cpu(server_pid) - cpu0
        return run.stats

    stats: Stats = runner(main())
    return stats


# ---------------------------------------------------------------------------------------------
# Afterwards: what must hold
# ---------------------------------------------------------------------------------------------


def check_world(services: Services, stage: Stage, data_dir: Path, url: str) -> list[str]:
    """Broken invariants: bids, the opening record, the auction's prices, the audit chain."""
    from sqlalchemy import func, select

    from prex.auctions.orm import listing_bids, listings
    from prex.bidding.orm import bids
    from prex.opening.orm import openings

    problems = []
    with services.read_session() as session:
        live = {
            r.bidder_org_id: r.envelope_sha256
            for r in session.execute(
                select(bids.c.bidder_org_id, bids.c.envelope_sha256).where(
                    bids.c.tender_id == stage.tender_id, bids.c.status == "live"
                )
            )
        }
        for b in stage.bidders:
            want = stage.envelopes[b.username].sha256
            if live.get(b.org_id) != want:
                problems.append(f"{b.username}: live bid {live.get(b.org_id)!r}, sent {want}")
        if len(live) != len(stage.bidders):
            problems.append(f"{len(live)} live bids for {len(stage.bidders)} bidders")
        auction_bids = session.scalar(
            select(func.count()).where(listing_bids.c.listing_id == stage.listing.id)
        )
        if stage.auction and not auction_bids:
            problems.append("the live auction took no bid")
        opening = session.execute(
            select(openings.c.status, openings.c.record_sha256).where(
                openings.c.tender_id == stage.tender_id
            )
        ).first()
        if opening is None or opening.record_sha256 is None:
            problems.append(f"no opening record published (opening: {opening})")
        amounts = [
            Decimal(a)
            for a in session.scalars(
                select(listing_bids.c.amount)
                .where(listing_bids.c.listing_id == stage.listing.id)
                .order_by(listing_bids.c.seq)
            )
        ]
        for before, after in zip(amounts, amounts[1:], strict=False):
            if after < before + INCREMENT:
                problems.append(f"auction: {after} accepted after {before}")
        status = session.scalar(select(listings.c.status).where(listings.c.id == stage.listing.id))
        print(f"auction: {len(amounts)} accepted bids, last {amounts[-1] if amounts else '-'}, "
              f"listing {status}", flush=True)  # fmt: skip
    verified = subprocess.run(
        [sys.executable, "-m", "prex.cli.main", "audit", "verify"],
        env=dict(os.environ, PREX_DATA_DIR=str(data_dir), PREX_DATABASE_URL=url),
        cwd=data_dir,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(f"prex audit verify: {verified.stdout.strip().splitlines()[-1:]}", flush=True)
    if verified.returncode != 0:
        problems.append(
            f"prex audit verify failed: {verified.stdout[-500:]}{verified.stderr[-500:]}"
        )
    return problems


# ---------------------------------------------------------------------------------------------
# The servers, the run, the report
# ---------------------------------------------------------------------------------------------


class Worker:
    """``prex worker`` in a subprocess: deadline commitments, the auction's countdown, the
    outbox's consumers."""

    def __init__(self, data_dir: Path, url: str) -> None:
        env = dict(os.environ, PREX_DATA_DIR=str(data_dir), PREX_DATABASE_URL=url)
        env.pop("PREX_ENVIRONMENT", None)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prex.cli.main", "worker"],
            cwd=data_dir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def settle(self, window: float = 3.0, limit: float = 600.0) -> float:
        """Wait until the worker has caught up (less than 10 % of a CPU over ``window``
        seconds, at most ``limit``): seeded rows make a backlog that production has once."""
        started = time.monotonic()
        while time.monotonic() - started < limit:
            cpu0 = _tree_cpu(self.process.pid)
            time.sleep(window)
            if _tree_cpu(self.process.pid) - cpu0 < 0.1 * window:
                break
        return time.monotonic() - started

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.seek(0)
        text = self.log.read().decode(errors="replace")
        self.log.close()
        return text


def fmt(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return f"{value:.1f}" if value >= 10 else f"{value:.3f}"


def table(name: str, stats: Stats) -> None:
    rate = stats.requests / stats.seconds
    print(f"\n{name}: {stats.requests} requests in {stats.seconds:.1f} s ({rate:.1f} req/s), "
          f"{len(stats.errors)} errors, server CPU {stats.server_cpu:.1f} s, "
          f"machine busy {100 * stats.busy:.0f} %")  # fmt: skip
    print(f"  {'request type':<24}{'count':>8}{'median ms':>12}{'p99 ms':>12}{'max ms':>12}")
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        print(f"  {kind:<24}{len(values):>8}{fmt(statistics.median(values)):>12}"
              f"{fmt(percentile(values, 99)):>12}{fmt(max(values)):>12}")  # fmt: skip
    for what, count in sorted(stats.refused.items()):
        print(f"  refused (business, not errors): {what}: {count}")
    for note in stats.notes:
        if " stops at " not in note:
            print(f"  {note}")
    for error in stats.errors[:20]:
        print(f"  ERROR {error}")


def report(base: Stats, mixed: Stats, problems: list[str], backend: str) -> None:
    table("portal only (baseline)", base)
    table("mixed", mixed)
    print(f"\nerrors: {len(mixed.errors)} in the mixed run, {len(base.errors)} in the baseline; "
          f"broken invariants: {len(problems)}")  # fmt: skip
    for problem in problems:
        print(f"  BROKEN {problem}")
    base_p99 = percentile(base.public(), 99)

    def line(name: str, ours: float, baseline: float, unit: str) -> None:
        print(f"RESULT load_{backend}_{name} ours={fmt(ours)}{unit} baseline={fmt(baseline)}{unit} "
              f"ratio={ours / baseline:.4f}")  # fmt: skip

    line("throughput", mixed.requests / mixed.seconds, base.requests / base.seconds, "req/s")
    line("public_p99", percentile(mixed.public(), 99), base_p99, "ms")
    line("public_median", statistics.median(mixed.public()), statistics.median(base.public()), "ms")
    for kind in sorted(mixed.latencies):
        values = mixed.latencies[kind]
        if kind in PUBLIC_TYPES and base.latencies.get(kind):
            line(f"{kind}_p99", percentile(values, 99), percentile(base.latencies[kind], 99), "ms")
        else:
            line(f"{kind}_p99", percentile(values, 99), base_p99, "ms")


def rate_limits_lifted() -> str:
    """Every simulated user shares one address: lift every per-caller budget, which would
    otherwise measure the limiter (a centre's users come from many addresses)."""
    from prex.web.ratelimits import EXPENSIVE

    return json.dumps({name: "1000000/1000000" for name in EXPENSIVE})


def bench(url: str, data_dir: Path, args: argparse.Namespace, backend: str) -> int:
    from prex.bootstrap import bootstrap
    from prex.config import get_settings

    print(f"[{backend}] seeding {args.tenders} portal tenders …", flush=True)
    seconds = seed(url, args.tenders)
    print(f"[{backend}] seeded in {seconds:.1f} s", flush=True)
    os.environ["PREX_RATE_LIMITS"] = rate_limits_lifted()
    settings = get_settings(data_dir=data_dir, database_url=url)
    services = bootstrap(settings)
    worker: Worker | None = None
    server: Server | None = None
    try:
        server = Server(data_dir, url, args.workers)
        worker = Worker(data_dir, url)
        print(f"[{backend}] prex serve --workers {args.workers} and prex worker started; the "
              "worker catches up with the seeded tenders …", flush=True)  # fmt: skip
        print(f"[{backend}] the worker was idle after {worker.settle():.0f} s", flush=True)
        # The deadline falls at DEADLINE_AT of the mixed run, which starts after the baseline;
        # setting up (sealing included) is given `setup` seconds.
        setup = 30 + 0.5 * args.bidders * args.envelope_mb
        start_mixed = time.time() + setup + args.baseline_seconds + 5
        deadline = datetime.fromtimestamp(start_mixed + DEADLINE_AT * args.seconds, UTC)
        t = time.perf_counter()
        stage = build_stage(services, args, deadline.replace(microsecond=0))
        print(f"[{backend}] world: {len(stage.bidders)} bidders, {len(stage.auction)} auction "
              f"bidders, {len(stage.custodians)} custodians, set up in "
              f"{time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
        hold_round(services, stage.listing.id, stage.deadline - DEADLINE_AT * args.seconds)
        print(f"[{backend}] portal only, {args.users} users, {args.baseline_seconds:g} s …",
              flush=True)  # fmt: skip
        base = drive(
            server.port, server.pid, stage, args.baseline_seconds, args.users, False, args, 1
        )
        start_mixed = stage.deadline - DEADLINE_AT * args.seconds
        if time.time() > start_mixed:
            late = time.time() - start_mixed
            print(f"[{backend}] set-up overran: the mixed run starts {late:.0f} s late "
                  "(the deadline is fixed)", flush=True)  # fmt: skip
        time.sleep(max(0.0, start_mixed - time.time()))
        length = stage.deadline + (1 - DEADLINE_AT) * args.seconds - time.time()
        print(f"[{backend}] mixed, {args.users} users, {length:.0f} s; the deadline at "
              f"{deadline:%H:%M:%S} UTC …", flush=True)  # fmt: skip
        mixed = drive(server.port, server.pid, stage, length, args.users, True, args, 2)
        if any(" HTTP 5" in e for e in base.errors + mixed.errors):
            print(f"[{backend}] the server's log ends:\n{server.output()}", flush=True)
        server.stop()
        log = worker.stop()
        server = worker = None
        if "Traceback" in log:
            mixed.errors.append("the worker logged a traceback:\n" + log[-2000:])
        problems = check_world(services, stage, data_dir, url)
    finally:
        if server is not None:
            server.stop()
        if worker is not None:
            worker.stop()
        services.close()
    report(base, mixed, problems, backend)
    return 1 if mixed.errors or base.errors or problems else 0


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run")
    parser.add_argument("--users", type=int, help="simulated users in all (default 500)")
    parser.add_argument("--seconds", type=float, help="the mixed run (default 600)")
    parser.add_argument("--baseline-seconds", type=float, help="the portal-only run (120)")
    parser.add_argument("--bidders", type=int, help="bidders uploading envelopes (60)")
    parser.add_argument("--auction", type=int, help="live auction bidders (30)")
    parser.add_argument("--envelope-mb", type=float, help="each sealed envelope's payload (2)")
    parser.add_argument(
        "--rush", type=float, help="uploads fall in this many s before the deadline (180)"
    )
    parser.add_argument("--think", type=float, default=5.0, help="a user's mean pause, s")
    parser.add_argument("--tenders", type=int, help="portal tenders seeded (20,000)")
    parser.add_argument("--workers", type=int, default=2, help="prex serve --workers")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args(argv)
    defaults = {  # full, quick
        "users": (500, 40), "seconds": (600.0, 60.0), "baseline_seconds": (120.0, 10.0),
        "bidders": (60, 6), "auction": (30, 5), "envelope_mb": (2.0, 0.2), "rush": (180.0, 12.0),
        "tenders": (20_000, 1_000),
    }  # fmt: skip
    for name, (full, quick) in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.quick and args.think == 5.0:
        args.think = 2.0
    if args.users < args.bidders + args.auction + 6 + 1:
        parser.error("--users must leave room for the bidders, custodians, host and the public")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="prex-load-"))
    try:
        if args.sqlite:
            return bench(f"sqlite:///{data_dir / 'prex.db'}", data_dir, args, "sqlite")
        pg = _postgres(args.pg_url)
        if isinstance(pg, str):
            print(f"cannot reach PostgreSQL at {args.pg_url} ({pg}); try --sqlite", flush=True)
            return 2
        url, drop = pg
        try:
            return bench(url, data_dir, args, "postgresql")
        finally:
            drop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
