"""A tender's life over the API: create, edit, publish, ask and answer, clarify, amend,
cancel, and reach its deadline; drafts stay private; every rule refuses with its name."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.worker import run_once
from tests.factories import World, auth, project_body, published_tender, tender_body

SECOND = timedelta(seconds=1)


def advance(services: Services, delta: timedelta) -> None:
    services.clock.advance(delta)  # type: ignore[attr-defined]


def draft(client: TestClient, world: World, headers: dict[str, str], **overrides: Any) -> str:
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers)
    assert project.status_code == 201, project.text
    assert len(project.json()["deal_code"]) == 33
    created = client.post(
        "/api/v1/tenders",
        json=tender_body(project.json()["id"], world.services, **overrides),
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def upload(
    client: TestClient,
    tender_id: str,
    headers: dict[str, str],
    content: bytes = b"%PDF-1.4 documents",
) -> Any:
    return client.post(
        f"/api/v1/tenders/{tender_id}/documents",
        headers=headers,
        files={"file": ("招标文件.pdf", content, "application/pdf")},
    )


def test_a_tender_goes_from_draft_to_its_deadline(
    client: TestClient, world: World, services: Services
) -> None:
    agency = auth(services, "agency")
    tender_id = draft(client, world, agency)
    # A draft is invisible to the public and to other organisations, visible to its parties.
    assert client.get(f"/api/v1/tenders/{tender_id}").status_code == 404
    assert (
        client.get(f"/api/v1/tenders/{tender_id}", headers=auth(services, "agency2")).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/tenders/{tender_id}", headers=auth(services, "tenderer")).status_code
        == 200
    )
    edited = client.patch(
        f"/api/v1/tenders/{tender_id}",
        headers=agency,
        json={
            "title": "改名后的招标",
            "sections": [
                {"name": "一标段", "budget": "100.00"},
                {"name": "二标段", "budget": "200.50"},
            ],
        },
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["total_budget"] == "300.50"
    content = b"%PDF-1.4 the documents"
    uploaded = upload(client, tender_id, agency, content)
    assert uploaded.status_code == 201
    document = uploaded.json()["documents"][0]
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    published = client.post(f"/api/v1/tenders/{tender_id}/publish", headers=agency)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert [a["kind"] for a in published.json()["announcements"]] == ["tender"]
    # The public now sees it and can download the documents with their digest.
    download = client.get(document["url"])
    assert download.status_code == 200 and download.content == content
    assert download.headers["x-content-sha256"] == document["sha256"]
    # Editing after publication is refused: changes go through amendments.
    refused = client.patch(f"/api/v1/tenders/{tender_id}", headers=agency, json={"title": "x"})
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/tender-not-editable"
    advance(services, timedelta(days=30))
    assert run_once(services).transitions == 1
    # Nobody submitted a bid: the deadline commitment fails the tender (流标, 招标投标法 §28).
    # tests/e2e/test_bid_submission.py follows a tender with enough bids into its opening.
    assert client.get(f"/api/v1/tenders/{tender_id}").json()["status"] == "failed"


def test_questions_and_objections_are_answered_and_published_anonymously(
    client: TestClient, world: World, services: Services
) -> None:
    agency = auth(services, "agency")
    bidder = auth(services, "bidder")
    tender = published_tender(client, world, agency)
    url = f"/api/v1/tenders/{tender['id']}"
    asked = client.post(
        f"{url}/enquiries",
        headers=bidder,
        json={"kind": "objection", "text": "资格条件排斥潜在投标人"},
    )
    assert asked.status_code == 201, asked.text
    enquiry_id = asked.json()["id"]
    party_view = client.get(url, headers=agency).json()["enquiries"]
    assert party_view[0]["org_id"] == world.orgs["bidder"]
    assert party_view[0]["answer_due"] is not None
    assert client.get(url).json()["enquiries"] == []  # unanswered: not public
    answered = client.post(
        f"{url}/enquiries/{enquiry_id}/answer",
        headers=agency,
        json={"text": "已修改资格条件，见澄清。", "publish": True},
    )
    assert answered.status_code == 200, answered.text
    public = client.get(url).json()["enquiries"]
    assert public[0]["answer"] == "已修改资格条件，见澄清。" and "org_id" not in public[0]
    again = client.post(
        f"{url}/enquiries/{enquiry_id}/answer", headers=agency, json={"text": "again"}
    )
    assert again.status_code == 422


def test_a_clarification_with_files_and_an_amendment_moving_the_deadline(
    client: TestClient, world: World, services: Services
) -> None:
    agency = auth(services, "agency")
    tender = published_tender(client, world, agency)
    url = f"/api/v1/tenders/{tender['id']}"
    clarified = client.post(
        f"{url}/amendments",
        headers=agency,
        data={"kind": "clarification", "text": "关于工程量清单的澄清", "affects_bids": "true"},
        files=[("files", ("澄清文件.pdf", b"%PDF clarification", "application/pdf"))],
    )
    assert clarified.status_code == 201, clarified.text
    body = clarified.json()
    assert body["amendments"][0]["number"] == 1
    assert [d["kind"] for d in body["documents"]] == ["tender_documents", "clarification"]
    advance(services, timedelta(days=20))
    new_deadline = (services.clock.now() + timedelta(days=15)).isoformat()
    amended = client.post(
        f"{url}/amendments",
        headers=agency,
        data={
            "kind": "amendment",
            "text": "修改技术参数，投标截止时间顺延",
            "affects_bids": "true",
            "new_deadline": new_deadline,
        },
    )
    assert amended.status_code == 201, amended.text
    assert amended.json()["bid_deadline"] == new_deadline.replace("+00:00", "Z")
    assert [a["kind"] for a in amended.json()["announcements"]] == [
        "tender",
        "amendment",
        "amendment",
    ]
    advance(services, timedelta(days=10))  # past the original deadline, before the new one
    assert run_once(services).transitions == 0
    assert client.get(url).json()["status"] == "published"


def test_a_published_tender_is_cancelled_with_a_public_notice(
    client: TestClient, world: World, services: Services
) -> None:
    agency = auth(services, "agency")
    tender = published_tender(client, world, agency)
    url = f"/api/v1/tenders/{tender['id']}"
    assert client.post(f"{url}/cancel", headers=agency, json={"reason": ""}).status_code == 422
    cancelled = client.post(f"{url}/cancel", headers=agency, json={"reason": "项目取消"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["announcements"][-1]["kind"] == "cancellation"
    again = client.post(f"{url}/cancel", headers=agency, json={"reason": "again"})
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/invalid-transition"
    assert "cancelled" in again.json()["detail"]


def test_only_the_tenders_parties_may_change_it(
    client: TestClient, world: World, services: Services
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    url = f"/api/v1/tenders/{tender['id']}"
    stranger = auth(services, "agency2")
    for method, path, kwargs in [
        ("post", "/cancel", {"json": {"reason": "x"}}),
        (
            "post",
            "/amendments",
            {"data": {"kind": "clarification", "text": "x", "affects_bids": "false"}},
        ),
        ("post", "/publish", {}),
    ]:
        response = getattr(client, method)(url + path, headers=stranger, **kwargs)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["type"] == "/problems/forbidden"
    # The centre's operator may cancel (e.g. on a supervisor's order), not amend.
    operator = auth(services, "operator")
    assert (
        client.post(
            url + "/amendments",
            headers=operator,
            data={"kind": "clarification", "text": "x", "affects_bids": "false"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            url + "/cancel", headers=operator, json={"reason": "监督部门责令终止"}
        ).status_code
        == 200
    )


# ---- every rule, both sides, as problem documents --------------------------------------


def _problem(response: Any, rule: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["type"] == "/problems/rule-violation" and body["rule"] == rule
    assert "（" in body["detail"] or "(" in body["detail"]  # the source is quoted


@pytest.mark.parametrize(("days", "ok"), [(20, True), (20 - 1 / 86400, False)])
def test_rule_deadline_min_days(
    client: TestClient, world: World, services: Services, days: float, ok: bool
) -> None:
    agency = auth(services, "agency")
    deadline = services.clock.now() + timedelta(days=days)
    tender_id = draft(client, world, agency, bid_deadline=deadline.isoformat())
    upload(client, tender_id, agency)
    response = client.post(f"/api/v1/tenders/{tender_id}/publish", headers=agency)
    if ok:
        assert response.status_code == 200, response.text
    else:
        _problem(response, "deadline.min-days")


@pytest.mark.parametrize(("days", "ok"), [(5, True), (5 - 1 / 86400, False)])
def test_rule_documents_min_download_days(
    client: TestClient, world: World, services: Services, days: float, ok: bool
) -> None:
    agency = auth(services, "agency")
    until = services.clock.now() + timedelta(days=days)
    tender_id = draft(client, world, agency, documents_until=until.isoformat())
    upload(client, tender_id, agency)
    response = client.post(f"/api/v1/tenders/{tender_id}/publish", headers=agency)
    if ok:
        assert response.status_code == 200, response.text
    else:
        _problem(response, "documents.min-download-days")


@pytest.mark.parametrize(
    ("elapsed", "ok"), [(timedelta(days=15), True), (timedelta(days=15) + SECOND, False)]
)
def test_rule_clarification_min_days_before_deadline(
    client: TestClient, world: World, services: Services, elapsed: timedelta, ok: bool
) -> None:
    agency = auth(services, "agency")
    tender = published_tender(client, world, agency)  # deadline in 30 days
    advance(services, elapsed)
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/amendments",
        headers=agency,
        data={"kind": "amendment", "text": "修改", "affects_bids": "true"},
    )
    if ok:
        assert response.status_code == 201, response.text
    else:
        _problem(response, "clarification.min-days-before-deadline")
        assert client.get(f"/api/v1/tenders/{tender['id']}").json()["amendments"] == []


@pytest.mark.parametrize(
    ("elapsed", "ok"), [(timedelta(days=20), True), (timedelta(days=20) + SECOND, False)]
)
def test_rule_objection_min_days_before_deadline(
    client: TestClient, world: World, services: Services, elapsed: timedelta, ok: bool
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    advance(services, elapsed)
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/enquiries",
        headers=auth(services, "bidder"),
        json={"kind": "objection", "text": "异议"},
    )
    if ok:
        assert response.status_code == 201, response.text
    else:
        _problem(response, "objection.min-days-before-deadline")


@pytest.mark.parametrize(("invited", "ok"), [(3, True), (2, False)])
def test_rule_invited_min_invitees(
    client: TestClient, world: World, services: Services, invited: int, ok: bool
) -> None:
    agency = auth(services, "agency")
    invitees = [world.orgs[b] for b in ("bidder", "bidder2", "bidder3")][:invited]
    tender_id = draft(client, world, agency, method="invited", invitee_org_ids=invitees)
    upload(client, tender_id, agency)
    response = client.post(f"/api/v1/tenders/{tender_id}/publish", headers=agency)
    if ok:
        assert response.status_code == 200, response.text
        outsider = client.post(
            f"/api/v1/tenders/{tender_id}/obtain", headers=auth(services, "bidder3")
        )
        assert outsider.status_code == 200  # bidder3 is the third invitee
    else:
        _problem(response, "invited.min-invitees")


@pytest.mark.parametrize(
    ("elapsed", "ok"), [(timedelta(days=10), True), (timedelta(days=10) + SECOND, False)]
)
def test_rule_documents_issue_window(
    client: TestClient, world: World, services: Services, elapsed: timedelta, ok: bool
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))  # documents: 10 days
    advance(services, elapsed)
    response = client.post(
        f"/api/v1/tenders/{tender['id']}/obtain", headers=auth(services, "bidder")
    )
    if ok:
        assert response.status_code == 200, response.text
    else:
        _problem(response, "documents.issue-window")
