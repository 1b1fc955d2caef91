"""Challenges and complaints end to end over HTTP, with OpenSSL-made certificates: a complaint
filed on time suspends the tender (every move and bid is refused naming it), the signed decision
resumes it; a complaint one working day late is refused quoting the rule; procurement complaints
only after the challenge; contents visible to the parties alone.

The calendar is 2026's (calendar-cn.toml): 1–7 October is the National Day holiday, Saturday
10 October a working day."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.credit.orm import credit_records
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.award_world import problem
from tests.complaints_world import COMPETITOR, COMPLAINANT, Complaints, beijing
from tests.factories import World, auth
from tests.pki_openssl import PkiWorld


@pytest.fixture
def cx(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> Complaints:
    clock.set(beijing("2026-09-28"))  # a Monday before the National Day holiday
    return Complaints(client, services, world, pki_world, tmp_path, clock)


def _status(cx: Complaints, tender_id: str) -> dict[str, Any]:
    return dict(cx.client.get(f"/api/v1/tenders/{tender_id}").json())


def test_a_complaint_one_day_late_is_refused_quoting_the_rule_and_on_the_last_day_it_is_taken(
    cx: Complaints,
) -> None:
    tender = cx.tender()  # published 28 September: 10 days → 8 October (holiday inside)
    cx.clock.set(beijing("2026-10-09"))
    late = problem(cx.file(tender["id"]), 422, "rule-violation")
    assert late["rule"] == "complaint.filing-days"
    assert "《招标投标法实施条例》第六十条" in late["detail"] and "2026-10-08" in late["detail"]
    cx.clock.set(beijing("2026-10-08", 23))
    filed = cx.file(tender["id"])
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["status"] == "filed" and body["known_on"] == "2026-09-28"
    # Accepted within 3 working days: 9, 10 (a Saturday worked) and 12 October.
    assert body["acceptance_due"] == "2026-10-12"
    assert body["number"].startswith("TS-")


def test_a_suspension_refuses_every_move_and_bid_naming_the_complaint_until_the_decision(
    cx: Complaints, services: Services
) -> None:
    tender = cx.tender()
    tender_id = tender["id"]
    cx.clock.set(beijing("2026-10-08"))
    filed = cx.file(tender_id)
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    number = complaint["number"]
    accepted = cx.handle(complaint["id"], "accept")
    assert accepted.status_code == 200, accepted.text
    # Decided within 30 working days of acceptance (8 October): 9, 10 (a Saturday worked)
    # October, then five a week — the 30th is Wednesday 18 November.
    assert accepted.json()["decision_due"] == "2026-11-18"
    suspended = cx.handle(complaint["id"], "suspend", reason="资格条件涉嫌排斥潜在投标人，暂停招标")
    assert suspended.status_code == 200, suspended.text
    view = _status(cx, tender_id)
    assert view["suspension"]["complaint_number"] == number

    # The tenderer's agency may not cancel meanwhile: refused naming the complaint.
    cancel = cx.client.post(
        f"/api/v1/tenders/{tender_id}/cancel",
        json={"reason": "终止"},
        headers=auth(services, "agency"),
    )
    refused = problem(cancel, 409, "tender-suspended")
    assert number in refused["detail"] and "暂停招标" in refused["detail"]
    assert refused["complaint_id"] == complaint["id"]

    # The worker reaching the deadline leaves the tender alone while suspended.
    cx.clock.set(
        beijing("2026-10-08") + timedelta(days=40)
    )  # long past the bid deadline (28 October)
    assert run_once(services).transitions == 0
    assert _status(cx, tender_id)["status"] == "published"

    # The decision: dismissed, the tender resumes; the worker then reaches the deadline.
    decided = cx.decide(
        complaint["id"],
        outcome="dismissed",
        remedy="resume",
        findings="经调查，资格条件符合法律规定，投诉不成立。",
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "decided" and body["decision"]["outcome"] == "dismissed"
    assert [s["step"] for s in body["steps"]] == [
        "filed",
        "accepted",
        "suspended",
        "decided",
        "resumed",
    ]
    assert _status(cx, tender_id)["suspension"] is None
    assert run_once(services).transitions == 1
    # The deadline is reached at last; nobody bid, so the tender fails for too few bidders.
    assert _status(cx, tender_id)["status"] == "failed"

    public = cx.client.get(f"/api/v1/tenders/{tender_id}/complaint-decisions").json()
    assert public["suspension"] is None
    [published] = public["decisions"]
    assert published["number"] == number and published["signature"]
    assert "排斥潜在投标人" not in str(public)  # the complaint's text stays with the parties

    with services.read_session() as session:
        names = [
            r.action
            for r in session.execute(
                select(audit_log.c.action)
                .where(audit_log.c.object_id.in_([complaint["id"], tender_id]))
                .order_by(audit_log.c.seq)
            )
        ]
    for event in ("ComplaintFiled", "ComplaintAccepted", "TenderSuspended", "TenderResumed"):
        assert event in names
    assert "ComplaintDecided" in names


def test_a_bid_is_refused_while_the_tender_is_suspended(cx: Complaints) -> None:
    from tests.opening_world import Opening

    opening = Opening(cx.client, cx.services, cx.world, cx.pki, cx.tmp, cx.clock)
    filed = cx.file(opening.id)
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    assert cx.handle(complaint["id"], "suspend", reason="暂停投标").status_code == 200
    envelope = opening.seal("ecdsa-org", "9,876,543.21")
    refused = problem(opening.submit(envelope, "bidder_ec", "bid-while-suspended"), 409)
    assert complaint["number"] in refused["detail"]
    assert cx.handle(complaint["id"], "resume", note="恢复").status_code == 200
    assert opening.submit(envelope, "bidder_ec", "bid-after-resume").status_code == 201


def test_an_upheld_complaint_returns_the_tender_to_evaluation_and_names_who_was_at_fault(
    cx: Complaints, services: Services, world: World
) -> None:
    from prex.tenders.model import TenderStatus
    from prex.tenders.service import advance_tender, tender_within
    from tests.factories import ADMIN_ACTOR

    tender = cx.tender()
    # The tender's own steps to publicity (the bids and the evaluation do not matter here).
    cx.clock.set(beijing("2026-10-29"))
    uow = services.uow(ADMIN_ACTOR)
    with uow:
        assert tender_within(uow, tender["id"]).reach_deadline(uow.clock)
        uow.commit()
    advance_tender(services.uow(ADMIN_ACTOR), tender["id"], TenderStatus.EVALUATION, "开标")
    advance_tender(services.uow(ADMIN_ACTOR), tender["id"], TenderStatus.PUBLICITY, "公示")
    filed = cx.file(tender["id"], subject="result", text="评标委员会未按招标文件评分。")
    assert filed.status_code == 201, filed.text
    complaint = filed.json()
    assert cx.handle(complaint["id"], "accept").status_code == 200
    decided = cx.decide(
        complaint["id"],
        outcome="upheld",
        remedy="redo_evaluation",
        findings="评标委员会未按照招标文件规定的评标标准评审，投诉成立，责令重新评审。",
        at_fault=[{"org_id": world.orgs["tenderer"], "finding": "未依法组织评标"}],
    )
    assert decided.status_code == 200, decided.text
    assert _status(cx, tender["id"])["status"] == "evaluation"
    with services.read_session() as session:
        payload = session.execute(
            select(audit_log.c.payload)
            .where(
                audit_log.c.action == "ComplaintDecided",
                audit_log.c.object_id == complaint["id"],
            )
            .order_by(audit_log.c.seq)
        ).scalar_one()
    event = payload["event"]
    assert event["at_fault"] == [{"org_id": world.orgs["tenderer"], "finding": "未依法组织评标"}]
    assert event["outcome"] == "upheld" and event["remedy"] == "redo_evaluation"
    # The decision's credit consequence: a published violation record quoting it (docs/credit.md)
    with services.read_session() as session:
        records = session.execute(
            select(credit_records).where(
                credit_records.c.source == "complaint",
                credit_records.c.source_id == complaint["id"],
            )
        ).all()
    assert [(r.subject_id, r.kind, r.status) for r in records] == [
        (world.orgs["tenderer"], "violation", "published")
    ]
    assert complaint["number"] in records[0].basis and "未依法组织评标" in records[0].facts


def test_a_decision_signed_by_another_certificate_is_refused(cx: Complaints) -> None:
    tender = cx.tender()
    complaint = cx.file(tender["id"]).json()
    assert cx.handle(complaint["id"], "accept").status_code == 200
    cx.supervisor = cx.filer  # an organisation's certificate, not the supervisor's own
    refused = cx.decide(complaint["id"], outcome="dismissed", remedy="resume", findings="不成立")
    problem(refused, 422, "certificate-identity-mismatch")


def test_a_procurement_complaint_follows_the_challenge_and_its_answer_period(
    cx: Complaints, services: Services
) -> None:
    tender = cx.tender("procurement")
    # Straight to the supervisor: refused, the challenge comes first.
    direct = problem(cx.file(tender["id"]), 422, "rule-violation")
    assert direct["rule"] == "complaint.challenge-first" and "第五十五条" in direct["detail"]
    cx.clock.set(beijing("2026-09-30"))
    made = cx.challenge(tender["id"])
    assert made.status_code == 201, made.text
    challenge = made.json()
    # Answered within 7 working days: 8, 9, 10, 12, 13, 14, 15 October.
    assert challenge["answer_due"] == "2026-10-15"
    cx.clock.set(beijing("2026-10-15", 20))
    early = problem(cx.file(tender["id"], challenge_id=challenge["id"]), 422, "rule-violation")
    assert early["rule"] == "complaint.challenge-first" and "2026-10-15" in early["detail"]
    cx.clock.set(beijing("2026-10-16"))
    answered = cx.client.post(
        f"/api/v1/challenges/{challenge['id']}/answer",
        json={"answer": "资格条件系依据采购需求设定。"},
        headers=auth(services, "agency"),
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer_late"] is True
    # 15 working days after the answer period: the last day is 5 November.
    cx.clock.set(beijing("2026-11-05", 22))
    filed = cx.file(tender["id"], challenge_id=challenge["id"])
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert body["kind"] == "procurement" and body["challenge_id"] == challenge["id"]
    # Accepted within 5 working days (6, 9, 10, 11, 12 November); decided within 30 working
    # days of receipt.
    assert body["acceptance_due"] == "2026-11-12"
    accepted = cx.handle(body["id"], "accept").json()
    assert accepted["decision_due"] == "2026-12-17"


def test_a_procurement_complaint_one_working_day_after_its_period_is_refused(
    cx: Complaints,
) -> None:
    tender = cx.tender("procurement")
    cx.clock.set(beijing("2026-09-30"))
    challenge = cx.challenge(tender["id"]).json()
    cx.clock.set(beijing("2026-11-06"))
    late = problem(cx.file(tender["id"], challenge_id=challenge["id"]), 422, "rule-violation")
    assert late["rule"] == "complaint.filing-days" and "第五十五条" in late["detail"]


def test_a_challenge_one_working_day_late_is_refused(cx: Complaints) -> None:
    tender = cx.tender("procurement")  # published 28 September
    # 7 working days: 29, 30 September, 8, 9, 10 (Saturday worked), 12, 13 October.
    cx.clock.set(beijing("2026-10-14"))
    late = problem(cx.challenge(tender["id"]), 422, "rule-violation")
    assert late["rule"] == "challenge.filing-days" and "第五十二条" in late["detail"]
    cx.clock.set(beijing("2026-10-13"))
    assert cx.challenge(tender["id"]).status_code == 201


def test_a_complaint_is_the_parties_alone(cx: Complaints, services: Services) -> None:
    tender = cx.tender()
    complaint = cx.file(tender["id"]).json()
    url = f"/api/v1/complaints/{complaint['id']}"
    for user in (COMPLAINANT, "tenderer", "agency", "operator", "supervisor"):
        seen = cx.client.get(url, headers=auth(services, user))
        assert seen.status_code == 200, (user, seen.text)
        assert seen.json()["text"] == complaint["text"]
    for user in (COMPETITOR, "bidder", "tenderer2"):
        hidden = cx.client.get(url, headers=auth(services, user))
        assert hidden.status_code in (403, 404), (user, hidden.text)
        listed = cx.client.get(
            f"/api/v1/tenders/{tender['id']}/complaints", headers=auth(services, user)
        )
        assert complaint["text"] not in listed.text
    assert cx.client.get(url).status_code == 401
    sha = complaint["evidence"][0]["sha256"]
    assert cx.client.get(
        f"{url}/evidence/{sha}", headers=auth(services, COMPETITOR)
    ).status_code in (
        403,
        404,
    )
    got = cx.client.get(f"{url}/evidence/{sha}", headers=auth(services, "supervisor"))
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    page = cx.client.get(f"/tenders/{tender['id']}")
    assert complaint["text"] not in page.text and complaint["number"] not in page.text
    own = cx.client.get(f"/tenders/{tender['id']}", headers=auth(services, COMPLAINANT))
    assert f'href="/complaints/{complaint["id"]}"' in own.text
    other = cx.client.get(f"/tenders/{tender['id']}", headers=auth(services, COMPETITOR))
    assert complaint["number"] not in other.text
    assert (
        cx.client.get(
            f"/complaints/{complaint['id']}", headers=auth(services, COMPETITOR)
        ).status_code
        == 404
    )
    # Only the complainant withdraws.
    refused = cx.client.post(
        f"{url}/withdraw", json={"reason": "撤回"}, headers=auth(services, COMPETITOR)
    )
    assert refused.status_code in (403, 404)
    withdrawn = cx.client.post(
        f"{url}/withdraw", json={"reason": "撤回"}, headers=auth(services, COMPLAINANT)
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"


def test_the_cli_writes_the_bytes_a_complaint_is_signed_over(
    cx: Complaints, services: Services, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from prex.cli.main import app

    tender = cx.tender()
    text = "开标记录与投标文件报价不一致。"
    proof = tmp_path / "证据.pdf"
    proof.write_bytes(b"%PDF-1.4 the opening record as the bidder saw it")
    uploaded = cx.client.post(
        "/api/v1/complaint-evidence",
        files={"file": (proof.name, proof.read_bytes(), "application/pdf")},
        headers=auth(services, COMPLAINANT),
    ).json()
    (tmp_path / "text.txt").write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "act.json"
    known = cx.act_day(tender["id"], "documents")
    result = CliRunner().invoke(
        app,
        [
            "complaints",
            "act",
            "--tender",
            tender["id"],
            "--subject",
            "documents",
            "--known-on",
            known,
            "--text-file",
            str(tmp_path / "text.txt"),
            "--evidence",
            str(proof),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    filed = cx.client.post(
        f"/api/v1/tenders/{tender['id']}/complaints",
        json={
            "subject": "documents",
            "text": text,
            "evidence": [uploaded],
            "signature": cx.filer.sign(out.read_bytes()),
        },
        headers=auth(services, COMPLAINANT),
    )
    assert filed.status_code == 201, filed.text
    # The same bytes with another text do not verify.
    other = cx.client.post(
        f"/api/v1/tenders/{tender['id']}/complaints",
        json={
            "subject": "documents",
            "text": text + "补充",
            "evidence": [uploaded],
            "signature": cx.filer.sign(out.read_bytes()),
        },
        headers=auth(services, COMPLAINANT),
    )
    assert other.status_code == 422, other.text


def test_a_decision_cancelling_the_award_ends_the_tender_and_its_archive_proves_the_complaint(
    cx: Complaints, services: Services, world: World
) -> None:
    """cancel_award ends the transaction; its archive holds the complaint as the complainant
    signed it (with the evidence its digests name) and the decision as the supervisor signed
    it, and `prex archive verify` checks both signatures offline."""
    from prex.archive.service import build_archive
    from prex.archive.verify import verify_archive
    from prex.tenders.model import TenderStatus
    from prex.tenders.service import advance_tender, tender_within
    from tests.factories import ADMIN_ACTOR

    tender = cx.tender()
    cx.clock.set(beijing("2026-10-29"))
    uow = services.uow(ADMIN_ACTOR)
    with uow:
        assert tender_within(uow, tender["id"]).reach_deadline(uow.clock)
        uow.commit()
    for status, note in [("evaluation", "开标"), ("publicity", "公示"), ("awarded", "定标")]:
        advance_tender(services.uow(ADMIN_ACTOR), tender["id"], TenderStatus(status), note)
    complaint = cx.file(tender["id"], subject="result", text="中标人弄虚作假。").json()
    assert cx.handle(complaint["id"], "accept").status_code == 200
    decided = cx.decide(
        complaint["id"],
        outcome="upheld",
        remedy="cancel_award",
        findings="中标人以他人名义投标，中标无效。",
        at_fault=[{"org_id": world.orgs["bidder"], "finding": "以他人名义投标"}],
    )
    assert decided.status_code == 200, decided.text
    assert _status(cx, tender["id"])["status"] == "cancelled"
    built = build_archive(services.uow(ADMIN_ACTOR), services, tender["id"])
    report = verify_archive(b"".join(services.blobs.iter_bytes(built.sha256)))
    assert report.ok, [(c.name, c.detail) for c in report.failures]
    base = f"dossier/complaints/{complaint['number']}"
    checked = {c.name for c in report.checks if c.ok}
    assert {f"{base}/complaint.json.p7s", f"{base}/decision.json.p7s"} <= checked
    assert any(n.startswith(f"{base}/evidence/01-") for n in checked)
