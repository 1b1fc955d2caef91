"""The public change feed: every change of public data, in commit order, resumable anywhere.

The feed pages the outbox by its sequence number. That number is assigned under the
``audit_head`` row lock, which a writer holds until it commits (:mod:`prex.db.uow`), so numbers
become visible in the order they were given: once a reader sees number *n*, every smaller
number is visible too and none will appear later. A cursor is therefore one number — "everything
up to here has been read" — with no timestamp watermark and no look-back (decision 0012 compares
this with Prozorro's feed, and ``tests/integration/test_feed_concurrency.py`` checks it under
concurrent writers that stall between taking their numbers and committing).

A page reads the next ``limit`` outbox rows, keeps those whose event type is public
(:mod:`prex.exchange.public_forms`) and whose object is public now, and attaches the object's
*current* public form. ``next_cursor`` is the position after the last row *scanned*, public or
not, so a stretch of private events (logins, sealed bids) still moves a consumer on.

Other publishers of the same outbox (OCDS, the national data-spec datasets, upstream push) use
:func:`public_changes` with their own numeric position, kept in ``outbox_cursors``.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, case, null, select, type_coerce

from prex.audit.orm import audit_head, outbox
from prex.exchange.public_forms import PUBLIC_EVENTS, public_forms, publicity_of
from prex.shared.clock import ensure_utc
from prex.shared.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from prex.bootstrap import Services

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# Event types whose payload the feed reads: to decide publicity (an answer published or kept
# private) or to find the one item the change added (an accepted bid). Never shown as such.
PAYLOAD_DEPENDENT = frozenset(name for name, p in PUBLIC_EVENTS.items() if p.reads_payload)
_CURSOR_TEXT = re.compile(r"feed\.v1\.(0|[1-9][0-9]{0,17})")


class InvalidCursor(InvalidInput):
    """A cursor this feed did not give out: malformed, or past the end of the feed (a cursor
    of another platform, or of this one before its database was restored)."""

    slug = "invalid-feed-cursor"


def encode_cursor(position: int) -> str:
    """The opaque cursor for "every outbox row up to ``position`` has been read"."""
    return base64.urlsafe_b64encode(f"feed.v1.{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The position a cursor stands for (no cursor: the start of the feed)."""
    if cursor is None or cursor == "":
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise InvalidCursor("the cursor is not one this feed gave out", field="cursor") from exc
    match = _CURSOR_TEXT.fullmatch(text)
    if match is None or encode_cursor(int(match.group(1))) != cursor:
        raise InvalidCursor("the cursor is not one this feed gave out", field="cursor")
    return int(match.group(1))


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as the feed scans it (the payload only to decide publicity)."""

    seq: int
    at: datetime
    event: str
    object_type: str
    object_id: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One public change: the event, and the changed object's public form *now* (which may
    already include later changes; each of those comes as a change of its own)."""

    seq: int
    at: datetime
    event: str
    form: str
    object_id: str
    data: dict[str, Any]
    detail: dict[str, Any] | None = None  # the one item this change added (an accepted bid)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": ensure_utc(self.at).isoformat(),
            "event": self.event,
            "type": self.form,
            "id": self.object_id,
            "object": self.data,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class FeedPage:
    changes: list[Change]
    position: int  # after the last outbox row scanned
    has_more: bool  # the scan stopped at the limit: ask again at once

    @property
    def next_cursor(self) -> str:
        return encode_cursor(self.position)


def scan_outbox(conn: Connection, after: int, limit: int) -> list[OutboxRow]:
    """The next ``limit`` outbox rows after ``after``, in sequence order (one statement, so one
    snapshot: a prefix of the commit order, never a later row without an earlier one).

    Payloads are read only for the event types that need them (some payloads, such as a
    committee draw's, are large and the feed never shows them); the others come back empty."""
    payload = case((outbox.c.event.in_(sorted(PAYLOAD_DEPENDENT)), outbox.c.payload), else_=null())
    rows = conn.execute(
        select(
            outbox.c.seq,
            outbox.c.at,
            outbox.c.event,
            outbox.c.object_type,
            outbox.c.object_id,
            type_coerce(payload, JSON).label("payload"),
        )
        .where(outbox.c.seq > after)
        .order_by(outbox.c.seq)
        .limit(limit)
    ).all()
    return [
        OutboxRow(int(r.seq), r.at, r.event, r.object_type, r.object_id, dict(r.payload or {}))
        for r in rows
    ]


def head_position(conn: Connection) -> int:
    """The last sequence number committed (0 for an empty log)."""
    seq = conn.execute(select(audit_head.c.seq).where(audit_head.c.id == 1)).scalar_one_or_none()
    return int(seq or 0)


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit is 1…{MAX_LIMIT}", field="limit", limit=limit)


def public_changes(services: Services, after: int, limit: int = DEFAULT_LIMIT) -> FeedPage:
    """The public changes among the next ``limit`` outbox rows after position ``after``.

    Reads committed data only (the reader engine). Each object's form is computed once per
    page, however many of its changes the page holds, and tenders' forms all together
    (:func:`~prex.exchange.public_forms.public_forms`)."""
    _check_limit(limit)
    if after < 0:
        raise InvalidCursor("a feed position is never negative", field="cursor")
    with services.read_connection() as conn:
        rows = scan_outbox(conn, after, limit)
        if not rows and after > head_position(conn):
            raise InvalidCursor(
                "the cursor is past the end of this feed", field="cursor", position=after
            )
    public = [(row, p) for row in rows if (p := publicity_of(row.event, row.payload)) is not None]
    forms = public_forms(services, {(p.form, row.object_id) for row, p in public})
    changes: list[Change] = []
    for row, publicity in public:
        data = forms[(publicity.form, row.object_id)]
        if data is None:
            continue
        detail = None
        if publicity.detail is not None:
            detail = publicity.detail(services, row.object_id, row.payload)
        changes.append(
            Change(row.seq, row.at, row.event, publicity.form, row.object_id, data, detail)
        )
    position = rows[-1].seq if rows else after
    return FeedPage(changes, position, has_more=len(rows) == limit)


def read_feed(services: Services, cursor: str | None, limit: int = DEFAULT_LIMIT) -> FeedPage:
    """One page of the feed after ``cursor`` (None: from the beginning)."""
    _check_limit(limit)
    return public_changes(services, decode_cursor(cursor), limit)
