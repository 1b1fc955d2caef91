"""A tender driven to its end for the archive tests: the award test's path (committee over two
venues, sealed bids, opening, remote evaluation, a report signed by five experts, publicity, an
objection answered, the award notice, the contract signed and countersigned) in its shortest
form, every act signed by a real certificate."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from pathlib import Path

from prex.award import awarding
from tests.award_world import (
    PRICES,
    Signer,
    open_and_start,
    seat_everyone,
    seed_committee_pool,
    submit_bids,
    two_venues,
)
from tests.factories import auth
from tests.opening_world import BIDDERS, Opening

SCORES = {"ecdsa-org": ("22", "8"), "ecdsa-p384": ("26", "9.5"), "sm2-org": ("25", "7")}


def ok(response: object, status: int = 200) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    return response.json()  # type: ignore[attr-defined,no-any-return]


def complete_tender(opening: Opening, tmp_path: Path) -> None:
    """Carry the opening's tender to ``complete`` over the API."""
    client, services, pki = opening.client, opening.services, opening.pki
    operator, agency = auth(services, "operator"), auth(services, "agency")
    tenderer = auth(services, "tenderer")
    signers, accounts, _ = seed_committee_pool(opening)
    tenderer_signer = Signer(tmp_path, leaf=pki.leaves["rsa-org"])
    bidder_signer = {leaf: Signer(tmp_path, leaf=pki.leaves[leaf]) for leaf in PRICES}
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    ok(client.put(committee_url, json=two_venues(opening), headers=operator))
    submit_bids(opening)
    opening.to_deadline()
    ok(client.post(f"{committee_url}/draw", headers=operator))
    pseudonym = seat_everyone(opening, accounts)
    judges = sorted(pseudonym)
    bid_of = open_and_start(opening)
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    for judge in judges:
        marks = [
            {"bid_id": bid, "item": item, "passed": True, "reason": ""}
            for bid in bid_of.values()
            for item in ("qualification", "compliance")
        ]
        ok(client.put(f"{url}/review", json={"marks": marks}, headers=auth(services, judge)))
    for judge in judges:
        scores = []
        for leaf, (construction, management) in SCORES.items():
            scores.append(
                {"bid_id": bid_of[leaf], "criterion": "construction", "score": construction}
            )
            scores.append({"bid_id": bid_of[leaf], "criterion": "management", "score": management})
        ok(client.put(f"{url}/scores", json={"scores": scores}, headers=auth(services, judge)))
    low = bid_of["ecdsa-org"]
    ok(client.post(f"{url}/explanations/{low}/request", headers=auth(services, judges[0])))
    ok(
        client.post(
            f"{url}/explanations/{low}/decision",
            json={"explanation": "自有设备与材料储备", "accepted": True},
            headers=auth(services, judges[1]),
        )
    )
    ranking = ok(client.post(f"{url}/complete", headers=operator))["sections"][0]["ranking"]
    winner = next(leaf for leaf, bid in bid_of.items() if bid == ranking[0]["bid_id"])
    loser = next(leaf for leaf in PRICES if leaf != winner)
    report_url = f"/api/v1/tenders/{opening.id}/report"
    ok(client.post(report_url, headers=operator), 201)
    report = ok(client.get(report_url, headers=operator))
    to_sign = base64.b64decode(report["to_sign"])
    for judge in judges:
        body = {"signature": signers[judge].sign(to_sign)}
        ok(client.post(f"{report_url}/signatures", json=body, headers=auth(services, judge)), 201)
    published = ok(client.post(f"/api/v1/tenders/{opening.id}/publicity", headers=agency))
    until = datetime.fromisoformat(published["publicity_until"])
    ok(client.post(f"/api/v1/tenders/{opening.id}/committee/reveal", headers=operator))
    text = "对评分有异议"
    filed = ok(
        client.post(
            f"/api/v1/tenders/{opening.id}/objections",
            json={
                "text": text,
                "signature": bidder_signer[loser].sign(awarding.objection_bytes(opening.id, text)),
            },
            headers=auth(services, BIDDERS[loser][0]),
        ),
        201,
    )
    answer = "异议不成立"
    ok(
        client.post(
            f"/api/v1/objections/{filed['id']}/answer",
            json={
                "answer": answer,
                "signature": tenderer_signer.sign(awarding.answer_bytes(filed["id"], answer)),
            },
            headers=tenderer,
        )
    )
    opening.clock.set(until + timedelta(minutes=1))
    section_id = report["report"]["sections"][0]["section_id"]
    notice = ok(
        client.post(
            f"/api/v1/tenders/{opening.id}/awards",
            json={"section_id": section_id},
            headers=tenderer,
        ),
        201,
    )
    today = opening.clock.now().date()
    terms = {
        "section_id": section_id,
        "value": notice["notice"]["price"],
        "signed_on": today.isoformat(),
        "starts_on": (today + timedelta(days=7)).isoformat(),
        "ends_on": (today + timedelta(days=372)).isoformat(),
    }
    contracts_url = f"/api/v1/tenders/{opening.id}/contracts"
    contract_bytes = base64.b64decode(
        ok(client.post(f"{contracts_url}/to-sign", json=terms, headers=tenderer))["to_sign"]
    )
    ok(
        client.post(
            contracts_url,
            json={**terms, "signature": tenderer_signer.sign(contract_bytes)},
            headers=tenderer,
        ),
        201,
    )
    ok(
        client.post(
            f"{contracts_url}/{section_id}/countersign",
            json={"signature": bidder_signer[winner].sign(contract_bytes)},
            headers=auth(services, BIDDERS[winner][0]),
        )
    )
    assert ok(client.get(f"/api/v1/tenders/{opening.id}"))["status"] == "complete"
