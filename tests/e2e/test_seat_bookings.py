"""Seats of a remote evaluation (远程异地评标): the province (main venue) and the city (sub venue)
register their evaluation rooms; each books seats in its own rooms for the tender's committee;
a room is never booked beyond its seats at any instant; the draw waits until every venue that
keeps rooms here has seats for its members; a booking is released; every step is audited."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.identity import service as identity
from prex.tenders.model import TenderStatus
from prex.tenders.service import advance_tender
from tests.e2e.test_committee import SPEC, seed_experts
from tests.factories import ADMIN_ACTOR, PASSWORD, auth, chain_of
from tests.opening_world import BIDDERS, Opening

API = "/api/v1"


def add_operator(opening: Opening, username: str, centre_id: str) -> dict[str, str]:
    identity.create_user(
        opening.services.uow(ADMIN_ACTOR),
        username=username,
        password=PASSWORD,
        display_name=f"{username} 值班员",
        roles=["operator"],
        org_id=opening.world.orgs["operator"],
        centre_id=centre_id,
    )
    return auth(opening.services, username)


def window(start: datetime, hours: float, length: float) -> dict[str, str]:
    begins = start + timedelta(hours=hours)
    return {
        "starts_at": begins.isoformat(),
        "ends_at": (begins + timedelta(hours=length)).isoformat(),
    }


def book(opening: Opening, headers: dict[str, str], room: str, seats: int, span: Any) -> Any:
    return opening.client.post(
        f"{API}/tenders/{opening.id}/seat-bookings",
        json={"room_id": room, "seats": seats, **span},
        headers=headers,
    )


def test_venues_book_their_own_seats_and_the_draw_waits_for_them(opening: Opening) -> None:
    client, services, world = opening.client, opening.services, opening.world
    province = auth(services, "operator")
    city = add_operator(opening, "operator_hz", world.city_centre_id)

    # Rooms: each centre registers its own; listing is for the centre's operators/supervisors.
    rooms_url = f"{API}/centres/{{}}/evaluation-rooms"
    hall = client.post(
        rooms_url.format(world.centre_id), json={"name": "第1评标室", "seats": 4}, headers=province
    )
    assert hall.status_code == 201, hall.text
    small = client.post(
        rooms_url.format(world.centre_id), json={"name": "第2评标室", "seats": 2}, headers=province
    ).json()
    annex = client.post(
        rooms_url.format(world.city_centre_id),
        json={"name": "远程评标室", "seats": 3},
        headers=city,
    )
    assert annex.status_code == 201, annex.text
    hall_id, annex_id = hall.json()["id"], annex.json()["id"]
    assert (
        client.post(
            rooms_url.format(world.city_centre_id), json={"name": "x", "seats": 9}, headers=province
        ).status_code
        == 403
    )
    again = client.post(
        rooms_url.format(world.centre_id), json={"name": "第1评标室", "seats": 6}, headers=province
    )
    assert again.status_code == 409
    assert (
        client.post(
            rooms_url.format(world.centre_id), json={"name": "空", "seats": 0}, headers=province
        ).status_code
        == 422
    )
    listed = client.get(rooms_url.format(world.centre_id), headers=auth(services, "supervisor"))
    assert [r["name"] for r in listed.json()] == ["第1评标室", "第2评标室"]
    assert client.get(rooms_url.format(world.centre_id), headers=city).status_code == 403
    for who in ("bidder", "tenderer", "expert"):
        url = rooms_url.format(world.centre_id)
        assert client.get(url, headers=auth(services, who)).status_code == 403
    assert client.get(rooms_url.format(world.centre_id)).status_code == 401

    # A third centre's room is not a venue of this committee.
    third = identity.create_centre(
        services.uow(ADMIN_ACTOR),
        name="宁波市公共资源交易中心",
        division_code="330200",
        parent_id=world.centre_id,
        platform_code="PREX3302",
    )
    ningbo = add_operator(opening, "operator_nb", third)
    elsewhere = client.post(
        rooms_url.format(third), json={"name": "宁波评标室", "seats": 9}, headers=ningbo
    ).json()

    # The committee: province 3 + 1, city 2 + 1.
    ids = seed_experts(opening)
    spec = json.loads(json.dumps(SPEC))
    spec["venues"][0]["centre_id"] = world.centre_id
    spec["venues"][1]["centre_id"] = world.city_centre_id
    committee_url = f"{API}/tenders/{opening.id}/committee"
    assert client.put(committee_url, json=spec, headers=province).status_code == 200

    day = datetime.fromisoformat(opening.tender["bid_deadline"]) + timedelta(days=1)
    # Each venue books its own seats: not the host for the sub venue, nor the other way round.
    assert book(opening, province, annex_id, 2, window(day, 0, 4)).status_code == 403
    assert book(opening, city, hall_id, 2, window(day, 0, 4)).status_code == 403
    assert book(opening, auth(services, "bidder"), hall_id, 2, window(day, 0, 4)).status_code == 403
    outside = book(opening, ningbo, elsewhere["id"], 2, window(day, 0, 4))
    assert outside.status_code == 409 and "not a venue" in outside.json()["detail"]
    empty = book(opening, province, hall_id, 2, window(day, 4, 0))
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    past = book(opening, province, hall_id, 2, window(services.clock.now(), -5, 2))
    assert past.status_code == 422 and "ended" in past.json()["detail"]
    naive = {"starts_at": "2026-05-01T09:00:00", "ends_at": "2026-05-01T12:00:00"}
    assert book(opening, province, hall_id, 2, naive).status_code == 422

    # Capacity: the hall has 4 seats at any one instant.
    morning = book(opening, province, hall_id, 3, window(day, 0, 4))
    assert morning.status_code == 201, morning.text
    overlapping = book(opening, province, hall_id, 2, window(day, 2, 4))
    assert overlapping.status_code == 409
    assert "4 seats and 3 of them are booked" in overlapping.json()["detail"]
    touching = book(opening, province, hall_id, 2, window(day, 4, 4))  # [4h, 8h): no overlap
    assert touching.status_code == 201, touching.text
    squeezed = book(opening, province, hall_id, 1, window(day, 1, 2))  # 3 + 1 = 4 fits
    assert squeezed.status_code == 201, squeezed.text
    assert book(opening, province, hall_id, 1, window(day, 2, 2)).status_code == 409  # 3+1+1
    # A room cannot shrink below, or be deactivated under, the bookings still to come.
    shrink = client.patch(f"{API}/evaluation-rooms/{hall_id}", json={"seats": 3}, headers=province)
    assert shrink.status_code == 409 and "4 seats" in shrink.json()["detail"]
    closing = client.patch(
        f"{API}/evaluation-rooms/{hall_id}", json={"active": False}, headers=province
    )
    assert closing.status_code == 409
    renamed = client.patch(
        f"{API}/evaluation-rooms/{hall_id}",
        json={"name": "第一评标室", "seats": 5},
        headers=province,
    )
    assert renamed.status_code == 200 and renamed.json()["seats"] == 5
    retired = client.patch(
        f"{API}/evaluation-rooms/{small['id']}", json={"active": False}, headers=province
    )
    assert retired.status_code == 200 and retired.json()["active"] is False
    assert book(opening, province, small["id"], 1, window(day, 0, 1)).status_code == 409
    assert (
        client.patch(
            f"{API}/evaluation-rooms/{hall_id}", json={"seats": 9}, headers=city
        ).status_code
        == 403
    )

    # After the deadline: the draw waits for the city's seats (it keeps rooms here).
    for n, leaf in enumerate(("ecdsa-org", "ecdsa-p384", "sm2-org")):
        user, price = BIDDERS[leaf]
        assert opening.submit(opening.seal(leaf, price), user, f"seats-{n}-001").status_code == 201
    opening.to_deadline()
    refused = client.post(f"{committee_url}/draw", headers=province)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert "杭州市公共资源交易中心" in problem["detail"]
    assert "seats 2 members but has 0 seats booked" in problem["detail"]
    assert problem["venues"] == [{"centre_id": world.city_centre_id, "members": 2, "booked": 0}]
    one = book(opening, city, annex_id, 1, window(day, 0, 8))
    assert one.status_code == 201
    short = client.post(f"{committee_url}/draw", headers=province)
    assert short.status_code == 409 and "has 1 seat booked" in short.json()["detail"]
    two = book(opening, city, annex_id, 1, window(day, 0, 8))
    drawn = client.post(f"{committee_url}/draw", headers=province)
    assert drawn.status_code == 200, drawn.text

    # The committee view lists each venue's seats: rooms and windows, no expert names.
    view = client.get(committee_url).json()
    assert [(v["centre_id"], v["members"], v["booked"]) for v in view["venues"]] == [
        (world.centre_id, 3, 4),
        (world.city_centre_id, 2, 2),
    ]
    assert [b["room"] for b in view["venues"][1]["bookings"]] == ["远程评标室", "远程评标室"]
    assert view["venues"][0]["bookings"][0]["room"] == "第一评标室"
    assert not any(name in json.dumps(view, ensure_ascii=False) for name in ids)
    operator_view = client.get(committee_url, headers=province).json()
    assert "booking" not in json.dumps(operator_view["record"] or {})
    row = client.get(committee_url, headers=province).json()
    assert row["status"] == "drawn"

    # Release: by the venue's own centre, once; never leaving the drawn committee short.
    release_url = f"{API}/seat-bookings/{two.json()['id']}/release"
    assert client.post(release_url, headers=province).status_code == 403
    needed = client.post(release_url, headers=city)
    assert needed.status_code == 409 and "needs these seats" in needed.json()["detail"]
    assert book(opening, city, annex_id, 1, window(day, 0, 8)).status_code == 201  # a spare
    released = client.post(release_url, headers=city)
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert client.post(release_url, headers=city).status_code == 409
    listing = client.get(f"{API}/tenders/{opening.id}/seat-bookings", headers=city).json()
    assert {b["id"]: b["status"] for b in listing}[two.json()["id"]] == "released"
    assert len(listing) == 6
    assert (
        client.get(
            f"{API}/tenders/{opening.id}/seat-bookings", headers=auth(services, "supervisor")
        ).status_code
        == 200
    )
    assert (
        client.get(f"{API}/tenders/{opening.id}/seat-bookings", headers=ningbo).status_code == 403
    )

    # Every step is in the audit chain, with the actor and the address.
    with services.read_session() as session:
        entries = session.execute(
            select(audit_log)
            .where(
                audit_log.c.action.in_(
                    [
                        "EvaluationRoomRegistered",
                        "EvaluationRoomUpdated",
                        "SeatsBooked",
                        "SeatsReleased",
                    ]
                )
            )
            .order_by(audit_log.c.seq)
        ).all()
    actions = [e.action for e in entries]
    assert actions.count("EvaluationRoomRegistered") == 4
    assert actions.count("EvaluationRoomUpdated") == 2
    assert actions.count("SeatsBooked") == 6 and actions.count("SeatsReleased") == 1
    booked = [e for e in entries if e.action == "SeatsBooked"]
    assert {e.object_id for e in booked} == {opening.id}
    assert {e.actor_id for e in booked} == {
        world.users["operator"],
        _user_id(opening, "operator_hz"),
    }
    assert all(e.address for e in entries)
    released_entry = next(e for e in entries if e.action == "SeatsReleased")
    assert released_entry.payload["event"]["booking_id"] == two.json()["id"]
    trail = client.get(f"{API}/audit/tender/{opening.id}", headers=province).json()
    assert {"SeatsBooked", "SeatsReleased", "CommitteeDrawn"} <= {e["action"] for e in trail}
    assert chain_of(services).ok

    # Later on, the result: the bookings stay; a finished tender takes no more.
    for status in (TenderStatus.EVALUATION, TenderStatus.PUBLICITY):
        advance_tender(services.uow(ADMIN_ACTOR), opening.id, status, "评标结束，公示候选人")
    assert client.get(committee_url).status_code == 200


def _user_id(opening: Opening, username: str) -> str:
    from prex.identity.orm import users

    with opening.services.read_session() as session:
        return str(
            session.execute(select(users.c.id).where(users.c.username == username)).scalar_one()
        )


def test_a_committee_whose_venues_keep_no_rooms_is_drawn_without_bookings(
    opening: Opening,
) -> None:
    client, services, world = opening.client, opening.services, opening.world
    province = auth(services, "operator")
    seed_experts(opening)
    spec = json.loads(json.dumps(SPEC))
    spec["venues"][0]["centre_id"] = world.centre_id
    spec["venues"][1]["centre_id"] = world.city_centre_id
    url = f"{API}/tenders/{opening.id}/committee"
    assert client.put(url, json=spec, headers=province).status_code == 200
    # Only the province keeps rooms here, and books enough for its 3 members.
    room = client.post(
        f"{API}/centres/{world.centre_id}/evaluation-rooms",
        json={"name": "第1评标室", "seats": 5},
        headers=province,
    ).json()
    day = datetime.fromisoformat(opening.tender["bid_deadline"]) + timedelta(days=1)
    assert book(opening, province, room["id"], 3, window(day, 0, 4)).status_code == 201
    for n, leaf in enumerate(("ecdsa-org", "ecdsa-p384", "sm2-org")):
        user, price = BIDDERS[leaf]
        assert opening.submit(opening.seal(leaf, price), user, f"rooms-{n}-001").status_code == 201
    opening.to_deadline()
    drawn = client.post(f"{url}/draw", headers=province)
    assert drawn.status_code == 200, drawn.text
    venues = client.get(url).json()["venues"]
    assert [v["rooms_registered"] for v in venues] == [True, False]


def test_a_redraw_after_an_interruption_waits_for_the_seats_of_the_new_committee(
    opening: Opening,
) -> None:
    from prex.worker import run_once
    from tests.e2e.test_evaluation_interruption import LIMIT, Room, trail

    room = Room(opening)  # drawn and evaluating: the province kept no rooms here then
    client, services = room.client, room.services
    hall = client.post(
        f"{API}/centres/{opening.world.centre_id}/evaluation-rooms",
        json={"name": "第1评标室", "seats": 6},
        headers=room.operator,
    ).json()
    room.pause("评标室断电")
    room.later(LIMIT + timedelta(minutes=1))
    assert run_once(services).dissolved == 1
    committee = room.committee()
    assert committee["status"] == "dissolved" and committee["round"] == 2
    failed = [t for t in trail(services, opening.id) if t.action == "CommitteeRedrawFailed"]
    assert len(failed) == 1
    assert "seats 5 members but has 0 seats booked" in failed[0].payload["event"]["reason"]

    retry = client.post(f"{room.committee_url}/draw", headers=room.operator)
    assert retry.status_code == 409 and "has 0 seats booked" in retry.json()["detail"]
    seats = book(opening, room.operator, hall["id"], 5, window(services.clock.now(), 1, 8))
    assert seats.status_code == 201, seats.text
    drawn = client.post(f"{room.committee_url}/draw", headers=room.operator)
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["round"] == 2
    assert chain_of(services).ok
