"""Supervisors read red flags and alerts, acknowledge an alert, open a case from hits, move it
through review to a decision with notes and evidence — all audited with actor and address.
Flags, alerts and cases are refused to the public, bidders and experts, and to another centre's
supervisors; the tender page shows its flag panel to the centre's supervisors only."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.analytics.risk.service import record_run
from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.identity import service as identity
from prex.identity.policy import SYSTEM
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth, published_tender
from tests.supervision_world import C001, C002, RULES, bidder_hit, tender_hit

NEW_ROUTES = [
    ("GET", "/api/v1/supervision/flags"),
    ("GET", "/api/v1/supervision/risk"),
    ("GET", "/api/v1/supervision/alerts"),
    ("POST", "/api/v1/supervision/alerts/{id}/acknowledge"),
    ("GET", "/api/v1/supervision/cases"),
    ("POST", "/api/v1/supervision/cases"),
    ("GET", "/api/v1/supervision/cases/{id}"),
    ("POST", "/api/v1/supervision/cases/{id}/transitions"),
    ("POST", "/api/v1/supervision/cases/{id}/notes"),
    ("POST", "/api/v1/supervision/cases/{id}/hits"),
    ("POST", "/api/v1/supervision/cases/{id}/evidence"),
    ("GET", "/api/v1/supervision/cases/{id}/evidence/{id}"),
    ("GET", "/supervision/flags"),
    ("GET", "/supervision/alerts"),
    ("POST", "/supervision/alerts/{id}/acknowledge"),
    ("GET", "/supervision/cases"),
    ("POST", "/supervision/cases"),
    ("GET", "/supervision/cases/{id}"),
    ("POST", "/supervision/cases/{id}/transition"),
    ("POST", "/supervision/cases/{id}/notes"),
    ("POST", "/supervision/cases/{id}/evidence"),
]


@pytest.fixture
def flagged(client: TestClient, world: World, services: Services) -> dict[str, Any]:
    """A published tender of the province with collusion hits on two of its bidders."""
    tender = published_tender(client, world, auth(services, "agency"))
    hits = [
        bidder_hit(C001, "B1", tender["id"]),
        bidder_hit(C001, "B2", tender["id"]),
        bidder_hit(C002, "B1", tender["id"]),
        tender_hit(C002, "OTHER-CENTRE-TENDER"),
    ]
    centres = {tender["id"]: world.centre_id, "OTHER-CENTRE-TENDER": world.city_centre_id}
    summary = record_run(services.uow(SYSTEM), hits, rules=RULES, centres=centres)
    return {"tender": tender, "summary": summary}


def test_a_supervisor_acknowledges_an_alert_and_takes_a_case_from_hits_to_referral(
    client: TestClient, services: Services, world: World, flagged: dict[str, Any]
) -> None:
    sup = auth(services, "supervisor")
    tender_id = flagged["tender"]["id"]
    listed = client.get("/api/v1/supervision/flags", headers=sup)
    assert listed.status_code == 200, listed.text
    # The city's tender is not the province's supervisors' to see.
    assert {h["tender_id"] for h in listed.json()["items"]} == {tender_id}
    assert listed.json()["total"] == 3
    c001 = client.get(
        "/api/v1/supervision/flags",
        params={"rule": "C001", "tender_id": tender_id, "severity": "high"},
        headers=sup,
    ).json()
    assert sorted(h["subject_id"] for h in c001["items"]) == ["B1", "B2"]
    assert c001["items"][0]["detail"] == {"matching": ["mac", "cpu"], "bidders": 3}
    bad = client.get("/api/v1/supervision/flags", params={"state": "gone"}, headers=sup)
    assert bad.status_code == 422 and bad.json()["type"] == "/problems/invalid-input"

    bidders = client.get("/api/v1/supervision/risk", params={"kind": "bidder"}, headers=sup)
    assert [(b["subject_id"], b["score"], b["level"]) for b in bidders.json()["items"]] == [
        ("B1", 90.0, 1),
        ("B2", 45.0, 3),
    ]
    tenders = client.get("/api/v1/supervision/risk", headers=sup).json()["items"]
    assert [(t["subject_id"], t["score"]) for t in tenders] == [(tender_id, 100.0)]
    wrong = client.get("/api/v1/supervision/risk", params={"kind": "buyer"}, headers=sup)
    assert wrong.status_code == 422

    alerts = client.get("/api/v1/supervision/alerts", headers=sup).json()
    by_subject = {a["subject_id"]: a for a in alerts["items"]}
    assert set(by_subject) == {tender_id, "B1", "B2"}
    assert by_subject[tender_id]["level"] == 1 and by_subject[tender_id]["level_label"] == "一级"
    alert_id = by_subject[tender_id]["id"]
    ack = client.post(
        f"/api/v1/supervision/alerts/{alert_id}/acknowledge",
        json={"note": "looking into it"},
        headers=sup,
    )
    assert ack.status_code == 200, ack.text
    assert ack.json()["acknowledged_by"] == world.users["supervisor"]
    twice = client.post(f"/api/v1/supervision/alerts/{alert_id}/acknowledge", headers=sup)
    assert twice.status_code == 409
    still_open = client.get("/api/v1/supervision/alerts", params={"open": True}, headers=sup)
    assert alert_id not in {a["id"] for a in still_open.json()["items"]}

    hit_ids = [h["id"] for h in c001["items"]]
    opened = client.post("/api/v1/supervision/cases", json={"hit_ids": hit_ids}, headers=sup)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["status"] == "open" and case["tender_id"] == tender_id
    assert case["title"] == f"C001 · {tender_id}"
    assert sorted(e["hit"]["subject_id"] for e in case["evidence"]) == ["B1", "B2"]
    url = f"/api/v1/supervision/cases/{case['id']}"

    early = client.post(
        f"{url}/transitions", json={"status": "referred", "reason": "x"}, headers=sup
    )
    assert early.status_code == 409 and "'open' to 'referred'" in early.json()["detail"]
    review = client.post(f"{url}/transitions", json={"status": "under_review"}, headers=sup)
    assert review.status_code == 200 and review.json()["next"] == ["dismissed", "referred"]
    note = client.post(f"{url}/notes", json={"text": "同一 MAC 地址出现在三家投标人"}, headers=sup)
    assert note.status_code == 201 and note.json()["notes"][0]["author_label"]
    more = client.post(
        f"{url}/hits", json={"hit_ids": [listed.json()["items"][0]["id"]]}, headers=sup
    )
    assert more.status_code in (201, 422)  # 422 when that hit is already evidence
    content = b"%PDF-1.4 upload log of the centre"
    upload = client.post(
        f"{url}/evidence",
        files={"file": ("上传日志.pdf", content, "application/pdf")},
        headers=sup,
    )
    assert upload.status_code == 201, upload.text
    evidence = upload.json()
    assert evidence["sha256"] == hashlib.sha256(content).hexdigest()
    download = client.get(f"{url}/evidence/{evidence['id']}", headers=sup)
    assert download.status_code == 200 and download.content == content
    assert download.headers["x-content-sha256"] == evidence["sha256"]
    assert download.headers["content-disposition"].startswith("attachment")

    no_reason = client.post(f"{url}/transitions", json={"status": "referred"}, headers=sup)
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    referred = client.post(
        f"{url}/transitions",
        json={"status": "referred", "reason": "移送行政监督部门调查：机器码一致"},
        headers=sup,
    )
    assert referred.status_code == 200, referred.text
    assert referred.json()["status"] == "referred" and referred.json()["next"] == []
    late = client.post(f"{url}/notes", json={"text": "after"}, headers=sup)
    assert late.status_code == 422
    listed_cases = client.get(
        "/api/v1/supervision/cases", params={"status": "referred"}, headers=sup
    )
    assert [c["id"] for c in listed_cases.json()["items"]] == [case["id"]]

    with services.read_session() as session:
        trail = session.execute(
            select(audit_log.c.action, audit_log.c.actor_id, audit_log.c.address, audit_log.c.at)
            .where(audit_log.c.object_id.in_([case["id"], alert_id]))
            .order_by(audit_log.c.seq)
        ).all()
    raised, trail = trail[0], trail[1:]
    assert (raised.action, raised.actor_id) == ("AlertRaised", "system")
    actions = [t.action for t in trail]
    assert actions[0] == "AlertAcknowledged" and actions[1] == "CaseOpened"
    assert actions[-1] == "CaseReferred"
    assert {"CaseReviewStarted", "CaseNoteAdded", "CaseEvidenceAdded"} <= set(actions)
    assert {(t.actor_id, t.address) for t in trail} == {(world.users["supervisor"], "testclient")}


def test_flags_alerts_and_cases_are_refused_to_the_public_bidders_and_experts(
    client: TestClient, services: Services, world: World, flagged: dict[str, Any]
) -> None:
    sup = auth(services, "supervisor")
    hit = client.get("/api/v1/supervision/flags", headers=sup).json()["items"][0]
    case = client.post("/api/v1/supervision/cases", json={"hit_ids": [hit["id"]]}, headers=sup)
    case_id = case.json()["id"]
    alert_id = client.get("/api/v1/supervision/alerts", headers=sup).json()["items"][0]["id"]
    for who in (None, "bidder", "expert", "tenderer", "operator"):
        headers = auth(services, who) if who else {}
        for method, path in NEW_ROUTES:
            url = path.replace("/alerts/{id}", f"/alerts/{alert_id}")
            url = url.replace("/cases/{id}", f"/cases/{case_id}").replace("{id}", "E1")
            response = client.request(method, url, headers=headers, follow_redirects=False)
            if who is None and not path.startswith("/api/"):
                assert response.status_code == 303, (who, method, url, response.status_code)
                assert "/login" in response.headers["location"]
            else:
                assert response.status_code in (401, 403), (who, method, url, response.text[:80])
            # as values: a short subject id ("B1") may occur inside a ULID of the echoed path
            assert '"C001"' not in response.text and f'"{hit["subject_id"]}"' not in response.text
            assert "C001" not in response.text.replace(url, "")


def test_another_centres_supervisor_sees_none_of_this_centres_flags_or_cases(
    client: TestClient, services: Services, world: World, flagged: dict[str, Any]
) -> None:
    identity.create_user(
        services.uow(ADMIN_ACTOR),
        username="supervisor_hz",
        password=PASSWORD,
        display_name="杭州 监督员",
        roles=["supervisor"],
        org_id=world.orgs["supervisor"],
        centre_id=world.city_centre_id,
    )
    sup = auth(services, "supervisor")
    hits = client.get("/api/v1/supervision/flags", headers=sup).json()["items"]
    case_id = client.post(
        "/api/v1/supervision/cases", json={"hit_ids": [hits[0]["id"]]}, headers=sup
    ).json()["id"]
    city = auth(services, "supervisor_hz")
    theirs = client.get("/api/v1/supervision/flags", headers=city).json()
    assert [h["tender_id"] for h in theirs["items"]] == [None]  # only the city's own hit
    assert theirs["items"][0]["subject_id"] == "OTHER-CENTRE-TENDER"
    assert client.get(f"/api/v1/supervision/cases/{case_id}", headers=city).status_code == 403
    assert client.get("/api/v1/supervision/cases", headers=city).json()["items"] == []
    taking = client.post(
        "/api/v1/supervision/cases", json={"hit_ids": [hits[0]["id"]]}, headers=city
    )
    assert taking.status_code == 403
    page = client.get(f"/tenders/{flagged['tender']['id']}", headers=city)
    assert page.status_code == 200 and 'id="flag-panel"' not in page.text


def test_the_tender_page_shows_the_flag_panel_to_its_centres_supervisors_only(
    client: TestClient, services: Services, world: World, flagged: dict[str, Any]
) -> None:
    url = f"/tenders/{flagged['tender']['id']}"
    page = client.get(url, headers=auth(services, "supervisor"))
    assert page.status_code == 200
    assert 'id="flag-panel"' in page.text and 'id="risk-score">100.0<' in page.text
    assert "C001" in page.text and "B1" in page.text and "一级" in page.text
    english = client.get(url, params={"lang": "en"}, headers=auth(services, "supervisor"))
    assert "Red flags and risk" in english.text and "Level 1 (most serious)" in english.text
    for who in (None, "bidder", "expert", "tenderer", "agency", "operator"):
        other = client.get(url, headers=auth(services, who) if who else {})
        assert other.status_code == 200, who
        assert 'id="flag-panel"' not in other.text and "C001" not in other.text, who
        assert "风险" not in other.text and "B1" not in other.text, who


def test_supervision_pages_take_a_case_from_a_flag_to_referral(
    client: TestClient, services: Services, world: World, flagged: dict[str, Any]
) -> None:
    client.cookies.set("prex_session", "")
    headers = auth(services, "supervisor")
    flags = client.get("/supervision/flags", headers=headers)
    assert flags.status_code == 200 and 'id="open-case"' in flags.text
    assert "测试规则 C001" in flags.text
    hit_id = client.get("/api/v1/supervision/flags", headers=headers).json()["items"][0]["id"]
    nothing = client.post("/supervision/cases", data={}, headers=headers, follow_redirects=False)
    assert nothing.status_code == 422 and 'id="problem"' in nothing.text
    opened = client.post(
        "/supervision/cases", data={"hit_ids": [hit_id]}, headers=headers, follow_redirects=False
    )
    assert opened.status_code == 303, opened.text
    case_url = opened.headers["location"].split("?")[0]
    page = client.get(case_url, headers=headers)
    assert 'data-status="open"' in page.text and "开始核查" in page.text
    moved = client.post(
        f"{case_url}/transition",
        data={"status": "under_review"},
        headers=headers,
        follow_redirects=False,
    )
    assert moved.status_code == 303
    refused = client.post(f"{case_url}/transition", data={"status": "dismissed"}, headers=headers)
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    client.post(f"{case_url}/notes", data={"text": "核查投标文件创建标识"}, headers=headers)
    client.post(
        f"{case_url}/evidence",
        files={"file": ("记录.txt", b"upload addresses", "text/plain")},
        headers=headers,
    )
    done = client.post(
        f"{case_url}/transition",
        data={"status": "referred", "reason": "三家投标人上传地址一致"},
        headers=headers,
    )
    assert done.status_code == 200 and 'data-status="referred"' in done.text
    assert "三家投标人上传地址一致" in done.text and "核查投标文件创建标识" in done.text
    assert "记录.txt" in done.text
    cases = client.get("/supervision/cases", headers=headers)
    assert case_url.rsplit("/", 1)[1] in cases.text and "已移送" in cases.text
    alerts = client.get("/supervision/alerts", headers=headers)
    alert_id = alerts.text.split('data-alert="')[1].split('"')[0]
    ack = client.post(
        f"/supervision/alerts/{alert_id}/acknowledge", data={"note": "已阅"}, headers=headers
    )
    assert ack.status_code == 200 and "已阅" in ack.text
