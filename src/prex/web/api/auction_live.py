"""The live bidding channel of a listing: ``/api/v1/listings/{id}/live`` (WebSocket).

Anyone may watch; bidders appear only by number. The server sends, in this order on one line:

- ``{"type": "hello", "you": {"number", "may_bid"}}`` once, on connecting;
- ``{"type": "bids", "bids": [...]}``: every accepted bid after the client's last known sequence
  number (``?after_seq=N`` on connecting, or a ``resume`` message), in order and without gaps,
  before anything newer; then each newly accepted bid as it happens;
- ``{"type": "book", ...}``: the book (:func:`prex.auctions.views.book_view`, ``server_time``
  the server's clock when sent) on connecting, on every change, and at least every 10 s —
  without the book's list of latest bids, which the ``bids`` messages carry already (sent to
  every watcher on every change, it would be most of the bytes of the fan-out).

A signed-in bidder sends ``{"type": "bid", "ref", "amount", "signature"}`` (its credentials are
checked again for every bid, so signing out ends its bidding on lines already open); each client
message gets exactly one answer carrying its ``ref``: ``{"type": "ack", "accepted": true, …}``,
``{"type": "ack", "accepted": false, "reason", "best", "minimum", "seq"}`` (the book had moved
on: the server's decision, audited), or ``{"type": "error", "status", "problem"}`` (bad input,
not allowed). ``{"type": "resume", "ref", "after_seq"}`` resends the accepted bids after
``after_seq`` and is acknowledged after them. A listing that does not exist ends the line with
``{"error": "not-found", …}`` and close code 4404 (what ``live.js`` takes as a refusal).

How changes are noticed (decision 0010): a bid accepted in this process wakes every channel of
the listing at once (:data:`HUB`); bids and worker transitions made by other processes are seen
by one poll per listing and event loop of the listing row's cheap mark every
:data:`POLL_SECONDS`. The book and new bids are read once per change and shared by every
connection following the listing in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import threading
from collections import deque
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from prex.auctions import live, views
from prex.auctions.bidding import BidRefused, place_bid
from prex.shared.errors import DomainError
from prex.shared.events import to_jsonable
from prex.web.deps import connection_actor

if TYPE_CHECKING:
    from prex.bootstrap import Services
    from prex.identity.policy import Actor

log = logging.getLogger("prex.web.auction_live")
router = APIRouter(tags=["auctions"])

#: How often a listing's row is looked at for changes made by other processes (the worker,
#: another server process); a change made here is pushed at once.
POLL_SECONDS = 0.2
#: The longest the line stays quiet: clients keep the server's clock and notice a dead line.
HEARTBEAT_SECONDS = 10.0
#: Accepted bids kept in memory per listing, so that a connection catching up on a few bids
#: needs no query of its own.
RECENT = 256
AMOUNT = re.compile(r"^[0-9]{1,13}(\.[0-9]{1,2})?$")


class Channel:
    """One listing followed on one event loop: the book and the latest bids, read once per
    change and shared by every connection (follower) that waits on it."""

    def __init__(self, services: Services, listing_id: str) -> None:
        self.services = services
        self.listing_id = listing_id
        self.loop = asyncio.get_running_loop()
        self.followers: set[asyncio.Event] = set()
        self.book: dict[str, Any] | None = None
        self.book_text = ""  # the book as sent on a change: serialised once for every follower
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT)
        self.gone: DomainError | None = None
        self.loaded = asyncio.Event()
        self._mark: tuple[Any, ...] | None = None
        self._poked = asyncio.Event()
        self._task = self.loop.create_task(self._run())

    def poke(self) -> None:
        """Look now (called on the channel's loop)."""
        self._poked.set()

    def stop(self) -> None:
        self._task.cancel()

    async def _run(self) -> None:
        while True:
            try:
                mark = await run_in_threadpool(live.book_mark, self.services, self.listing_id)
                if mark != self._mark:
                    await self._load(mark)
            except DomainError as exc:
                self.gone = exc
                self.loaded.set()
                self._wake()
                return
            except Exception:  # a passing database error: look again at the next poll
                log.exception("live channel of listing %s", self.listing_id)
            self.loaded.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poked.wait(), timeout=POLL_SECONDS)
            self._poked.clear()

    async def _load(self, mark: tuple[Any, ...]) -> None:
        book = await run_in_threadpool(views.book_view, self.services, self.listing_id, last=0)
        del book["bids"]
        known = self.recent[-1]["seq"] if self.recent else max(0, book["seq"] - RECENT)
        while known < book["seq"]:
            fresh = await run_in_threadpool(live.bids_after, self.services, self.listing_id, known)
            if not fresh:
                break
            self.recent.extend(fresh)
            known = fresh[-1]["seq"]
        self.book, self._mark = book, mark
        self.book_text = json.dumps({"type": "book", **book})
        self._wake()

    def _wake(self) -> None:
        for event in self.followers:
            event.set()

    def bids_after(self, seq: int) -> list[dict[str, Any]] | None:
        """The accepted bids after ``seq`` up to the book's, when all are in memory."""
        if not self.recent or self.recent[0]["seq"] > seq + 1:
            return None
        # ``recent`` holds consecutive sequence numbers: skip straight to the first one due.
        return list(itertools.islice(self.recent, seq + 1 - self.recent[0]["seq"], None))


