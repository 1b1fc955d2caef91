"""Evaluation rooms (评标室) of the centres and the seats a remote evaluation (远程异地评标)
books in them.

Each centre registers its rooms, each with a number of seats. A tender's committee sits at
its venues — the main venue (the tender's centre) and sub venues at other centres
(:class:`prex.experts.draw.CommitteeSpec`) — and each venue's own centre books seats in one of
its rooms for the evaluation's window ``[starts_at, ends_at)``: remote evaluation is a
cooperation of centres, so the host does not book another centre's rooms.

A booking is refused when, at any instant of its window, the room's active bookings would need
more seats than the room has (:func:`prex.experts.seats.peak_seats`; the room's row is locked
meanwhile). The draw refuses (:func:`require_seats`) while a venue that has registered active
rooms has fewer seats booked for the tender than the members the spec seats there; a venue
without registered rooms is not constrained (a centre that does not keep its rooms on the
platform).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from prex.db.uow import SqlUnitOfWork
from prex.experts import draw as drawing
from prex.experts import venues_events as ev
from prex.experts.committee_orm import committee_draws
from prex.experts.seats import BookingStatus, Interval, Shortage, fits, peak_seats
from prex.experts.venues_orm import evaluation_rooms, seat_bookings
from prex.identity.orm import centres
from prex.identity.policy import Action, Actor, Resource, authorize, is_allowed
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from prex.shared.ids import new_id
from prex.tenders.orm import tenders
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services


def _room(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "centre_id": row.centre_id,
        "name": row.name,
        "seats": row.seats,
        "active": row.active,
    }


def _booking(row: Any, room_name: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "tender_id": row.tender_id,
        "centre_id": row.centre_id,
        "room_id": row.room_id,
        "room": room_name,
        "seats": row.seats,
        "starts_at": row.starts_at.isoformat(),
        "ends_at": row.ends_at.isoformat(),
        "status": row.status,
        **({"released_at": row.released_at.isoformat()} if row.released_at else {}),
    }


def _centre_resource(centre_id: str) -> Resource:
    return Resource("centre", centre_id, centre_id)


def _future_bookings(session: Session, room_id: str, now: datetime) -> list[Interval]:
    """The room's active bookings that have not ended by ``now``."""
    return [
        (r.starts_at, r.ends_at, r.seats)
        for r in session.execute(
            select(seat_bookings.c.starts_at, seat_bookings.c.ends_at, seat_bookings.c.seats).where(
                seat_bookings.c.room_id == room_id,
                seat_bookings.c.status == BookingStatus.ACTIVE.value,
                seat_bookings.c.ends_at > now,
            )
        )
    ]


