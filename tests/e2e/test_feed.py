"""The public change feed over HTTP: anonymous, in commit order, resumable from any cursor, with
each changed object's current public form — and nothing the public may not see."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from prex.audit.orm import outbox
from prex.bootstrap import Services
from prex.demo import DemoSeed
from prex.exchange.public_forms import FORMS, tender_forms
from prex.experts.committee import REVEALABLE
from prex.experts.committee_orm import committee_members
from prex.experts.orm import experts
from prex.identity.orm import organisations
from prex.shared.clock import FixedClock
from prex.tenders.orm import tenders
from tests.auction_world import RESERVE, AuctionWorld
from tests.award_world import PRICES, seat_everyone, seed_committee_pool, submit_bids, two_venues
from tests.bidding_world import LEAVES, open_listing
from tests.factories import World, auth, project_body, published_tender, tender_body
from tests.opening_world import MARKER, Opening
from tests.pki_openssl import PkiWorld

FEED = "/api/v1/feed"


def walk(client: TestClient, cursor: str | None = None, limit: int = 100) -> tuple[list[Any], str]:
    """Every change after ``cursor``, following ``next_cursor`` until the end; and the end."""
    changes: list[Any] = []
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        response = client.get(FEED, params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        changes.extend(page["changes"])
        assert page["next_cursor"]
        if not page["has_more"]:
            return changes, page["next_cursor"]
        cursor = page["next_cursor"]


def problem_of(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = dict(response.json())
    assert body["type"] == f"/problems/{slug}", body
    return body


def draft_tender(client: TestClient, world: World, headers: dict[str, str], **project: Any) -> str:
    made = client.post("/api/v1/projects", json=project_body(world, **project), headers=headers)
    assert made.status_code == 201, made.text
    tender = client.post(
        "/api/v1/tenders",
        json=tender_body(made.json()["id"], world.services, title="草稿里的秘密标题-3b9e"),
        headers=headers,
    )
    assert tender.status_code == 201, tender.text
    upload = client.post(
        f"/api/v1/tenders/{tender.json()['id']}/documents",
        files={"file": ("招标文件.pdf", b"%PDF-1.4 tender documents", "application/pdf")},
        headers=headers,
    )
    assert upload.status_code == 201, upload.text
    return str(tender.json()["id"])


def test_a_published_tender_appears_in_the_form_the_public_api_gives_it(
    client: TestClient, services: Services, world: World
) -> None:
    agency = auth(services, "agency")
    tender = published_tender(client, world, agency)
    changes, _ = walk(client)
    mine = [c for c in changes if c["id"] == tender["id"]]
    assert [c["event"] for c in mine] == ["TenderPublished"]
    assert mine[0]["type"] == "tender" and mine[0]["detail"] is None
    assert mine[0]["object"] == client.get(f"/api/v1/tenders/{tender['id']}").json()
    assert [c["seq"] for c in changes] == sorted({c["seq"] for c in changes})


def test_drafts_sandbox_tenders_and_cancelled_drafts_never_appear(
    client: TestClient, services: Services, world: World
) -> None:
    agency = auth(services, "agency")
    draft = draft_tender(client, world, agency)
    cancelled = draft_tender(client, world, agency)
    answer = client.post(
        f"/api/v1/tenders/{cancelled}/cancel", json={"reason": "不再招标"}, headers=agency
    )
    assert answer.status_code == 200, answer.text
    sandbox = draft_tender(client, world, agency, sandbox=True)
    published = client.post(f"/api/v1/tenders/{sandbox}/publish", headers=agency)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published" and published.json()["sandbox"]
    text = client.get(FEED, params={"limit": 1000}).text
    for hidden in (draft, cancelled, sandbox, "草稿里的秘密标题-3b9e"):
        assert hidden not in text


def test_amendments_and_published_answers_appear_but_not_who_asked_or_private_answers(
    client: TestClient, services: Services, world: World
) -> None:
    agency, bidder = auth(services, "agency"), auth(services, "bidder")
    tender = published_tender(client, world, agency)
    _, cursor = walk(client)
    url = f"/api/v1/tenders/{tender['id']}"
    amended = client.post(
        f"{url}/amendments",
        data={"kind": "clarification", "text": "澄清：开标地点不变。", "affects_bids": "false"},
        headers=agency,
    )
    assert amended.status_code == 201, amended.text
    asked = []
    for text in ("公开的问题？", "私下的问题？"):
        made = client.post(f"{url}/enquiries", json={"text": text}, headers=bidder)
        assert made.status_code == 201, made.text
        asked.append(made.json()["id"])
    for enquiry_id, publish in zip(asked, (True, False), strict=True):
        done = client.post(
            f"{url}/enquiries/{enquiry_id}/answer",
            json={"text": "答复。", "publish": publish},
            headers=agency,
        )
        assert done.status_code == 200, done.text

    changes, _ = walk(client, cursor)
    assert [c["event"] for c in changes] == ["TenderAmended", "EnquiryAnswered"]
    latest = changes[-1]["object"]
    assert [e["text"] for e in latest["enquiries"]] == ["公开的问题？"]
    assert latest["amendments"][0]["text"] == "澄清：开标地点不变。"
    everything = client.get(FEED, params={"limit": 1000}).text
    assert world.orgs["bidder"] not in everything and "私下的问题" not in everything


def test_paging_by_one_resumes_exactly_where_it_stopped(
    client: TestClient, services: Services, world: World
) -> None:
    agency = auth(services, "agency")
    for _ in range(3):
        published_tender(client, world, agency)
    whole, end = walk(client, limit=1000)
    one_by_one, end_by_one = walk(client, limit=1)
    assert [c["seq"] for c in one_by_one] == [c["seq"] for c in whole]
    assert len(whole) == 3 and end == end_by_one
    # Resuming from every cursor handed out gives exactly the rest.
    cursor, seen, handed_out = None, 0, []
    while True:
        params: dict[str, Any] = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(FEED, params=params).json()
        seen += len(page["changes"])
        cursor = page["next_cursor"]
        handed_out.append((cursor, seen))
        if not page["has_more"]:
            break
    assert len(handed_out) > 10
    for cursor, seen in handed_out:
        rest, _ = walk(client, cursor)
        assert [c["seq"] for c in rest] == [c["seq"] for c in whole[seen:]]


def test_a_stretch_of_private_events_still_moves_the_cursor_on(
    client: TestClient, services: Services, world: World
) -> None:
    _, end = walk(client)
    for _ in range(5):
        auth(services, "bidder")  # a sign-in: private
    page = client.get(FEED, params={"cursor": end, "limit": 5}).json()
    assert page["changes"] == [] and page["has_more"] is True
    assert page["next_cursor"] != end
    after = client.get(FEED, params={"cursor": page["next_cursor"]}).json()
    assert after == {"changes": [], "next_cursor": page["next_cursor"], "has_more": False}
    with services.read_session() as session:
        assert session.execute(select(func.count()).select_from(outbox)).scalar_one() > 5


def test_bad_cursors_and_limits_get_problem_documents(client: TestClient) -> None:
    for cursor in ("nonsense", "ZmVlZC52MS4tMQ", "x" * 65):
        problem = problem_of(
            client.get(FEED, params={"cursor": cursor}),
            422,
            "invalid-feed-cursor" if len(cursor) <= 64 else "invalid-input",
        )
        assert "cursor" in problem["detail"]
    _, end = walk(client)
    from prex.exchange.feed import decode_cursor, encode_cursor

    ahead = encode_cursor(decode_cursor(end) + 1)
    assert (
        "past the end"
        in problem_of(client.get(FEED, params={"cursor": ahead}), 422, "invalid-feed-cursor")[
            "detail"
        ]
    )
    for limit in (0, 1001, "many"):
        problem_of(client.get(FEED, params={"limit": limit}), 422, "invalid-input")


def test_the_feed_is_public_and_documented(
    client: TestClient, services: Services, world: World
) -> None:
    assert client.get(FEED).status_code == 200
    assert client.get(FEED, headers=auth(services, "bidder")).status_code == 200
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/feed"]["get"]
    assert operation["x-prex-action"] == "public.read"


def test_a_listing_appears_once_announced_without_its_reserve_or_its_bidders(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Any,
    clock: FixedClock,
) -> None:
    auction = AuctionWorld(client, services, world, pki_world, tmp_path, clock)
    auction.create()
    assert auction.listing["id"] not in client.get(FEED, params={"limit": 1000}).text
    auction.announce()
    for name in auction.bidders:
        auction.register(name)
        auction.approve(name)
    auction.pay("rsa")
    auction.open_bidding()
    changes, _ = walk(client)
    mine = [c for c in changes if c["id"] == auction.listing["id"]]
    assert [(c["event"], c["type"]) for c in mine] == [
        ("ListingAnnounced", "listing"),
        ("ListingOpened", "listing"),
    ]
    assert mine[-1]["object"]["status"] == "listing"
    text = client.get(FEED, params={"limit": 1000}).text
    assert RESERVE not in text and RESERVE.replace(".", "") not in text
    for bidder in auction.bidders.values():
        assert bidder.uscc not in text and bidder.registration_id not in text


def test_accepted_bids_appear_by_bidder_number_never_by_name(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, clock: FixedClock
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    _, cursor = walk(client)
    assert listing.bid("ecdsa-org", "10000000.00").status_code == 201
    assert listing.bid("ecdsa-p384", "10100000.00").status_code == 201
    changes, _ = walk(client, cursor)
    assert [(c["event"], c["type"]) for c in changes] == [("BidAccepted", "listing.book")] * 2
    # Each change carries its own bid (the book shows only the newest few to a late reader).
    assert [
        (c["detail"]["seq"], c["detail"]["number"], c["detail"]["amount"]) for c in changes
    ] == [
        (1, listing.number["ecdsa-org"], "10000000.00"),
        (2, listing.number["ecdsa-p384"], "10100000.00"),
    ]
    book = changes[-1]["object"]
    assert book == {**client.get(f"{listing.url}/book").json(), "server_time": book["server_time"]}
    assert [b["number"] for b in book["bids"]] == [
        listing.number["ecdsa-p384"],
        listing.number["ecdsa-org"],
    ]
    codes = {pki_world.uscc[leaf] for leaf in LEAVES}
    with services.read_session() as session:
        names = set(
            session.execute(
                select(organisations.c.name).where(organisations.c.uscc.in_(codes))
            ).scalars()
        )
    text = client.get(FEED, params={"limit": 1000}).text
    assert "10150000" not in text  # the reserve
    assert len(names) == len(LEAVES) and [n for n in names | codes if n in text] == []


def test_no_bidder_price_sealed_content_or_expert_appears_before_publication(
    opening: Opening,
) -> None:
    client, services = opening.client, opening.services
    operator = auth(services, "operator")
    _, accounts, expert_names = seed_committee_pool(opening)
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    defined = client.put(committee_url, json=two_venues(opening), headers=operator)
    assert defined.status_code == 200, defined.text
    submit_bids(opening)
    opening.to_deadline()
    assert client.post(f"{committee_url}/draw", headers=operator).status_code == 200
    seat_everyone(opening, accounts)
    bidder_codes = {opening.pki.uscc[leaf] for leaf in PRICES}
    with services.read_session() as session:
        bidder_names = set(
            session.execute(
                select(organisations.c.name).where(organisations.c.uscc.in_(bidder_codes))
            ).scalars()
        )
    prices = {p.replace(",", "") for p in PRICES.values()} | set(PRICES.values())
    secrets = {MARKER, *expert_names, *bidder_codes, *bidder_names, *prices}
    assert len(bidder_names) == len(PRICES)

    def leaked() -> list[str]:
        text = client.get(FEED, params={"limit": 1000}).text
        return sorted(s for s in secrets if s in text)

    assert leaked() == []
    for n in (1, 2, 3):
        assert opening.release(n).status_code == 200
    assert opening.host("open").status_code == 200  # opened, read out in the hall: no record yet
    assert leaked() == []
    _, cursor = walk(client)

    assert opening.host("record").status_code == 201
    changes, _ = walk(client, cursor)
    record = [c for c in changes if c["type"] == "tender.opening_record"]
    assert [c["event"] for c in record] == ["OpeningRecordPublished"]
    assert record[0]["object"] == client.get(f"/api/v1/tenders/{opening.id}/opening-record").json()
    shown = leaked()
    assert MARKER not in shown and not set(expert_names) & set(shown)  # experts: after the result
    assert {p.replace(",", "") for p in PRICES.values()} <= set(shown)  # the record reads prices


def test_the_demo_feed_carries_every_public_form_but_no_draft_sandbox_or_secret_expert(
    client: TestClient, services: Services, demo: DemoSeed
) -> None:
    seed = demo
    changes, _ = walk(client, limit=1000)
    assert {c["type"] for c in changes} == set(FORMS)
    ids = {c["id"] for c in changes}
    assert seed.tenders["draft"] not in ids and seed.tenders["sandbox"] not in ids
    assert {t for k, t in seed.tenders.items() if k not in ("draft", "sandbox")} <= ids
    bids: dict[str, list[int]] = {}
    for c in changes:
        if c["event"] == "BidAccepted":
            bids.setdefault(c["id"], []).append(c["detail"]["seq"])
    assert bids and all(seqs == list(range(1, len(seqs) + 1)) for seqs in bids.values())
    text = client.get(FEED, params={"limit": 1000}).text
    with services.read_session() as session:
        members = session.execute(
            select(tenders.c.status, experts.c.name, experts.c.phone)
            .join(committee_members, committee_members.c.tender_id == tenders.c.id)
            .join(experts, experts.c.id == committee_members.c.expert_id)
        ).all()
    assert members
    for status, name, phone in members:
        assert (name in text) is (status in {s.value for s in REVEALABLE}), (status, name)
        assert phone not in text


def test_a_page_of_many_tenders_reads_them_together_each_as_the_api_gives_it(
    client: TestClient, services: Services, demo: DemoSeed
) -> None:
    """The feed computes a page's tender forms at once (one session, the collections loaded
    for all tenders together): the statements do not grow with the tenders, and every form is
    still exactly what the public API answers."""
    changes, _ = walk(client, limit=1000)
    latest = {c["id"]: c["object"] for c in changes if c["type"] == "tender"}
    assert len(latest) >= 5
    for tender_id, form in latest.items():
        assert form == client.get(f"/api/v1/tenders/{tender_id}").json(), tender_id

    def statements(ids: list[str]) -> tuple[int, dict[str, Any]]:
        seen: list[str] = []

        def count(*args: Any) -> None:
            seen.append(args[2])

        event.listen(Engine, "before_cursor_execute", count)
        try:
            forms = tender_forms(services, ids)
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        return len(seen), forms

    hidden = [demo.tenders["draft"], demo.tenders["sandbox"], "01NOSUCHTENDER0000000000000"]
    one, _ = statements(sorted(latest)[:1])
    many, forms = statements(sorted(latest) + hidden)
    assert many <= one + 3, (one, many)
    assert {i: forms[i] for i in latest} == latest
    assert all(forms[i] is None for i in hidden)
