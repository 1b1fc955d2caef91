"""A complaint decision that orders the evaluation redone (重新评审) starts a new evaluation round,
over the API with real certificates: the candidates of the first round are in publicity, with an
unanswered objection; a losing bidder complains; the supervisor accepts, suspends and decides
``redo_evaluation`` with a signed decision. In the decision's transaction the first round —
evaluation, sheets, report, signatures and objection — is moved aside as evidence; the same
committee evaluates again from empty sheets, signs a new report, which is published for a new
publicity period and awarded. The old report stays retrievable (``/report/history``), its
signatures still verify over its bytes, and the current report differs."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.award import awarding
from prex.complaints.service import complaint_bytes
from prex.pki.cms import verify_detached
from tests.award_world import (
    PRICES,
    Signer,
    open_and_start,
    problem,
    seat_everyone,
    seed_committee_pool,
    submit_bids,
    two_venues,
)
from tests.factories import auth
from tests.opening_world import BIDDERS, Opening
from tests.pki_helpers import bind

ROUND_ONE = {"ecdsa-org": ("22", "8"), "ecdsa-p384": ("26", "9.5"), "sm2-org": ("25", "7")}
# The committee re-evaluates and corrects the construction scores the complaint named.
ROUND_TWO = {"ecdsa-org": ("28", "9.5"), "ecdsa-p384": ("26", "9.5"), "sm2-org": ("20", "6")}


def _evaluate(opening: Opening, judges: list[str], bid_of: dict[str, str], scores: Any) -> Any:
    """Every sitting member's sheets, the low bid explained, and the result frozen."""
    client, services = opening.client, opening.services
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    for judge in judges:
        marks = [
            {"bid_id": bid, "item": item, "passed": True, "reason": ""}
            for bid in bid_of.values()
            for item in ("qualification", "compliance")
        ]
        put = client.put(f"{url}/review", json={"marks": marks}, headers=auth(services, judge))
        assert put.status_code == 200, put.text
    for judge in judges:
        sheet = [
            {"bid_id": bid_of[leaf], "criterion": criterion, "score": score}
            for leaf, pair in scores.items()
            for criterion, score in zip(("construction", "management"), pair, strict=True)
        ]
        put = client.put(f"{url}/scores", json={"scores": sheet}, headers=auth(services, judge))
        assert put.status_code == 200, put.text
    low = bid_of["ecdsa-org"]
    requested = client.post(f"{url}/explanations/{low}/request", headers=auth(services, judges[0]))
    assert requested.status_code == 200, requested.text
    decided = client.post(
        f"{url}/explanations/{low}/decision",
        json={"explanation": "自有设备与材料储备，已提供成本测算", "accepted": True},
        headers=auth(services, judges[1]),
    )
    assert decided.status_code == 200, decided.text
    completed = client.post(f"{url}/complete", headers=auth(services, "operator"))
    assert completed.status_code == 200, completed.text
    return completed.json()


def _report_signed_and_published(
    opening: Opening, judges: list[str], signers: dict[str, Signer]
) -> tuple[dict[str, Any], dict[str, Any]]:
    client, services = opening.client, opening.services
    report_url = f"/api/v1/tenders/{opening.id}/report"
    made = client.post(report_url, headers=auth(services, "operator"))
    assert made.status_code == 201, made.text
    report = client.get(report_url, headers=auth(services, "operator")).json()
    to_sign = base64.b64decode(report["to_sign"])
    for judge in judges:
        signed = client.post(
            f"{report_url}/signatures",
            json={"signature": signers[judge].sign(to_sign)},
            headers=auth(services, judge),
        )
        assert signed.status_code == 201, signed.text
    published = client.post(
        f"/api/v1/tenders/{opening.id}/publicity", headers=auth(services, "agency")
    )
    assert published.status_code == 200, published.text
    return report, published.json()


