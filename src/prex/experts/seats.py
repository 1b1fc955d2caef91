"""The arithmetic of seats in evaluation rooms (评标室), without a database: bookings are
half-open windows ``[starts_at, ends_at)`` of a number of seats, and a room holds a booking
when at no instant of its window the room's bookings need more seats than it has.

:mod:`prex.experts.venues` applies it to the tables under the room's lock, and to each venue of
a committee before its draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class BookingStatus(StrEnum):
    """A seat booking's status; a booking is released, never deleted (the audit trail names it)."""

    ACTIVE = "active"  # holds its seats
    RELEASED = "released"  # given back by the venue's centre; counts for nothing


Interval = tuple[datetime, datetime, int]  # [starts_at, ends_at) and the seats taken


def peak_seats(intervals: Iterable[Interval]) -> int:
    """The most seats taken at any one instant by half-open ``[start, end)`` bookings: one
    ending at the instant another starts does not overlap it. Empty intervals take nothing."""
    changes: list[tuple[datetime, int]] = []
    for start, end, seats in intervals:
        if start < end:
            changes += [(start, seats), (end, -seats)]
    # At one instant the ends (negative) come before the starts: the intervals are half-open.
    changes.sort(key=lambda c: (c[0], c[1] > 0))
    peak = current = 0
    for _, delta in changes:
        current += delta
        peak = max(peak, current)
    return peak


def fits(capacity: int, booked: Iterable[Interval], wanted: Interval) -> bool:
    """Whether ``wanted`` fits in a room of ``capacity`` seats next to ``booked``: only the
    instants of its own window matter, so the others are clipped to it."""
    start, end, seats = wanted
    clipped = [(max(s, start), min(e, end), n) for s, e, n in booked]
    return peak_seats([*clipped, wanted]) <= capacity


@dataclass(frozen=True)
class Shortage:
    """A venue with registered rooms that has too few seats booked for the tender."""

    centre_id: str
    centre_name: str
    members: int  # the members the committee spec seats there
    booked: int  # the most seats booked for the tender at one instant (active, not ended)

    def __str__(self) -> str:
        return (
            f"venue {self.centre_name} (centre {self.centre_id}) seats {self.members} "
            f"member{'s' if self.members != 1 else ''} but has {self.booked} "
            f"seat{'s' if self.booked != 1 else ''} booked for this tender"
        )