class Hub:
    """Every channel of this process, by event loop and listing; thread-safe, so that a bid
    accepted in a worker thread (the HTTP route) wakes the channels at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[tuple[int, int, str], Channel] = {}

    def join(self, services: Services, listing_id: str, event: asyncio.Event) -> Channel:
        key = (id(asyncio.get_running_loop()), id(services), listing_id)
        with self._lock:
            channel = self._channels.get(key)
            if channel is None:
                channel = self._channels[key] = Channel(services, listing_id)
            channel.followers.add(event)
        return channel

    def leave(self, channel: Channel, event: asyncio.Event) -> None:
        key = (id(channel.loop), id(channel.services), channel.listing_id)
        with self._lock:
            channel.followers.discard(event)
            if not channel.followers and self._channels.get(key) is channel:
                del self._channels[key]
                channel.stop()

    def notify(self, listing_id: str) -> None:
        """The listing's book changed in this process: every channel of it looks now."""
        with self._lock:
            channels = [c for (_, _, i), c in self._channels.items() if i == listing_id]
        for channel in channels:
            with contextlib.suppress(RuntimeError):  # its loop has just closed
                channel.loop.call_soon_threadsafe(channel.poke)


HUB = Hub()


def _seq(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def _problem(status: int, slug: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"/problems/{slug}",
        "title": slug.replace("-", " ").capitalize(),
        "status": status,
        "detail": detail,
        **{k: to_jsonable(v) for k, v in extra.items() if v is not None},
    }


class Connection:
    """One WebSocket following a listing: sends what the client has not seen yet, in order,
    and answers the client's messages."""

    def __init__(
        self, websocket: WebSocket, services: Services, actor: Actor, listing_id: str
    ) -> None:
        self.websocket = websocket
        self.services = services
        self.actor = actor
        self.listing_id = listing_id
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()  # one message at a time on the line
        self.sent_seq = 0
        self.sent_book: dict[str, Any] | None = None
        self.last_sent = 0.0
        self.channel = HUB.join(services, listing_id, self.wake)

    async def send(self, message: dict[str, Any]) -> None:
        await self.websocket.send_json(message)
        self.last_sent = asyncio.get_running_loop().time()

    async def push_bids(self) -> None:
        """Every accepted bid after ``sent_seq`` up to the channel's book (lock held)."""
        book = self.channel.book
        target = 0 if book is None else int(book["seq"])
        while self.sent_seq < target:
            bids = self.channel.bids_after(self.sent_seq)
            if bids is None:
                bids = await run_in_threadpool(
                    live.bids_after, self.services, self.listing_id, self.sent_seq
                )
            bids = [b for b in bids if b["seq"] <= target]
            if not bids:
                return
            await self.send({"type": "bids", "bids": bids})
            self.sent_seq = bids[-1]["seq"]

    async def push(self) -> bool:
        """Send what is new (and the book at least every 10 s); False once the listing is
        gone."""
        async with self.lock:
            if self.channel.gone is not None:
                exc = self.channel.gone
                await self.send({"error": exc.slug, "detail": str(exc)})
                await self.websocket.close(code=4404)
                return False
            book = self.channel.book
            if book is None:
                return True
            await self.push_bids()
            if book is not self.sent_book:
                # A change: the text the channel made once (its server_time is when it was read).
                await self.websocket.send_text(self.channel.book_text)
                self.last_sent = asyncio.get_running_loop().time()
                self.sent_book = book
            elif asyncio.get_running_loop().time() - self.last_sent >= HEARTBEAT_SECONDS:
                now = self.services.clock.now().isoformat()
                await self.send({"type": "book", **book, "server_time": now})
            return True

    async def follow(self) -> None:
        while await self.push():
            self.wake.clear()
            if self.channel.book is not None and self.channel.gone is None:
                left = self.last_sent + HEARTBEAT_SECONDS - asyncio.get_running_loop().time()
            else:
                left = HEARTBEAT_SECONDS
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=max(0.05, left))

    async def answer(self) -> None:
        """Each message of the client, answered exactly once, in the order received."""
        while True:
            text = await self.websocket.receive_text()
            try:
                message = json.loads(text)
            except ValueError:
                message = None
            if not isinstance(message, dict):
                await self.reply(
                    None, error=_problem(400, "malformed-json", "a message is a JSON object")
                )
                continue
            ref = message.get("ref")
            if ref is not None and not isinstance(ref, (str, int)) or isinstance(ref, bool):
                ref = None
            kind = message.get("type")
            if kind == "bid":
                await self.bid(ref, message)
            elif kind == "resume":
                await self.resume(ref, message)
            else:
                detail = "a message's type is bid or resume"
                await self.reply(ref, error=_problem(422, "invalid-input", detail, field="type"))

    async def reply(self, ref: Any, *, error: dict[str, Any] | None = None, **fields: Any) -> None:
        if error is not None:
            message = {"type": "error", "ref": ref, "status": error["status"], "problem": error}
        else:
            message = {"type": "ack", "ref": ref, **fields}
        async with self.lock:
            await self.send(message)

    async def resume(self, ref: Any, message: dict[str, Any]) -> None:
        after = _seq(message.get("after_seq"))
        if after is None:
            detail = "after_seq is the last sequence number seen (0 for all)"
            await self.reply(ref, error=_problem(422, "invalid-input", detail, field="after_seq"))
            return
        async with self.lock:
            self.sent_seq = after
            await self.push_bids()
            await self.send({"type": "ack", "ref": ref, "accepted": True, "after_seq": after})

    async def bid(self, ref: Any, message: dict[str, Any]) -> None:
        amount, signature = message.get("amount"), message.get("signature")
        if isinstance(amount, int) and not isinstance(amount, bool):
            amount = str(amount)
        if not isinstance(amount, str) or not AMOUNT.match(amount):
            detail = "amount is yuan as text, at most two decimal places"
            await self.reply(ref, error=_problem(422, "invalid-input", detail, field="amount"))
            return
        if not isinstance(signature, str) or not 16 <= len(signature) <= 90000:
            detail = "signature is the base64 CMS signature of the bid"
            await self.reply(ref, error=_problem(422, "invalid-input", detail, field="signature"))
            return
        try:
            result = await run_in_threadpool(self._place, amount, signature)
        except BidRefused as exc:
            await self.reply(
                ref,
                accepted=False,
                reason=exc.context.get("reason"),
                best=exc.context.get("best"),
                minimum=exc.context.get("minimum"),
                seq=exc.context.get("seq"),
                detail=exc.message,
            )
            return
        except DomainError as exc:
            extra = {k: v for k, v in exc.context.items() if k not in ("type", "status")}
            await self.reply(ref, error=_problem(exc.status, exc.slug, exc.message, **extra))
            return
        except Exception:
            log.exception("bid over the live channel of listing %s", self.listing_id)
            problem = _problem(500, "internal-error", "the bid could not be processed")
            await self.reply(ref, error=problem)
            return
        HUB.notify(self.listing_id)
        await self.reply(ref, accepted=True, **result)

    def _place(self, amount: str, signature: str) -> dict[str, Any]:
        """The bid, by whoever the connection's credentials name *now*: a session signed out
        or a token revoked since the line opened bids no more (one primary-key read a bid)."""
        self.actor = connection_actor(self.websocket, self.services)
        return place_bid(
            self.services.uow(self.actor), self.services, self.listing_id, amount, signature
        )

    def close(self) -> None:
        HUB.leave(self.channel, self.wake)


@router.websocket("/listings/{listing_id}/live")
async def listing_live(websocket: WebSocket, listing_id: str) -> None:
    """The bidding, live (see the module's docstring for the messages)."""
    services = websocket.app.state.services
    actor = await run_in_threadpool(connection_actor, websocket, services)
    await websocket.accept()
    connection = Connection(websocket, services, actor, listing_id)
    tasks: list[asyncio.Task[None]] = []
    try:
        await connection.channel.loaded.wait()
        if connection.channel.gone is None:
            you = await run_in_threadpool(live.bidder_view, services, listing_id, actor.org_id)
            await connection.send({"type": "hello", "you": you})
            after = _seq(websocket.query_params.get("after_seq"))
            book = connection.channel.book
            known = int(book["seq"]) if book else 0
            connection.sent_seq = known if after is None else min(after, known)
        tasks = [
            asyncio.create_task(connection.answer()),
            asyncio.create_task(connection.follow()),
        ]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = task.exception()
            if error is not None and not isinstance(error, WebSocketDisconnect):
                log.warning("live channel of listing %s ended: %r", listing_id, error)
    except WebSocketDisconnect:
        pass
    finally:
        for task in tasks:
            task.cancel()
        connection.close()