def register_room(uow: SqlUnitOfWork, centre_id: str, name: str, seats: int) -> dict[str, Any]:
    """The centre's operator registers one of its evaluation rooms."""
    authorize(uow.actor, Action.VENUE_MANAGE, _centre_resource(centre_id))
    name = name.strip()
    if not name:
        raise InvalidInput("a room has a name", field="name")
    if seats < 1:
        raise InvalidInput("a room has at least one seat", field="seats")
    with uow:
        if (
            uow.session.execute(select(centres.c.id).where(centres.c.id == centre_id)).first()
            is None
        ):
            raise NotFound(f"no centre '{centre_id}'", centre_id=centre_id)
        taken = uow.session.execute(
            select(evaluation_rooms.c.id).where(
                evaluation_rooms.c.centre_id == centre_id, evaluation_rooms.c.name == name
            )
        ).first()
        if taken is not None:
            raise Conflict(
                f"the centre has a room named '{name}' already",
                centre_id=centre_id,
                room_id=taken.id,
            )
        now = uow.clock.now()
        room_id = new_id()
        uow.session.execute(
            insert(evaluation_rooms).values(
                id=room_id,
                centre_id=centre_id,
                name=name,
                seats=seats,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        uow.record(
            ev.EvaluationRoomRegistered(
                "evaluation_room", room_id, now, centre_id=centre_id, name=name, seats=seats
            )
        )
        uow.commit()
    return {"id": room_id, "centre_id": centre_id, "name": name, "seats": seats, "active": True}


def update_room(
    uow: SqlUnitOfWork,
    room_id: str,
    *,
    name: str | None = None,
    seats: int | None = None,
    active: bool | None = None,
) -> dict[str, Any]:
    """Rename a room, change its seats, deactivate or reactivate it. Fewer seats than its
    bookings still to come need at one instant — or deactivating it while it has any — is
    refused: release those bookings first."""
    with uow:
        room = uow.session.execute(
            select(evaluation_rooms).where(evaluation_rooms.c.id == room_id).with_for_update()
        ).first()
        if room is None:
            raise NotFound(f"no evaluation room '{room_id}'", room_id=room_id)
        authorize(uow.actor, Action.VENUE_MANAGE, _centre_resource(room.centre_id))
        changes: dict[str, Any] = {}
        if name is not None and name.strip() != room.name:
            if not name.strip():
                raise InvalidInput("a room has a name", field="name")
            changes["name"] = [room.name, name.strip()]
        if seats is not None and seats != room.seats:
            if seats < 1:
                raise InvalidInput("a room has at least one seat", field="seats")
            changes["seats"] = [room.seats, seats]
        if active is not None and active != room.active:
            changes["active"] = [room.active, active]
        if not changes:
            return _room(room)
        now = uow.clock.now()
        capacity = 0 if active is False else (seats if seats is not None else room.seats)
        needed = peak_seats(_future_bookings(uow.session, room_id, now))
        if needed > capacity:
            what = "deactivated" if capacity == 0 else f"reduced to {capacity} seats"
            raise Conflict(
                f"room {room.name} cannot be {what}: its active bookings still to come take "
                f"{needed} seats at one instant; release them first",
                room_id=room_id,
                booked=needed,
            )
        if "name" in changes:
            clash = uow.session.execute(
                select(evaluation_rooms.c.id).where(
                    evaluation_rooms.c.centre_id == room.centre_id,
                    evaluation_rooms.c.name == changes["name"][1],
                )
            ).first()
            if clash is not None:
                raise Conflict(
                    f"the centre has a room named '{changes['name'][1]}' already",
                    room_id=clash.id,
                )
        values = {field: after for field, (_, after) in changes.items()}
        uow.session.execute(
            update(evaluation_rooms)
            .where(evaluation_rooms.c.id == room_id)
            .values(**values, updated_at=now)
        )
        uow.record(
            ev.EvaluationRoomUpdated(
                "evaluation_room", room_id, now, centre_id=room.centre_id, changes=changes
            )
        )
        uow.commit()
    return {**_room(room), **values}


def rooms_of(
    services: Services, actor: Actor, centre_id: str, *, inactive: bool = False
) -> list[dict[str, Any]]:
    """A centre's rooms (active ones unless ``inactive``), for its operators and supervisors."""
    authorize(actor, Action.VENUE_READ, _centre_resource(centre_id))
    with services.read_session() as session:
        if session.execute(select(centres.c.id).where(centres.c.id == centre_id)).first() is None:
            raise NotFound(f"no centre '{centre_id}'", centre_id=centre_id)
        query = select(evaluation_rooms).where(evaluation_rooms.c.centre_id == centre_id)
        if not inactive:
            query = query.where(evaluation_rooms.c.active.is_(True))
        return [_room(r) for r in session.execute(query.order_by(evaluation_rooms.c.name))]


def book_seats(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    room_id: str,
    seats: int,
    starts_at: datetime,
    ends_at: datetime,
) -> dict[str, Any]:
    """Book ``seats`` in ``room_id`` for the committee of ``tender_id`` over
    ``[starts_at, ends_at)``. The room's centre must be one of the committee's venues, and its
    own operator books (the resource's centre is the room's)."""
    actor = uow.actor
    tender = get_tender_for(services.uow(actor), tender_id)
    if tender.status.terminal:
        raise Conflict(f"the tender is {tender.status.value}: no seats are booked for it")
    if seats < 1:
        raise InvalidInput("a booking takes at least one seat", field="seats")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput("a booking's window is given with its time zone", field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput(
            f"the window is empty: it ends ({ends_at.isoformat()}) no later than it starts "
            f"({starts_at.isoformat()})",
            field="ends_at",
        )
    with uow:
        now = uow.clock.now()
        if ends_at <= now:
            raise InvalidInput(
                f"the window ended ({ends_at.isoformat()}) before now ({now.isoformat()})",
                field="ends_at",
            )
        # The room's row lock serialises the bookings of one room (SQLite: the write lock).
        room = uow.session.execute(
            select(evaluation_rooms).where(evaluation_rooms.c.id == room_id).with_for_update()
        ).first()
        if room is None:
            raise NotFound(f"no evaluation room '{room_id}'", room_id=room_id)
        authorize(actor, Action.SEAT_BOOK, Resource("evaluation_room", room_id, room.centre_id))
        if not room.active:
            raise Conflict(f"room {room.name} is deactivated", room_id=room_id)
        spec_json = uow.session.execute(
            select(committee_draws.c.spec).where(committee_draws.c.tender_id == tender.id)
        ).scalar()
        if spec_json is None:
            raise Conflict(
                f"tender {tender.id} has no committee defined: its venues are not known yet",
                tender_id=tender.id,
            )
        spec = drawing.CommitteeSpec.from_json(spec_json)
        if room.centre_id not in {v.centre_id for v in spec.venues}:
            raise Conflict(
                f"room {room.name} belongs to centre {room.centre_id}, which is not a venue of "
                f"the committee of tender {tender.id}",
                room_id=room_id,
                tender_id=tender.id,
            )
        booked = _future_bookings(uow.session, room_id, now)
        wanted = (starts_at, ends_at, seats)
        if not fits(room.seats, booked, wanted):
            clipped = [(max(s, starts_at), min(e, ends_at), n) for s, e, n in booked]
            taken = peak_seats(clipped)
            raise Conflict(
                f"room {room.name} has {room.seats} seats and {taken} of them are booked at "
                f"some instant of {starts_at.isoformat()}–{ends_at.isoformat()}: "
                f"{seats} more do not fit",
                room_id=room_id,
                seats=room.seats,
                booked=taken,
                wanted=seats,
            )
        booking_id = new_id()
        uow.session.execute(
            insert(seat_bookings).values(
                id=booking_id,
                tender_id=tender.id,
                room_id=room_id,
                centre_id=room.centre_id,
                seats=seats,
                starts_at=starts_at,
                ends_at=ends_at,
                status=BookingStatus.ACTIVE.value,
                booked_by=actor.user_id,
                booked_at=now,
            )
        )
        uow.record(
            ev.SeatsBooked(
                "tender",
                tender.id,
                now,
                booking_id=booking_id,
                room_id=room_id,
                centre_id=room.centre_id,
                seats=seats,
                starts_at=starts_at.isoformat(),
                ends_at=ends_at.isoformat(),
            )
        )
        uow.commit()
    return {
        "id": booking_id,
        "tender_id": tender.id,
        "centre_id": room.centre_id,
        "room_id": room_id,
        "room": room.name,
        "seats": seats,
        "starts_at": starts_at.isoformat(),
        "ends_at": ends_at.isoformat(),
        "status": BookingStatus.ACTIVE.value,
    }


def release_booking(uow: SqlUnitOfWork, booking_id: str) -> dict[str, Any]:
    """The venue's centre gives a booking's seats back."""
    with uow:
        row = uow.session.execute(
            select(seat_bookings).where(seat_bookings.c.id == booking_id).with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no seat booking '{booking_id}'", booking_id=booking_id)
        authorize(uow.actor, Action.SEAT_BOOK, Resource("seat_booking", booking_id, row.centre_id))
        if row.status != BookingStatus.ACTIVE.value:
            raise Conflict(
                f"seat booking {booking_id} is {row.status} already", booking_id=booking_id
            )
        now = uow.clock.now()
        uow.session.execute(
            update(seat_bookings)
            .where(seat_bookings.c.id == booking_id)
            .values(
                status=BookingStatus.RELEASED.value, released_at=now, released_by=uow.actor.user_id
            )
        )
        uow.record(
            ev.SeatsReleased(
                "tender",
                row.tender_id,
                now,
                booking_id=booking_id,
                room_id=row.room_id,
                centre_id=row.centre_id,
                seats=row.seats,
            )
        )
        _keep_the_sitting_committee_seated(uow.session, row, now)
        room = uow.session.execute(
            select(evaluation_rooms.c.name).where(evaluation_rooms.c.id == row.room_id)
        ).scalar_one()
        uow.commit()
    return {
        **_booking(row, room),
        "status": BookingStatus.RELEASED.value,
        "released_at": now.isoformat(),
    }


#: While a drawn committee sits (or waits for its redraw), its seats are not given back short.
_SITTING_TENDER = ("opening", "evaluation")
_SITTING_DRAW = ("drawn", "dissolved")


def _keep_the_sitting_committee_seated(session: Session, booking: Any, now: datetime) -> None:
    """Refuse a release (inside its transaction, after the update) that would leave a drawn
    committee's venue with fewer booked seats than the members it seats."""
    draw = session.execute(
        select(committee_draws.c.status, committee_draws.c.spec).where(
            committee_draws.c.tender_id == booking.tender_id
        )
    ).first()
    status = session.execute(
        select(tenders.c.status).where(tenders.c.id == booking.tender_id)
    ).scalar()
    if draw is None or draw.status not in _SITTING_DRAW or status not in _SITTING_TENDER:
        return
    spec = drawing.CommitteeSpec.from_json(draw.spec)
    short = [
        s
        for s in seat_shortages(session, booking.tender_id, spec, now)
        if s.centre_id == booking.centre_id
    ]
    if short:
        raise Conflict(
            "the drawn committee needs these seats until the evaluation ends: "
            + "; ".join(str(s) for s in short),
            booking_id=booking.id,
        )


def _venue_ids(session: Session, tender_id: str) -> list[str]:
    spec_json = session.execute(
        select(committee_draws.c.spec).where(committee_draws.c.tender_id == tender_id)
    ).scalar()
    if spec_json is None:
        return []
    return [v.centre_id for v in drawing.CommitteeSpec.from_json(spec_json).venues]


def bookings_of(services: Services, actor: Actor, tender_id: str) -> list[dict[str, Any]]:
    """Every booking for the tender (released ones too), for the operators and supervisors of
    the tender's centre or of one of its committee's venues."""
    tender = get_tender_for(services.uow(actor), tender_id)
    with services.read_session() as session:
        centre_ids = [tender.centre_id, *_venue_ids(session, tender.id)]
        if not any(is_allowed(actor, Action.VENUE_READ, _centre_resource(c)) for c in centre_ids):
            raise PermissionDenied(
                f"{actor.label} may not '{Action.VENUE_READ}' on tender {tender.id}",
                action=str(Action.VENUE_READ),
                user_id=actor.user_id,
            )
        rows = session.execute(
            select(seat_bookings, evaluation_rooms.c.name.label("room_name"))
            .join(evaluation_rooms, evaluation_rooms.c.id == seat_bookings.c.room_id)
            .where(seat_bookings.c.tender_id == tender.id)
            .order_by(seat_bookings.c.starts_at, seat_bookings.c.id)
        ).all()
    return [_booking(r, r.room_name) for r in rows]


def seats_by_venue(
    session: Session, tender_id: str, spec: drawing.CommitteeSpec, now: datetime
) -> list[dict[str, Any]]:
    """Per venue of ``spec``: the members it seats, whether its centre has registered active
    rooms (else it is not constrained), the seats booked for the tender (the most at one
    instant, of the active bookings not ended by ``now``) and those bookings."""
    ids = [v.centre_id for v in spec.venues]
    names = dict(
        session.execute(select(centres.c.id, centres.c.name).where(centres.c.id.in_(ids))).all()
    )
    with_rooms = set(
        session.execute(
            select(evaluation_rooms.c.centre_id).where(
                evaluation_rooms.c.centre_id.in_(ids), evaluation_rooms.c.active.is_(True)
            )
        ).scalars()
    )
    rows = session.execute(
        select(seat_bookings, evaluation_rooms.c.name.label("room_name"))
        .join(evaluation_rooms, evaluation_rooms.c.id == seat_bookings.c.room_id)
        .where(
            seat_bookings.c.tender_id == tender_id,
            seat_bookings.c.status == BookingStatus.ACTIVE.value,
            seat_bookings.c.ends_at > now,
        )
        .order_by(seat_bookings.c.starts_at, seat_bookings.c.id)
    ).all()
    return [
        {
            "centre_id": venue.centre_id,
            "centre": names.get(venue.centre_id, venue.centre_id),
            "members": venue.members,
            "rooms_registered": venue.centre_id in with_rooms,
            "booked": peak_seats(
                (r.starts_at, r.ends_at, r.seats) for r in rows if r.centre_id == venue.centre_id
            ),
            "bookings": [
                {
                    "id": r.id,
                    "room": r.room_name,
                    "seats": r.seats,
                    "starts_at": r.starts_at.isoformat(),
                    "ends_at": r.ends_at.isoformat(),
                }
                for r in rows
                if r.centre_id == venue.centre_id
            ],
        }
        for venue in spec.venues
    ]


def seat_shortages(
    session: Session, tender_id: str, spec: drawing.CommitteeSpec, now: datetime
) -> list[Shortage]:
    """The venues with registered rooms whose booked seats fall short of their members."""
    return [
        Shortage(v["centre_id"], v["centre"], v["members"], v["booked"])
        for v in seats_by_venue(session, tender_id, spec, now)
        if v["rooms_registered"] and v["booked"] < v["members"]
    ]


def require_seats(
    session: Session, tender_id: str, spec: drawing.CommitteeSpec, now: datetime
) -> None:
    """Refuse a draw while a venue with registered rooms lacks seats for its members."""
    if short := seat_shortages(session, tender_id, spec, now):
        raise Conflict(
            "the committee cannot be drawn before its seats are booked: "
            + "; ".join(str(s) for s in short),
            tender_id=tender_id,
            venues=[
                {"centre_id": s.centre_id, "members": s.members, "booked": s.booked} for s in short
            ],
        )
