"""Events of evaluation rooms and seat bookings (audit entries; no expert is named in them).

Room events are about the room (``evaluation_room``); booking events about the tender, so that
they appear in the tender's audit trail next to the committee's draw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class EvaluationRoomRegistered(DomainEvent):
    centre_id: str
    name: str
    seats: int


@dataclass(frozen=True)
class EvaluationRoomUpdated(DomainEvent):
    centre_id: str
    changes: dict[str, Any]  # field → [before, after]


@dataclass(frozen=True)
class SeatsBooked(DomainEvent):
    booking_id: str
    room_id: str
    centre_id: str  # the venue whose room it is
    seats: int
    starts_at: str  # ISO 8601; the window is [starts_at, ends_at)
    ends_at: str


@dataclass(frozen=True)
class SeatsReleased(DomainEvent):
    booking_id: str
    room_id: str
    centre_id: str
    seats: int
