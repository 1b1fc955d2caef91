"""Evaluation-assistance hooks over HTTP: a sitting committee member lets an outside tool (a
machine client with scope ``evaluation.read``) read the tender's opened bids — refused before
the opening, refused without the grant and once it is revoked, never able to write; the
price-check advice for the committee (API and the server-rendered room, translated), refused to
everyone else; grants and revocations in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from prex.audit.orm import audit_log
from tests.e2e.test_evaluation import PRICES, committee_with_accounts, problem
from tests.e2e.test_integrations import bearer, register, token_of
from tests.factories import auth
from tests.opening_world import BIDDERS, Opening


@dataclass
class Drawn:
    """Bids submitted, the deadline passed and the committee drawn — the bids still sealed."""

    opening: Opening
    judges: list[str]  # sitting members' accounts
    outsider: str  # an expert drawn who refused the seat
    base: str  # /api/v1/tenders/{id}/evaluation

    def as_(self, user: str) -> dict[str, str]:
        return auth(self.opening.services, user)

    def open_bids(self) -> None:
        for n in (1, 2, 3):
            assert self.opening.release(n).status_code == 200
        assert self.opening.host("open").status_code == 200


def drawn_committee(opening: Opening) -> Drawn:
    client, services = opening.client, opening.services
    operator = auth(services, "operator")
    accounts, _names = committee_with_accounts(opening)
    spec = {
        "venues": [
            {
                "centre_id": opening.world.centre_id,
                "quotas": [{"specialty": "A08", "members": 5, "standby": 1}],
            }
        ]
    }
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    assert client.put(committee_url, json=spec, headers=operator).status_code == 200
    for n, (leaf, price) in enumerate(PRICES.items()):
        sealed = opening.seal(leaf, price)
        assert opening.submit(sealed, BIDDERS[leaf][0], f"hook-{n}-00000001").status_code == 201
    opening.to_deadline()
    assert client.post(f"{committee_url}/draw", headers=operator).status_code == 200
    members = client.get(committee_url, headers=operator).json()["members"]
    drawn = [m for m in members if m["role"] == "member"]
    standby = next(m for m in members if m["role"] == "standby")
    answers = [("refused", drawn[0])] + [("confirmed", m) for m in drawn[1:]]
    for answer, m in answers:
        body = {"response": answer, **({"note": "出差"} if answer == "refused" else {})}
        response = client.post(
            f"/api/v1/committee-members/{m['id']}/response", json=body, headers=operator
        )
        assert response.status_code == 200, response.text
    return Drawn(
        opening,
        sorted(accounts[m["expert_id"]] for m in [*drawn[1:], standby]),
        accounts[drawn[0]["expert_id"]],
        f"/api/v1/tenders/{opening.id}/evaluation",
    )


@pytest.fixture
def drawn(opening: Opening) -> Drawn:
    return drawn_committee(opening)


def client_token(drawn: Drawn, scopes: list[str]) -> tuple[str, str]:
    o = drawn.opening
    registered = register(o.client, o.services, o.world, scopes)
    return registered["client_id"], token_of(o.client, registered)


def audit_actions(drawn: Drawn) -> list[Any]:
    with drawn.opening.services.read_session() as session:
        return list(
            session.execute(
                select(audit_log.c.action, audit_log.c.payload)
                .where(audit_log.c.action.in_(["AssistantGranted", "AssistantRevoked"]))
                .order_by(audit_log.c.seq)  # without it PostgreSQL may answer in any order
            ).all()
        )


def test_a_granted_tool_reads_the_opened_bids_only_after_the_opening_and_only_while_granted(
    drawn: Drawn,
) -> None:
    http = drawn.opening.client
    tool, token = client_token(drawn, ["evaluation.read"])
    other, other_token = client_token(drawn, ["evaluation.read", "public.read"])
    _, reader_token = client_token(drawn, ["public.read"])
    judge = drawn.judges[0]
    grants = f"{drawn.base}/assistants"
    # only a sitting member grants; an expert drawn who refused, the centre, a bidder cannot
    for user, status in ((drawn.outsider, 403), ("operator", 403), ("bidder_ec", 403)):
        refused = http.post(grants, json={"client_id": tool}, headers=drawn.as_(user))
        assert refused.status_code == status, (user, refused.text)
    granted = http.post(grants, json={"client_id": tool}, headers=drawn.as_(judge))
    assert granted.status_code == 201, granted.text
    assert granted.json()["client_id"] == tool and granted.json()["revoked_at"] is None
    unknown = http.post(grants, json={"client_id": "nobody"}, headers=drawn.as_(judge))
    problem(unknown, 404)
    # before the opening: refused, even with the grant — the bids are sealed
    early = http.get(f"{drawn.base}/opened-bids", headers=bearer(token))
    assert problem(early, 409)["type"] == "/problems/bids-not-opened"
    drawn.open_bids()
    read = http.get(f"{drawn.base}/opened-bids", headers=bearer(token))
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["transaction_type"] == "engineering" and body["opened_at"]
    [section] = body["sections"]
    prices = sorted(b["price"] for b in section["bids"])
    assert prices == sorted(p.replace(",", "") for p in PRICES.values())
    for bid in section["bids"]:
        assert bid["bidder_name"] and len(bid["bidder_uscc"]) == 18
        assert bid["duration_days"] > 0 and "project_manager" in bid["fields"]
    # without the grant: refused; with a scope that does not admit the read: refused
    not_granted = http.get(f"{drawn.base}/opened-bids", headers=bearer(other_token))
    assert problem(not_granted, 403)["type"] == "/problems/assistant-not-granted"
    no_scope = http.get(f"{drawn.base}/opened-bids", headers=bearer(reader_token))
    assert problem(no_scope, 403)["type"] == "/problems/insufficient-scope"
    # users are not let in by the client route either (they have the room)
    assert http.get(f"{drawn.base}/opened-bids", headers=drawn.as_(judge)).status_code == 403
    # the client writes nothing: every write of the room is outside its scope
    writes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("post", grants, {"client_id": other}),
        ("delete", f"{grants}/{tool}", None),
        ("post", drawn.base, None),
        ("put", f"{drawn.base}/review", {"marks": []}),
        ("put", f"{drawn.base}/scores", {"scores": []}),
        ("get", drawn.base, None),  # nor read the room's scores
    ]
    for method, url, json_body in writes:
        kwargs: dict[str, Any] = {"headers": bearer(token)}
        if json_body is not None:
            kwargs["json"] = json_body
        response = http.request(method.upper(), url, **kwargs)
        assert problem(response, 403)["type"] == "/problems/insufficient-scope", url
    # the committee sees its grants; revoking ends the reads
    listed = http.get(grants, headers=drawn.as_(drawn.judges[1])).json()
    assert [g["client_id"] for g in listed] == [tool]
    assert http.delete(f"{grants}/{tool}", headers=drawn.as_(drawn.judges[1])).status_code == 204
    after = http.get(f"{drawn.base}/opened-bids", headers=bearer(token))
    assert problem(after, 403)["type"] == "/problems/assistant-not-granted"
    problem(http.delete(f"{grants}/{tool}", headers=drawn.as_(judge)), 404)
    trail = audit_actions(drawn)
    assert [a.action for a in trail] == ["AssistantGranted", "AssistantRevoked"]
    assert all(a.payload["event"]["client_id"] == tool for a in trail)
    assert trail[0].payload["event"]["member_id"] != trail[1].payload["event"]["member_id"]


def test_a_client_without_the_scope_cannot_be_granted(drawn: Drawn) -> None:
    public_only, _ = client_token(drawn, ["public.read"])
    refused = drawn.opening.client.post(
        f"{drawn.base}/assistants",
        json={"client_id": public_only},
        headers=drawn.as_(drawn.judges[0]),
    )
    assert "evaluation.read" in problem(refused, 422)["detail"]


def test_the_committee_gets_the_price_check_advice_on_the_api_and_the_room_page(
    drawn: Drawn,
) -> None:
    http, o = drawn.opening.client, drawn.opening
    early = http.get(f"{drawn.base}/advice", headers=drawn.as_(drawn.judges[0]))
    problem(early, 409)
    drawn.open_bids()
    for user in (drawn.judges[0], "operator"):
        advice = http.get(f"{drawn.base}/advice", headers=drawn.as_(user))
        assert advice.status_code == 200, advice.text
        body = advice.json()
        assert {"name": "price-check", "title": "Price check"} in body["assistants"]
        [low] = [f for f in body["findings"] if f["code"] == "abnormally_low"]
        assert low["figures"]["price"] == "7900000.00"
        assert low["figures"]["average_of_others"] == "10555055.56"  # (11,111,111.11+9,999,000)/2
        assert "第二十一条" in low["basis"]  # an engineering tender
        assert body["errors"] == []
    for user in ("bidder_ec", drawn.outsider):
        assert http.get(f"{drawn.base}/advice", headers=drawn.as_(user)).status_code == 403
    assert http.get(f"{drawn.base}/advice").status_code == 401
    # the room page shows it, translated
    assert o.host("record").status_code == 201
    assert http.post(drawn.base, headers=drawn.as_("operator")).status_code == 201
    url = f"/tenders/{o.id}/evaluation"
    zh = http.get(url, headers=drawn.as_(drawn.judges[0]))
    assert zh.status_code == 200, zh.text[:500]
    assert 'id="findings"' in zh.text and "辅助评审工具的提示" in zh.text
    assert "报价 7900000.00 元为其他 2 家投标报价平均值（10555055.56 元）的 74.85%" in zh.text
    en = http.get(f"{url}?lang=en", headers=drawn.as_(drawn.judges[0]))
    assert "Price 7900000.00 yuan is 74.85% of the average of the other 2 bids" in en.text


def test_nothing_is_granted_or_advised_before_the_committee_is_drawn(opening: Opening) -> None:
    http, services = opening.client, opening.services
    base = f"/api/v1/tenders/{opening.id}/evaluation"
    refused = http.post(
        f"{base}/assistants",
        json={"client_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
        headers=auth(services, "expert"),
    )
    assert problem(refused, 409)["type"] == "/problems/committee-not-drawn"
    listed = http.get(f"{base}/assistants", headers=auth(services, "operator"))
    assert problem(listed, 409)["type"] == "/problems/committee-not-drawn"
    advice = http.get(f"{base}/advice", headers=auth(services, "operator"))
    assert problem(advice, 409)["type"] == "/problems/bids-not-opened"
