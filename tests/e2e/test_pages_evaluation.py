"""The evaluation room page as the server renders it (no script), its WebSocket, and the audit
of every document a committee member opens: the page for a sitting member (the opened bids with
their documents, the method, the member's forms, no expert's name) and for the centre (no
forms); refused to a bidder and to an expert who does not sit, sign-in for the public; the
WebSocket pushes the room with the server's time and refuses whoever may not read it."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import unquote

import pytest
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from prex.audit.orm import audit_log
from prex.shared.clock import FixedClock
from tests.e2e.test_evaluation import OUTLIER
from tests.evaluation_world import Room, started_room
from tests.factories import auth, chain_of, published_tender
from tests.opening_world import MARKER, Opening


@pytest.fixture
def room(opening: Opening) -> Room:
    return started_room(opening)


def page(room: Room, user: str | None, lang: str = "en") -> Any:
    headers = room.headers(user) if user else {}
    url = f"/tenders/{room.opening.id}/evaluation?lang={lang}"
    return room.opening.client.get(url, headers=headers, follow_redirects=False)


def element(html: str, element_id: str) -> str:
    """The opening tag of the element with this id."""
    match = re.search(rf'<[^>]*\bid="{element_id}"[^>]*>', html)
    assert match is not None, f"no #{element_id}"
    return match.group(0)


def no_name_of(room: Room, html: str, reader: str | None = None) -> None:
    """No expert's name (a refused expert's header may name that expert, to that expert)."""
    own = room.name_of(reader) if reader and reader.startswith("judge") else None
    assert [name for name in room.names if name in html and name != own] == []


def test_a_sitting_member_sees_the_bids_documents_method_and_own_forms_under_a_pseudonym(
    room: Room, clock: FixedClock
) -> None:
    judge = room.judges[0]
    response = page(room, judge)
    assert response.status_code == 200, response.text[:2000]
    html = unescape(response.text)
    no_name_of(room, html)  # not even the reader's own name in the header
    assert room.sitting[judge] in re.search(r'id="room-me">([^<]*)<', html).group(1)  # type: ignore[union-attr]
    assert 'data-status="open"' in element(html, "room")
    assert f'data-live-url="/api/v1/tenders/{room.opening.id}/evaluation/live"' in html
    assert clock.now().isoformat() in element(html, "room")  # the server's clock

    # The opened bids, their prices as read out, and a link to each of their documents.
    for bid_id in room.bid_of.values():
        assert f'data-bid-id="{bid_id}"' in html
        assert re.search(rf'href="/api/v1/bids/{bid_id}/documents/[^"]+"', html)
    assert "7,900,000.00" in html
    # The method: review items, criteria with their ranges and steps.
    assert "资质等级、项目经理资格符合招标文件要求" in html
    assert "施工组织设计" in html and "0 to 30, in steps of 1" in html
    assert "0 to 10, in steps of 0.5" in html
    # The member's review form, one row per bid and item; scores wait for every review.
    assert html.count('<tr class="mark"') == 3 * 2
    assert " hidden" in element(html, "score-form")
    assert " hidden" not in element(html, "scores-wait")
    assert " disabled" not in element(html, "review-fieldset")
    # No inline script (CSP): the page's script is a module file.
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert '<script type="module" src="/static/evaluation.js"></script>' in html

    # Once every review is in, the score form lists the bids that passed, with each range.
    for user in room.judges:
        assert room.put(user, "review").status_code == 200
    html = unescape(page(room, judge).text)
    assert " hidden" not in element(html, "score-form")
    assert html.count('class="score" type="number"') == 3 * 2
    assert 'min="0" max="30" step="1"' in html and 'min="0" max="10" step="0.5"' in html
    assert f'class="panel sheet" data-member="{room.sitting[room.judges[1]]}"' in html

    # Paused by the centre: the page shows it locked.
    paused = room.opening.client.post(
        f"{room.url}/pause", json={"reason": "网络中断"}, headers=room.headers("operator")
    )
    assert paused.status_code == 200
    html = unescape(page(room, judge).text)
    assert " hidden" not in element(html, "room-paused")
    assert " disabled" in element(html, "review-fieldset")
    assert " disabled" in element(html, "score-fieldset")


def test_the_centre_follows_the_room_without_forms_and_document_links(room: Room) -> None:
    for user in ("operator", "supervisor"):
        response = page(room, user)
        assert response.status_code == 200, response.text[:2000]
        html = unescape(response.text)
        no_name_of(room, html)
        assert 'id="review-form"' not in html and 'id="score-form"' not in html
        assert "/documents/" not in html
        assert all(f'data-member="{p}"' in html for p in room.sitting.values())


def test_bidders_experts_not_sitting_and_the_public_are_refused(room: Room) -> None:
    for user in ("bidder_ec", room.outsider, "agency"):
        response = page(room, user)
        assert response.status_code == 403, (user, response.status_code)
        no_name_of(room, response.text, user)
        assert "/documents/" not in response.text
    anonymous = page(room, None)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == (
        f"/login?next=%2Ftenders%2F{room.opening.id}%2Fevaluation%3Flang%3Den"
    )
    # A tender whose evaluation has not started: not found, even for the centre.
    client = room.opening.client
    other = published_tender(client, room.opening.world, auth(room.opening.services, "agency"))
    response = client.get(f"/tenders/{other['id']}/evaluation", headers=room.headers("operator"))
    assert response.status_code == 404


def test_the_websocket_pushes_the_room_live_and_refuses_who_may_not_read_it(
    room: Room, clock: FixedClock
) -> None:
    client = room.opening.client
    live = f"{room.url}/live"
    judge, other = room.judges[0], room.judges[1]
    with client.websocket_connect(live, headers=room.headers(judge)) as ws:
        first = ws.receive_json()
        assert first["tender_id"] == room.opening.id and first["status"] == "open"
        assert first["server_time"] == clock.now().isoformat()
        assert [m["me"] for m in first["members"]].count(True) == 1
        assert all(b["documents"] and b["documents"][0]["name"] for b in first["bids"])
        criteria = {c["id"]: c for c in first["method"]["criteria"]}
        assert (criteria["management"]["minimum"], criteria["management"]["step"]) == ("0", "0.5")
        assert first["sheets"] == []
        assert not any(name in str(first) for name in room.names)
        # Another member's finished sheet comes by itself, under the pseudonym.
        assert room.put(other, "review").status_code == 200
        second = ws.receive_json()
        assert [s["member"] for s in second["sheets"]] == [room.sitting[other]]
        assert not any(name in str(second) for name in room.names)

    with client.websocket_connect(live, headers=room.headers("operator")) as ws:
        assert ws.receive_json()["tender_id"] == room.opening.id

    refusals = [
        (room.headers(room.outsider), live, 4403, "forbidden"),
        (room.headers("bidder_ec"), live, 4403, "forbidden"),
        ({}, live, 4403, "unauthenticated"),
        (room.headers("operator"), "/api/v1/tenders/nope/evaluation/live", 4404, "not-found"),
    ]
    for headers, url, code, slug in refusals:
        with client.websocket_connect(url, headers=headers) as ws:
            refusal = ws.receive_json()
            assert refusal["error"] == slug and refusal["detail"], refusal
            assert "server_time" not in refusal and "sheets" not in refusal
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == code


def test_every_document_read_is_audited_under_the_members_seat_and_scores_are_audited(
    room: Room,
) -> None:
    client, services = room.opening.client, room.opening.services
    judge = room.judges[0]
    bid_id = room.bid_of["sm2-org"]
    with client.websocket_connect(f"{room.url}/live", headers=room.headers(judge)) as ws:
        documents = next(b for b in ws.receive_json()["bids"] if b["bid_id"] == bid_id)
    name = documents["documents"][0]["name"]
    # The page links to it (the name URL-encoded); that link is what the member follows.
    html = page(room, judge).text
    link = re.search(rf'href="(/api/v1/bids/{bid_id}/documents/[^"]+)"', html)
    assert link is not None
    url = unescape(link.group(1))
    assert unquote(url) == f"/api/v1/bids/{bid_id}/documents/{name}"

    def reads() -> list[Any]:
        with services.read_session() as session:
            return list(
                session.execute(
                    select(audit_log)
                    .where(audit_log.c.action == "BidDocumentRead")
                    .order_by(audit_log.c.seq)
                ).all()
            )

    assert client.get(url, headers=room.headers(room.outsider)).status_code == 403
    assert client.get(url, headers=room.headers("operator")).status_code == 403
    assert reads() == []  # a refused read reads nothing
    for _ in range(2):  # every read, not the first one only
        read = client.get(url, headers=room.headers(judge))
        assert read.status_code == 200 and MARKER in read.content.decode()
    entries = reads()
    assert len(entries) == 2
    for entry in entries:
        event = entry.payload["event"]
        assert (entry.object_type, entry.object_id) == ("tender", room.opening.id)
        assert event == {
            "tender_id": room.opening.id,
            "bid_id": bid_id,
            "document": name,
            "member_id": room.seats[judge],
            "pseudonym": room.sitting[judge],
        }
        assert not any(n in str(entry.payload) for n in room.names)
    # The tender's audit trail shows them to the centre.
    trail = client.get(f"/api/v1/audit/tender/{room.opening.id}", headers=room.headers("operator"))
    assert [e["action"] for e in trail.json()].count("BidDocumentRead") == 2

    # Scores are audited too, sheet by sheet, under the member's seat.
    for user in room.judges:
        assert room.put(user, "review").status_code == 200
    assert room.put(judge, "scores").status_code == 200
    with services.read_session() as session:
        sheets = session.execute(
            select(audit_log.c.payload)
            .where(audit_log.c.action == "ScoreSheetSubmitted")
            .order_by(audit_log.c.seq)
        ).scalars()
        events = [p["event"] for p in sheets]
    assert [(e["member_id"], e["cells"]) for e in events] == [(room.seats[judge], 6)]
    assert chain_of(services).ok


def test_a_member_whose_score_deviates_is_asked_on_the_page_to_justify_it(room: Room) -> None:
    client = room.opening.client
    for user in room.judges:
        assert room.put(user, "review").status_code == 200
    outlier, other = room.judges[2], room.judges[0]
    for user in room.judges:
        scores = room.scores()
        if user == outlier:
            scores = [
                dict(s, score=OUTLIER)
                if (s["bid_id"], s["criterion"]) == (room.bid_of["sm2-org"], "construction")
                else s
                for s in scores
            ]
        answer = client.put(
            f"{room.url}/scores", json={"scores": scores}, headers=room.headers(user)
        )
        assert answer.status_code == 200, answer.text
    html = unescape(page(room, outlier).text)
    forms = re.findall(r'<form class="panel form justify-form"[^>]*>', html)
    assert len(forms) == 1
    assert f'data-bid-id="{room.bid_of["sm2-org"]}"' in forms[0]
    assert 'data-criterion="construction"' in forms[0]
    assert f"Your score {OUTLIER} of " in html and "施工组织设计" in html
    assert " hidden" in element(html, "justifications-none")
    html = unescape(page(room, other).text)
    assert "justify-form" not in html
    assert " hidden" not in element(html, "justifications-none")
    # The blocking reasons name the member by pseudonym only.
    assert f"{room.sitting[outlier]} must justify" in html
    no_name_of(room, html)
