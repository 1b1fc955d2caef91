"""Tables of the centres' evaluation rooms (评标室) and the seats a tender's committee books in
them for a remote evaluation (远程异地评标).

A room is deactivated, never deleted, so that past bookings keep their room; a booking is
released, never deleted. ``seat_bookings.centre_id`` repeats the room's centre (the venue), so
that the draw's check reads a tender's seats per venue without a join."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime

evaluation_rooms = Table(
    "evaluation_rooms",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=False),
    Column("name", String(100), nullable=False),  # e.g. 第3评标室
    Column("seats", Integer, nullable=False),  # experts seated at once
    Column("active", Boolean, nullable=False),  # False: no longer bookable
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("seats >= 1", name="seats"),
)
Index(
    "uq_evaluation_rooms_name", evaluation_rooms.c.centre_id, evaluation_rooms.c.name, unique=True
)

seat_bookings = Table(
    "seat_bookings",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("room_id", String(26), ForeignKey("evaluation_rooms.id"), nullable=False),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=False),  # the venue
    Column("seats", Integer, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),  # the window [starts_at, ends_at)
    Column("ends_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # active | released
    Column("booked_by", String(26), nullable=True),
    Column("booked_at", UTCDateTime, nullable=False),
    Column("released_by", String(26), nullable=True),
    Column("released_at", UTCDateTime, nullable=True),
    CheckConstraint("seats >= 1", name="seats"),
    CheckConstraint("ends_at > starts_at", name="window"),
)
Index("ix_seat_bookings_room", seat_bookings.c.room_id, seat_bookings.c.status)
Index("ix_seat_bookings_tender", seat_bookings.c.tender_id)