def test_a_decision_to_redo_the_evaluation_runs_a_new_round_to_a_new_award(
    opening: Opening,
) -> None:
    client, services, pki, tmp = opening.client, opening.services, opening.pki, opening.tmp
    operator, tenderer = auth(services, "operator"), auth(services, "tenderer")
    supervisor = auth(services, "supervisor")
    signers, accounts, _ = seed_committee_pool(opening)
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    assert client.put(committee_url, json=two_venues(opening), headers=operator).status_code == 200
    submit_bids(opening)
    opening.to_deadline()
    assert client.post(f"{committee_url}/draw", headers=operator).status_code == 200
    pseudonym = seat_everyone(opening, accounts)
    judges = sorted(pseudonym)
    bid_of = open_and_start(opening)

    # Round 1: evaluated, reported, signed, published; a loser objects (left unanswered).
    first = _evaluate(opening, judges, bid_of, ROUND_ONE)
    old_report, _ = _report_signed_and_published(opening, judges, signers)
    winner_bid = first["sections"][0]["ranking"][0]["bid_id"]
    loser = next(leaf for leaf in PRICES if bid_of[leaf] != winner_bid)
    loser_user, loser_signer = (
        auth(services, BIDDERS[loser][0]),
        Signer(tmp, leaf=pki.leaves[loser]),
    )
    objection = "对第一中标候选人的施工组织设计评分有异议"
    filed = client.post(
        f"/api/v1/tenders/{opening.id}/objections",
        json={
            "text": objection,
            "signature": loser_signer.sign(awarding.objection_bytes(opening.id, objection)),
        },
        headers=loser_user,
    )
    assert filed.status_code == 201, filed.text

    # The loser complains to the supervisor; accepted, the tender suspended.
    evidence = client.post(
        "/api/v1/complaint-evidence",
        files={"file": ("评分表.pdf", b"%PDF-1.4 the scoring table", "application/pdf")},
        headers=loser_user,
    )
    assert evidence.status_code == 201, evidence.text
    announced = client.get(f"/api/v1/tenders/{opening.id}").json()["announcements"]
    result_at = max(a["published_at"] for a in announced if a["kind"] == "result")
    known_on = (datetime.fromisoformat(result_at) + timedelta(hours=8)).date().isoformat()
    text = "评标委员会未按招标文件规定的评标标准评审施工组织设计。"
    data = complaint_bytes(
        opening.id, None, "result", known_on, "", text, [evidence.json()["sha256"]]
    )
    complaint = client.post(
        f"/api/v1/tenders/{opening.id}/complaints",
        json={
            "subject": "result",
            "text": text,
            "evidence": [evidence.json()],
            "signature": loser_signer.sign(data),
        },
        headers=loser_user,
    )
    assert complaint.status_code == 201, complaint.text
    complaint_id = complaint.json()["id"]
    for verb, body in (("accept", None), ("suspend", {"reason": "投诉处理期间暂停"})):
        done = client.post(
            f"/api/v1/complaints/{complaint_id}/{verb}", json=body, headers=supervisor
        )
        assert done.status_code == 200, done.text

    # The signed decision: upheld, the evaluation redone.
    bound = bind(client, services, pki, "supervisor", "rsa-person", "rsa-pkcs1-sha256", tmp)
    assert bound.status_code == 201, bound.text
    decision = {
        "outcome": "upheld",
        "remedy": "redo_evaluation",
        "findings": "评标委员会未按照招标文件规定的评标标准评审，投诉成立，责令原评标委员会"
        "重新评审。",
        "at_fault": [],
    }
    prepared = client.post(
        f"/api/v1/complaints/{complaint_id}/decision/to-sign", json=decision, headers=supervisor
    )
    assert prepared.status_code == 200, prepared.text
    signature = Signer(tmp, leaf=pki.leaves["rsa-person"]).sign(
        base64.b64decode(prepared.json()["to_sign"])
    )
    decided = client.post(
        f"/api/v1/complaints/{complaint_id}/decision",
        json={**decision, "signature": signature},
        headers=supervisor,
    )
    assert decided.status_code == 200, decided.text
    decision_sha256 = decided.json()["decision_sha256"]

    # The first round is closed: no current report, the room dissolved, the history kept.
    tender = client.get(f"/api/v1/tenders/{opening.id}").json()
    assert tender["status"] == "evaluation" and tender["suspension"] is None
    report_url = f"/api/v1/tenders/{opening.id}/report"
    problem(client.get(report_url, headers=operator), 404)
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    room = client.get(url, headers=operator).json()
    assert room["status"] == "dissolved" and room["round"] == 2
    history_url = f"{report_url}/history"
    problem(client.get(history_url), 401)
    problem(client.get(history_url, headers=loser_user), 403)  # like the working report
    history = client.get(history_url, headers=auth(services, "agency")).json()
    assert history["current_round"] == 2
    [old] = history["superseded"]
    assert old["round"] == 1 and old["complaint_id"] == complaint_id
    assert old["decision_sha256"] == decision_sha256 and "重新评审" in old["reason"]
    assert old["report"]["sha256"] == old_report["sha256"]
    assert old["report"]["outcome"] == "candidates"
    assert [o["text"] for o in old["objections"]] == [objection]
    old_bytes = base64.b64decode(old["report"]["to_sign"])
    assert len(old["signatures"]) == len(judges)
    assert all(
        verify_detached(old_bytes, base64.b64decode(s["signature"])) for s in old["signatures"]
    )
    with services.read_session() as session:
        superseded = session.execute(
            select(audit_log.c.payload)
            .where(
                audit_log.c.action == "EvaluationRoundSuperseded",
                audit_log.c.object_id == opening.id,
            )
            .order_by(audit_log.c.seq)
        ).scalar_one()["event"]
    assert superseded["snapshot_sha256"] == old["snapshot_sha256"]
    assert superseded["previous_status"] == "complete"

    # The pages: the tender page names the round the decision closed; the room, round 2.
    page = client.get(f"/tenders/{opening.id}").text
    assert "第 1 轮评审" in page and old_report["sha256"] in page
    room_page = client.get(f"/tenders/{opening.id}/evaluation", headers=operator).text
    assert "第 2 轮评审" in room_page and "已因投诉处理决定终止" in room_page

    # Round 2: the same committee, from empty sheets, to a new report and publicity.
    started = client.post(url, headers=operator)
    assert started.status_code == 201, started.text
    room = client.get(url, headers=operator).json()
    assert room["status"] == "open" and room["committee"]["round"] == 1
    assert sorted(room["waiting_for"]["review"]) == sorted(pseudonym.values())  # all afresh
    second = _evaluate(opening, judges, bid_of, ROUND_TWO)
    assert second["result_sha256"] != first["result_sha256"]
    new_report, published = _report_signed_and_published(opening, judges, signers)
    assert new_report["sha256"] != old_report["sha256"] and new_report["round"] == 2
    assert client.get(f"/api/v1/tenders/{opening.id}").json()["status"] == "publicity"
    public = client.get(f"/api/v1/tenders/{opening.id}/publicity").json()
    assert public["objections"] == []  # the first round's objection is history
    assert (
        client.get(f"{report_url}/history", headers=operator).json()["superseded"][0]["report"][
            "sha256"
        ]
        == old_report["sha256"]
    )

    # After the new publicity period, the award goes to the new round's first candidate.
    opening.clock.set(datetime.fromisoformat(published["publicity_until"]) + timedelta(minutes=1))
    section_id = new_report["report"]["sections"][0]["section_id"]
    awarded = client.post(
        f"/api/v1/tenders/{opening.id}/awards", json={"section_id": section_id}, headers=tenderer
    )
    assert awarded.status_code == 201, awarded.text
    new_first = second["sections"][0]["ranking"][0]["bid_id"]
    assert new_first != winner_bid  # the corrected scores change the first candidate
    new_winner = next(leaf for leaf in PRICES if bid_of[leaf] == new_first)
    assert awarded.json()["notice"]["winner"]["uscc"] == pki.uscc[new_winner]
    assert client.get(f"/api/v1/tenders/{opening.id}").json()["status"] == "awarded"

    # The transaction's archive keeps the closed round: its report as the members signed it,
    # with every signature (the verifier checks them like the current round's).
    from prex.archive.collectors import SECTIONS, Dossier, collect
    from prex.archive.service import _tender_row

    with services.read_session() as session:
        dossier = collect(
            Dossier(tender=_tender_row(session, opening.id), session=session, blobs=services.blobs),
            [s for s in SECTIONS if s.name == "superseded rounds"],
        )
    old = dossier.members["dossier/award/rounds/1/report.json"]
    assert hashlib.sha256(old).hexdigest() == old_report["sha256"]
    signatures = [n for n in dossier.members if n.startswith("dossier/award/rounds/1/report.json.")]
    assert len(signatures) == 5
    assert all(verify_detached(old, dossier.members[n]) for n in signatures)
