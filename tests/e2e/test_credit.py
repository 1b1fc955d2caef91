"""Credit records over HTTP: violations from a referred collusion case in one action (on the case's
page too); the public credit list and an organisation's credit page show published records of
organisations and nothing else; only the issuing centre's supervisors record, publish, correct
and revoke — each audited with the actor and the address — and nothing is ever deleted."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from prex.analytics.flags.rule import Hit
from prex.analytics.risk.service import record_run
from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.credit.orm import credit_records
from prex.identity import service as identity
from prex.identity.orm import organisations
from prex.identity.policy import SYSTEM
from prex.shared.clock import FixedClock
from tests.credit_world import BASIS, NEXT_DAY, TODAY, record
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth, published_tender
from tests.supervision_world import RULES


def uscc_of(services: Services, org_id: str) -> str:
    with services.read_session() as session:
        return str(
            session.execute(
                select(organisations.c.uscc).where(organisations.c.id == org_id)
            ).scalar_one()
        )


@pytest.fixture
def referred(client: TestClient, world: World, services: Services) -> dict[str, Any]:
    """A referred case whose hits name two registered bidders (one by id as a bidder-level
    hit's subject, one by credit code in a lot hit's list of bidders) and one unknown."""
    tender = published_tender(client, world, auth(services, "agency"))
    tid = tender["id"]
    hits = [
        Hit("C001", "Bidder", world.orgs["bidder"], 2.0, "high", tid, f"{tid}-L1"),
        Hit(
            "C002",
            "Lot",
            f"{tid}-L1",
            3.0,
            "high",
            tid,
            f"{tid}-L1",
            {"bidders": [uscc_of(services, world.orgs["bidder2"]), "NOT-REGISTERED-HERE"]},
        ),
    ]
    record_run(services.uow(SYSTEM), hits, rules=RULES, centres={tid: world.centre_id})
    sup = auth(services, "supervisor")
    hit_ids = [
        h["id"] for h in client.get("/api/v1/supervision/flags", headers=sup).json()["items"]
    ]
    case = client.post("/api/v1/supervision/cases", json={"hit_ids": hit_ids}, headers=sup).json()
    url = f"/api/v1/supervision/cases/{case['id']}/transitions"
    for status, reason in (("under_review", ""), ("referred", "投标文件上传地址一致，移送住建局")):
        moved = client.post(url, json={"status": status, "reason": reason}, headers=sup)
        assert moved.status_code == 200, moved.text
    return {"tender": tender, "case": case}


def test_a_referred_case_gives_violation_records_for_the_organisations_it_names(
    client: TestClient, services: Services, world: World, referred: dict[str, Any]
) -> None:
    sup = auth(services, "supervisor")
    case_id = referred["case"]["id"]
    url = f"/api/v1/credit/cases/{case_id}/records"
    made = client.post(url, json={"basis": BASIS}, headers=sup)
    assert made.status_code == 201, made.text
    records = made.json()
    assert sorted(r["subject_id"] for r in records) == sorted(
        [world.orgs["bidder"], world.orgs["bidder2"]]
    )
    assert {(r["kind"], r["source"], r["source_id"], r["status"]) for r in records} == {
        ("violation", "case", case_id, "recorded")
    }
    assert all("移送住建局" in r["facts"] for r in records)
    # Once per organisation and case, whatever retries.
    again = client.post(url, json={"basis": BASIS}, headers=sup)
    assert sorted(r["id"] for r in again.json()) == sorted(r["id"] for r in records)
    with services.read_session() as session:
        assert session.execute(select(func.count()).select_from(credit_records)).scalar_one() == 2
    # Not public until published: the referral is not the authority's decision yet.
    assert client.get("/api/v1/credit/records").json()["total"] == 0
    first = records[0]
    published = client.post(f"/api/v1/credit/records/{first['id']}/publish", headers=sup)
    assert published.status_code == 200 and published.json()["status"] == "published"
    public = client.get("/api/v1/credit/records").json()
    assert [r["id"] for r in public["items"]] == [first["id"]]
    assert case_id not in str(public) and "source" not in public["items"][0]

    # Only a referred case: an open one gives none.
    other = client.post(
        "/api/v1/supervision/cases",
        json={"hit_ids": [referred["case"]["evidence"][0]["hit_id"]]},
        headers=sup,
    )
    refused = client.post(
        f"/api/v1/credit/cases/{other.json()['id']}/records", json={"basis": BASIS}, headers=sup
    )
    assert refused.status_code == 422 and "referred" in refused.json()["detail"]


def test_the_case_page_records_violations_in_one_action(
    client: TestClient, services: Services, referred: dict[str, Any]
) -> None:
    client.cookies.set("prex_session", "")
    sup = auth(services, "supervisor")
    case_url = f"/supervision/cases/{referred['case']['id']}"
    page = client.get(case_url, headers=sup)
    assert page.status_code == 200 and 'id="case-credit"' in page.text
    empty = client.post(f"{case_url}/credit", data={"basis": ""}, headers=sup)
    assert empty.status_code == 422 and 'id="problem"' in empty.text
    done = client.post(
        f"{case_url}/credit", data={"basis": BASIS}, headers=sup, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/supervision/credit")
    listing = client.get("/supervision/credit", headers=sup)
    assert listing.status_code == 200 and listing.text.count('data-status="recorded"') == 2


def test_public_credit_pages_show_published_records_of_organisations_only(
    client: TestClient, services: Services, world: World, clock: FixedClock
) -> None:
    bidder, bidder2 = world.orgs["bidder"], world.orgs["bidder2"]
    shown = record(client, services, subject=bidder, valid_until="2026-12-31")
    reward = record(
        client,
        services,
        subject=bidder2,
        kind="reward",
        basis="浙江省建筑业优秀企业表彰",
        facts="2025年度省级优质工程（钱江杯）",
        valid_until=None,
    )
    hidden = {
        "unpublished": record(client, services, subject=bidder2, kind="violation", publish=False),
        "ended": record(client, services, subject=bidder2, kind="violation"),
        "revoked": record(client, services, subject=bidder2, kind="violation", facts="撤销的记录"),
    }
    client.post(
        f"/api/v1/credit/records/{hidden['revoked']['id']}/revoke",
        json={"reason": "事实认定错误"},
        headers=auth(services, "supervisor"),
    )
    clock.set(NEXT_DAY)  # "ended" ended yesterday (its period was TODAY only)
    listed = client.get("/api/v1/credit/records").json()
    assert sorted(r["id"] for r in listed["items"]) == sorted([shown["id"], reward["id"]])
    leaked = str(listed)
    for made in hidden.values():
        assert made["id"] not in leaked
    for secret in (world.users["supervisor"], world.centre_id, "recorded_by", "source_id"):
        assert secret not in leaked
    bidder_uscc = uscc_of(services, bidder)
    search = client.get("/api/v1/credit/records", params={"q": bidder_uscc}).json()
    assert [r["id"] for r in search["items"]] == [shown["id"]]
    assert client.get("/api/v1/credit/records", params={"kind": "gone"}).status_code == 422

    org = client.get(f"/api/v1/credit/organisations/{bidder_uscc}").json()
    assert org["blacklisted"] is True and [r["id"] for r in org["records"]] == [shown["id"]]
    assert client.get(f"/api/v1/credit/organisations/{bidder2}").json()["blacklisted"] is False
    assert client.get("/api/v1/credit/organisations/NOPE").status_code == 404

    client.cookies.set("prex_session", "")
    page = client.get("/credit")
    assert page.status_code == 200
    assert f'data-record="{shown["id"]}"' in page.text and "钱江杯" in page.text
    for made in hidden.values():
        assert made["id"] not in page.text
    assert "撤销的记录" not in page.text
    org_page = client.get(f"/credit/organisations/{bidder_uscc}")
    assert org_page.status_code == 200 and 'data-blacklisted="yes"' in org_page.text
    assert BASIS in org_page.text
    english = client.get("/credit?lang=en")
    assert "Credit information" in english.text and "Blacklist" in english.text
    assert client.get("/credit/organisations/NOPE").status_code == 404


def test_only_the_issuing_centres_supervisors_record_correct_and_revoke(
    client: TestClient, services: Services, world: World
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
    body = {
        "kind": "violation",
        "subject": world.orgs["bidder"],
        "basis": BASIS,
        "facts": "提供虚假业绩",
        "valid_from": TODAY,
    }
    url = "/api/v1/credit/records"
    assert client.post(url, json=body).status_code == 401
    for user in ("bidder", "operator", "agency", "expert", "admin"):
        assert client.post(url, json=body, headers=auth(services, user)).status_code == 403
    made = record(client, services, **body)
    rid = made["id"]
    assert made["centre_id"] == world.centre_id and made["recorded_by"] == world.users["supervisor"]

    # Another centre's supervisor may neither revoke nor correct it, nor read it in full.
    hz = auth(services, "supervisor_hz")
    assert client.post(f"{url}/{rid}/revoke", json={"reason": "x"}, headers=hz).status_code == 403
    assert (
        client.post(f"{url}/{rid}/corrections", json={"reason": "x", "facts": "y"}, headers=hz)
    ).status_code == 403
    assert client.get(f"/api/v1/credit/centre/records/{rid}", headers=hz).status_code == 403
    assert client.get("/api/v1/credit/centre/records", headers=hz).json()["total"] == 0
    admin = client.get("/api/v1/credit/centre/records", headers=auth(services, "admin"))
    assert [r["id"] for r in admin.json()["items"]] == [rid]  # the platform: every centre
    # The centre's operator reads it; a bidder does not.
    operator = auth(services, "operator")
    assert client.get(f"/api/v1/credit/centre/records/{rid}", headers=operator).status_code == 200
    assert (
        client.get("/api/v1/credit/centre/records", headers=auth(services, "bidder")).status_code
        == 403
    )

    sup = auth(services, "supervisor")
    corrected = client.post(
        f"{url}/{rid}/corrections",
        json={"reason": "笔误", "facts": "提供虚假业绩证明材料", "valid_until": "2027-03-01"},
        headers=sup,
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["valid_until"] == "2027-03-01"
    backwards = client.post(
        f"{url}/{rid}/corrections", json={"reason": "x", "valid_until": "2026-01-01"}, headers=sup
    )
    assert backwards.status_code == 422
    no_reason = client.post(f"{url}/{rid}/revoke", json={"reason": " "}, headers=sup)
    assert no_reason.status_code == 422
    revoked = client.post(f"{url}/{rid}/revoke", json={"reason": "复议撤销"}, headers=sup)
    assert revoked.status_code == 200 and revoked.json()["revoke_reason"] == "复议撤销"
    twice = client.post(f"{url}/{rid}/revoke", json={"reason": "复议撤销"}, headers=sup)
    assert twice.status_code == 409 and twice.json()["type"] == "/problems/invalid-transition"
    # Never deleted: the record stays, and every step is in the audit chain with who and where.
    kept = client.get(f"/api/v1/credit/centre/records/{rid}", headers=sup).json()
    assert kept["status"] == "revoked" and kept["facts"] == "提供虚假业绩证明材料"
    with services.read_session() as session:
        trail = session.execute(
            select(
                audit_log.c.action, audit_log.c.actor_id, audit_log.c.address, audit_log.c.payload
            )
            .where(audit_log.c.object_id == rid)
            .order_by(audit_log.c.seq)
        ).all()
    assert [t.action for t in trail] == [
        "CreditRecorded",
        "CreditPublished",
        "CreditCorrected",
        "CreditRevoked",
    ]
    assert {t.actor_id for t in trail} == {world.users["supervisor"]}
    assert all(t.address for t in trail)
    assert trail[2].payload["event"]["changes"]["valid_until"] == [TODAY, "2027-03-01"]

    # The supervisors' page: the form for supervisors only; a bad form is shown again.
    client.cookies.set("prex_session", "")
    page = client.get("/supervision/credit", headers=sup)
    assert page.status_code == 200 and 'id="record"' in page.text
    assert 'id="record"' not in client.get("/supervision/credit", headers=operator).text
    bad = client.post("/supervision/credit", data={"kind": "blacklist"}, headers=sup)
    assert bad.status_code == 422 and 'id="problem"' in bad.text
    assert client.post("/supervision/credit", data={}, headers=operator).status_code == 403
    assert client.get("/supervision/credit", follow_redirects=False).status_code == 303
    made_by_form = client.post(
        "/supervision/credit",
        data={
            "kind": "reward",
            "subject_kind": "organisation",
            "subject": uscc_of(services, world.orgs["bidder3"]),
            "basis": "表彰决定",
            "facts": "守信激励",
            "publish": "1",
        },
        headers=sup,
        follow_redirects=False,
    )
    assert made_by_form.status_code == 303, made_by_form.text
    assert client.get("/api/v1/credit/records").json()["total"] == 1


def test_prex_credit_lists_records_and_shows_an_organisation(
    client: TestClient, services: Services, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from typer.testing import CliRunner

    from prex.cli.main import app

    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    # The command runs on the wall clock: periods open at the end.
    shown = record(client, services, subject=world.orgs["bidder"], valid_until=None)
    hidden = record(
        client, services, subject=world.orgs["bidder2"], valid_until=None, publish=False
    )
    runner = CliRunner()
    listed = runner.invoke(app, ["credit", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [r["id"] for r in json.loads(listed.output)["items"]] == [shown["id"]]
    every = runner.invoke(app, ["credit", "list", "--all", "--json"])
    assert {r["id"] for r in json.loads(every.output)["items"]} == {shown["id"], hidden["id"]}
    uscc = uscc_of(services, world.orgs["bidder"])
    one = runner.invoke(app, ["credit", "show", uscc])
    assert one.exit_code == 0 and "BLACKLISTED today" in one.output and shown["id"] in one.output
    missing = runner.invoke(app, ["credit", "show", "NOPE"])
    assert missing.exit_code == 1 and "no organisation NOPE" in missing.output
    bad = runner.invoke(app, ["credit", "list", "--kind", "gone"])
    assert bad.exit_code == 1
