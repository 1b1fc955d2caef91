"""The sealed-bid tender carried on to a signed contract, over the API: a committee drawn over a
main venue (the province, 3 seats) and a sub venue (the city, 2 seats) with avoidance hits in the
draw record; the comprehensive method with an outlier forced to a justification and a low bid
explained; the report signed by all five experts (two OpenSSL-made personal certificates, RSA
and SM2, and three issued by a second CA); the candidates published for the rule pack's three
days; an objection by a losing bidder that suspends the award until the tenderer answers it; the
award notice signed by the platform and timestamped; the contract signed by the tenderer and
countersigned by the winner. Every act is signed by its author's certificate and audited with
actor and address; the audit chain verifies; the draw replays from the revealed seed."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from prex.audit.orm import audit_log
from prex.award import awarding, reporting
from prex.cli.main import app
from prex.envelope.container import canonical
from prex.pki.cms import verify_detached
from prex.pki.tsa import verify_token
from prex.worker import run_once
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
from tests.e2e.test_committee import sweep_for_names
from tests.e2e.test_guarantees import configure_provider
from tests.factories import auth, chain_of
from tests.opening_world import BIDDERS, Opening

runner = CliRunner()
SCORES = {"ecdsa-org": ("22", "8"), "ecdsa-p384": ("26", "9.5"), "sm2-org": ("25", "7")}
OUTLIER = "12"  # one member's construction score of the sm2 bid: 13 under the others' 25


def test_from_sealed_bids_to_a_signed_contract(opening: Opening, tmp_path: Path) -> None:
    client, services, pki = opening.client, opening.services, opening.pki
    operator, agency = auth(services, "operator"), auth(services, "agency")
    tenderer = auth(services, "tenderer")
    signers, accounts, names = seed_committee_pool(opening)
    # In the test world rsa-org carries the tenderer's credit code: the tenderer's certificate.
    tenderer_signer = Signer(tmp_path, leaf=pki.leaves["rsa-org"])
    bidder_signer = {leaf: Signer(tmp_path, leaf=pki.leaves[leaf]) for leaf in PRICES}

    # The committee: defined before the deadline (seed committed), drawn after it.
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    defined = client.put(committee_url, json=two_venues(opening), headers=operator)
    assert defined.status_code == 200, defined.text
    seed_sha256 = defined.json()["seed_sha256"]
    # Each bidder's bond is an electronic guarantee of the shipped provider (the guarantor's
    # certificate is rsa-pss's, an organisation that does not bid here).
    configure_provider(services, pki, tmp_path, "rsa-pss")
    sections = client.get(f"/api/v1/tenders/{opening.id}/bid-parameters").json()["sections"]
    guarantee_ids = []
    for leaf in PRICES:
        asked = client.post(
            f"/api/v1/tenders/{opening.id}/guarantees",
            json={"section_id": sections[0]["id"], "provider": "certificate"},
            headers=auth(services, BIDDERS[leaf][0]),
        )
        assert asked.status_code == 201 and asked.json()["status"] == "accepted", asked.text
        guarantee_ids.append(asked.json()["id"])
    submit_bids(opening)
    opening.to_deadline()
    drawn = client.post(f"{committee_url}/draw", headers=operator)
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["excluded"] == {
        "bidder-employee": 1,
        "tenderer-employee": 1,
        "blacklisted": 1,
    }
    members = client.get(committee_url, headers=operator).json()["members"]
    assert len(members) == 5 and {m["venue"] for m in members} == {
        opening.world.centre_id,
        opening.world.city_centre_id,
    }
    pseudonym = seat_everyone(opening, accounts)
    judges = sorted(pseudonym)

    # The opening, as in the sealed-bid test: three custodians, the record published; then the
    # remote evaluation: comprehensive method, sheets from all five members.
    bid_of = open_and_start(opening)
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    for judge in judges:
        marks = [
            {"bid_id": bid, "item": item, "passed": True, "reason": ""}
            for bid in bid_of.values()
            for item in ("qualification", "compliance")
        ]
        put = client.put(f"{url}/review", json={"marks": marks}, headers=auth(services, judge))
        assert put.status_code == 200, put.text
    outlier = judges[3]
    for judge in judges:
        scores = []
        for leaf, (construction, management) in SCORES.items():
            if judge == outlier and leaf == "sm2-org":
                construction = OUTLIER
            scores.append(
                {"bid_id": bid_of[leaf], "criterion": "construction", "score": construction}
            )
            scores.append({"bid_id": bid_of[leaf], "criterion": "management", "score": management})
        put = client.put(f"{url}/scores", json={"scores": scores}, headers=auth(services, judge))
        assert put.status_code == 200, put.text
    blocked = problem(client.post(f"{url}/complete", headers=operator), 409)
    assert f"{pseudonym[outlier]} must justify" in blocked["detail"]
    justification = {
        "bid_id": bid_of["sm2-org"],
        "criterion": "construction",
        "reason": "施工组织设计缺少冬季施工措施",
    }
    assert (
        client.post(
            f"{url}/justifications", json=justification, headers=auth(services, outlier)
        ).status_code
        == 200
    )
    low = bid_of["ecdsa-org"]
    assert (
        client.post(
            f"{url}/explanations/{low}/request", headers=auth(services, judges[0])
        ).status_code
        == 200
    )
    decided = client.post(
        f"{url}/explanations/{low}/decision",
        json={"explanation": "自有设备与材料储备，已提供成本测算", "accepted": True},
        headers=auth(services, judges[1]),
    )
    assert decided.status_code == 200, decided.text
    completed = client.post(f"{url}/complete", headers=operator)
    assert completed.status_code == 200, completed.text
    ranking = completed.json()["sections"][0]["ranking"]
    winner_bid = ranking[0]["bid_id"]
    winner = next(leaf for leaf, bid in bid_of.items() if bid == winner_bid)
    loser = next(leaf for leaf in PRICES if leaf != winner)

    # The report: JSON and PDF, read by the committee and the centre, not by bidders yet.
    report_url = f"/api/v1/tenders/{opening.id}/report"
    problem(client.post(report_url, headers=auth(services, "agency")), 403)
    made = client.post(report_url, headers=operator)
    assert made.status_code == 201, made.text
    problem(client.post(report_url, headers=operator), 409)  # once
    problem(client.get(report_url, headers=auth(services, BIDDERS[loser][0])), 403)
    problem(client.get(report_url), 401)
    report = client.get(report_url, headers=auth(services, judges[0])).json()
    to_sign = base64.b64decode(report["to_sign"])
    assert json.loads(to_sign) == report["report"]
    pdf = client.get(f"{report_url}.pdf", headers=operator)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.content).hexdigest() == report["report"]["pdf_sha256"]
    assert hashlib.sha256(to_sign).hexdigest() == report["sha256"] == made.json()["sha256"]
    section = report["report"]["sections"][0]
    assert [j["member"] for j in section["justifications"]] == [pseudonym[outlier]]
    assert {m["name"] for m in report["report"]["committee"]} <= set(names)

    # Publication waits for every signature; a signature must be the member's own.
    problem(client.post(f"/api/v1/tenders/{opening.id}/publicity", headers=agency), 409)
    sign_url = f"{report_url}/signatures"
    wrong = {"signature": signers[judges[1]].sign(to_sign)}
    problem(
        client.post(sign_url, json=wrong, headers=auth(services, judges[0])),
        422,
        "certificate-identity-mismatch",
    )
    tampered = {"signature": signers[judges[0]].sign(to_sign + b" ")}
    problem(client.post(sign_url, json=tampered, headers=auth(services, judges[0])), 422)
    # The outlier signs and states its dissent (实施条例 第五十三条), signing that too.
    dissent = "本人认为第一中标候选人的施工组织设计评分偏高"
    signed_dissent = reporting.dissent_bytes(report["sha256"], dissent)
    unsigned_dissent = {"signature": signers[outlier].sign(to_sign), "dissent": dissent}
    problem(client.post(sign_url, json=unsigned_dissent, headers=auth(services, outlier)), 422)
    schemes = set()
    for judge in judges:
        body = {"signature": signers[judge].sign(to_sign)}
        if judge == outlier:
            body |= {"dissent": dissent, "dissent_signature": signers[judge].sign(signed_dissent)}
        signed = client.post(sign_url, json=body, headers=auth(services, judge))
        assert signed.status_code == 201, signed.text
        assert signed.json()["member"] == pseudonym[judge]
        schemes.add(signed.json()["scheme"].split("-")[0])
    assert {"rsa", "sm2", "ecdsa"} <= schemes
    again = {"signature": signers[judges[0]].sign(to_sign)}
    problem(client.post(sign_url, json=again, headers=auth(services, judges[0])), 409)
    # Each stored signature verifies offline against the report's canonical bytes.
    answers = client.get(report_url, headers=operator).json()["signatures"]
    for entry in answers:
        assert entry["signed"] and verify_detached(to_sign, base64.b64decode(entry["signature"]))
    [dissenting] = [entry for entry in answers if entry["dissent"]]
    assert dissenting["member"] == pseudonym[outlier] and dissenting["dissent"] == dissent
    assert verify_detached(signed_dissent, base64.b64decode(dissenting["dissent_signature"]))

    # Before the result — report drawn up and signed — no route of the application shows a
    # bidder or the public a committee member's name.
    sweep_for_names(opening, set(names), members[0]["id"], members[0]["expert_id"])
    # … nor the candidates themselves (招标投标法 第四十四条): the result is not out yet.
    result_url = f"/api/v1/tenders/{opening.id}/evaluation/result"
    problem(client.get(result_url), 404)
    assert client.get(result_url, headers=agency).status_code == 200

    # Candidates published by the tenderer's agency: publicity for 3 days.
    published = client.post(f"/api/v1/tenders/{opening.id}/publicity", headers=agency)
    assert published.status_code == 200, published.text
    assert client.get(f"/api/v1/tenders/{opening.id}").json()["status"] == "publicity"
    start = datetime.fromisoformat(published.json()["publicity_from"])
    until = datetime.fromisoformat(published.json()["publicity_until"])
    assert until - start == timedelta(days=3)
    public = client.get(f"/api/v1/tenders/{opening.id}/publicity").json()
    candidates = public["sections"][0]["candidates"]
    assert candidates[0]["bidder_uscc"] == pki.uscc[winner]
    assert (
        client.get(result_url).json()["sections"][0]["candidates"][0]["bidder_uscc"]
        == (pki.uscc[winner])
    )
    problem(client.get(report_url), 401)  # the working copy stays with its readers
    published_report = client.get(f"/api/v1/tenders/{opening.id}/publicity/report")
    assert published_report.status_code == 200  # published: the signed report is public now
    assert published_report.json()["sha256"] == report["sha256"]
    assert all(s["signed"] for s in published_report.json()["signatures"])

    # An objection by a losing bidder, signed by its certificate, suspends the award.
    objection_text = "对第一中标候选人的施工组织设计评分有异议"
    objection_bytes = awarding.objection_bytes(opening.id, objection_text)
    loser_user = auth(services, BIDDERS[loser][0])
    objections_url = f"/api/v1/tenders/{opening.id}/objections"
    forged = {"text": objection_text, "signature": bidder_signer[winner].sign(objection_bytes)}
    problem(
        client.post(objections_url, json=forged, headers=loser_user),
        422,
        "certificate-identity-mismatch",
    )
    filed = client.post(
        objections_url,
        json={"text": objection_text, "signature": bidder_signer[loser].sign(objection_bytes)},
        headers=loser_user,
    )
    assert filed.status_code == 201, filed.text
    objection_id = filed.json()["id"]
    assert datetime.fromisoformat(filed.json()["answer_due"]) - start == timedelta(days=3)
    awards_url = f"/api/v1/tenders/{opening.id}/awards"
    section_id = section["section_id"]
    early = problem(client.post(awards_url, json={"section_id": section_id}, headers=tenderer), 422)
    assert "publicity.min-days" in early["type"] or "第五十四条" in early["detail"]
    opening.clock.set(until + timedelta(minutes=1))
    late = awarding.objection_bytes(opening.id, "逾期异议")
    problem(
        client.post(
            objections_url,
            json={"text": "逾期异议", "signature": bidder_signer[loser].sign(late)},
            headers=loser_user,
        ),
        422,
    )
    suspended = problem(
        client.post(awards_url, json={"section_id": section_id}, headers=tenderer), 422
    )
    assert "暂停" in suspended["detail"]
    answer = "经复核，评分符合招标文件评标办法，异议不成立"
    answer_bytes = awarding.answer_bytes(objection_id, answer)
    answered = client.post(
        f"/api/v1/objections/{objection_id}/answer",
        json={"answer": answer, "signature": tenderer_signer.sign(answer_bytes)},
        headers=tenderer,
    )
    assert answered.status_code == 200, answered.text

    # The award notice: to the first candidate, signed by the platform and timestamped.
    problem(client.post(awards_url, json={"section_id": section_id}, headers=loser_user), 403)
    awarded = client.post(awards_url, json={"section_id": section_id}, headers=tenderer)
    assert awarded.status_code == 201, awarded.text
    notice = awarded.json()
    assert notice["notice"]["winner"]["uscc"] == pki.uscc[winner]
    notice_bytes = canonical(notice["notice"])
    assert hashlib.sha256(notice_bytes).hexdigest() == notice["sha256"]
    assert verify_detached(notice_bytes, base64.b64decode(notice["signature"]))
    verify_token(
        base64.b64decode(notice["timestamp"]), digest=hashlib.sha256(notice_bytes).digest()
    )
    assert client.get(f"/api/v1/tenders/{opening.id}").json()["status"] == "awarded"
    problem(client.post(awards_url, json={"section_id": section_id}, headers=tenderer), 409)

    # The contract on the award's terms, signed by the tenderer, countersigned by the winner.
    price = notice["notice"]["price"]
    today = opening.clock.now().date()
    terms = {
        "section_id": section_id,
        "value": price,
        "signed_on": today.isoformat(),
        "starts_on": (today + timedelta(days=7)).isoformat(),
        "ends_on": (today + timedelta(days=372)).isoformat(),
    }
    contracts_url = f"/api/v1/tenders/{opening.id}/contracts"
    off_terms = dict(terms, value="1000000.00")
    assert (
        "第四十六条"
        in problem(client.post(f"{contracts_url}/to-sign", json=off_terms, headers=tenderer), 422)[
            "detail"
        ]
    )
    preview = client.post(f"{contracts_url}/to-sign", json=terms, headers=tenderer)
    assert preview.status_code == 200, preview.text
    contract_bytes = base64.b64decode(preview.json()["to_sign"])
    assert preview.json()["contract"]["award_notice_sha256"] == notice["sha256"]
    recorded = client.post(
        contracts_url,
        json={**terms, "signature": tenderer_signer.sign(contract_bytes)},
        headers=tenderer,
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["late"] is False
    countersign = f"{contracts_url}/{section_id}/countersign"
    problem(
        client.post(
            countersign,
            json={"signature": bidder_signer[loser].sign(contract_bytes)},
            headers=loser_user,
        ),
        403,
    )
    done = client.post(
        countersign,
        json={"signature": bidder_signer[winner].sign(contract_bytes)},
        headers=auth(services, BIDDERS[winner][0]),
    )
    assert done.status_code == 200, done.text
    assert client.get(f"/api/v1/tenders/{opening.id}").json()["status"] == "complete"
    # The written contract signed: the worker releases the winner's and the losers' guarantees
    # (实施条例第五十七条), each acknowledged by the provider.
    assert run_once(services).guarantees == len(PRICES)
    for guarantee_id in guarantee_ids:
        released = client.get(f"/api/v1/guarantees/{guarantee_id}", headers=operator).json()
        assert released["status"] == "released", released
        assert released["outcome"]["reason"] == "contract-signed"
    final = client.get(f"/api/v1/tenders/{opening.id}/publicity").json()
    assert final["objections"][0]["answer"] == answer
    assert final["contracts"][0]["supplier_signature"] and final["awards"][0]["sha256"]

    # The portal's tender page shows the result, the award and the contract.
    page = client.get(f"/tenders/{opening.id}")
    assert page.status_code == 200
    for shown in (
        candidates[0]["bidder_name"],
        "中标通知书",
        "双方已签署",
        answer,
        f"/api/v1/tenders/{opening.id}/publicity/report.pdf",
    ):
        assert shown in page.text, shown

    # The draw replays from the revealed seed, byte for byte.
    revealed = client.post(f"{committee_url}/reveal", headers=operator)
    assert revealed.status_code == 200, revealed.text
    record = client.get(committee_url).json()["record"]
    assert record["seed_sha256"] == seed_sha256
    record_file = tmp_path / "draw.json"
    record_file.write_text(json.dumps(record, ensure_ascii=False))
    replay = runner.invoke(app, ["experts", "replay-draw", str(record_file)])
    assert replay.exit_code == 0, replay.output

    # Every act is in the audit trail with its actor and network address.
    with services.read_session() as session:
        trail = session.execute(
            select(audit_log.c.action, audit_log.c.actor_id, audit_log.c.address)
            .where(audit_log.c.object_id == opening.id)
            .order_by(audit_log.c.seq)
        ).all()
    acts = [t.action for t in trail]
    for action, times in {
        "ReportDrawnUp": 1,
        "ReportSigned": 5,
        "CandidatesPublished": 1,
        "ResultObjectionFiled": 1,
        "ResultObjectionAnswered": 1,
        "AwardNoticeIssued": 1,
        "ContractRecorded": 1,
        "ContractCountersigned": 1,
        "DeviationJustified": 1,
        "EvaluationCompleted": 1,
    }.items():
        assert acts.count(action) == times, (action, acts)
    assert all(
        t.actor_id and t.address
        for t in trail
        if t.action.startswith(("Report", "Result", "Award", "Contract"))
    )
    assert chain_of(services).ok
    assert date.fromisoformat(terms["signed_on"]) == today
