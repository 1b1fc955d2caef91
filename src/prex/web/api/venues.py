"""HTTP API of evaluation rooms (评标室) and the seats a tender's committee books in them for a
remote evaluation (远程异地评标)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from prex.experts import venues
from prex.identity.policy import Action
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(tags=["experts"])


class RoomCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    seats: int = Field(ge=1, le=500)


class RoomUpdate(BaseModel):
    """Only the fields given change; ``active: false`` deactivates the room."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)
    seats: int | None = Field(default=None, ge=1, le=500)
    active: bool | None = None


class BookingCreate(BaseModel):
    """Seats in a room of one of the committee's venues, for ``[starts_at, ends_at)``."""

    model_config = ConfigDict(extra="forbid")
    room_id: str = Field(min_length=1, max_length=26)
    seats: int = Field(ge=1, le=500)
    starts_at: AwareDatetime
    ends_at: AwareDatetime


@router.post(
    "/centres/{centre_id}/evaluation-rooms",
    status_code=201,
    openapi_extra=acts(Action.VENUE_MANAGE),
    dependencies=[Depends(require(Action.VENUE_MANAGE))],
)
def register_room(centre_id: str, body: RoomCreate, uow: UowDep) -> dict[str, Any]:
    """Register one of the centre's evaluation rooms with its number of seats."""
    return venues.register_room(uow, centre_id, body.name, body.seats)


@router.get(
    "/centres/{centre_id}/evaluation-rooms",
    openapi_extra=acts(Action.VENUE_READ),
    dependencies=[Depends(require(Action.VENUE_READ))],
)
def list_rooms(
    centre_id: str, actor: ActorDep, services: ServicesDep, inactive: bool = False
) -> list[dict[str, Any]]:
    """The centre's evaluation rooms (``?inactive=true``: the deactivated ones too)."""
    return venues.rooms_of(services, actor, centre_id, inactive=inactive)


@router.patch(
    "/evaluation-rooms/{room_id}",
    openapi_extra=acts(Action.VENUE_MANAGE),
    dependencies=[Depends(require(Action.VENUE_MANAGE))],
)
def update_room(room_id: str, body: RoomUpdate, uow: UowDep) -> dict[str, Any]:
    """Rename a room, change its seats, deactivate or reactivate it."""
    return venues.update_room(uow, room_id, name=body.name, seats=body.seats, active=body.active)


@router.post(
    "/tenders/{tender_id}/seat-bookings",
    status_code=201,
    openapi_extra=acts(Action.SEAT_BOOK),
    dependencies=[Depends(require(Action.SEAT_BOOK))],
)
def book_seats(
    tender_id: str, body: BookingCreate, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Book seats for the tender's committee in a room of the actor's own centre, which must
    be one of the committee's venues; refused if the room's seats would be exceeded."""
    return venues.book_seats(
        uow, services, tender_id, body.room_id, body.seats, body.starts_at, body.ends_at
    )


@router.get(
    "/tenders/{tender_id}/seat-bookings",
    openapi_extra=acts(Action.VENUE_READ),
    dependencies=[Depends(require(Action.VENUE_READ))],
)
def list_bookings(tender_id: str, actor: ActorDep, services: ServicesDep) -> list[dict[str, Any]]:
    """Every seat booking for the tender, released ones included."""
    return venues.bookings_of(services, actor, tender_id)


@router.post(
    "/seat-bookings/{booking_id}/release",
    openapi_extra=acts(Action.SEAT_BOOK),
    dependencies=[Depends(require(Action.SEAT_BOOK))],
)
def release_booking(booking_id: str, uow: UowDep) -> dict[str, Any]:
    """Give a booking's seats back (the venue's own centre)."""
    return venues.release_booking(uow, booking_id)
