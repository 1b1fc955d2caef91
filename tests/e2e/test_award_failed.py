"""When the committee rejects every bid, the signed report ends the tender as failed, citing
Bidding Law art. 42, and the tenderer re-tenders it: a new draft of the same project with the
same sections. Bad signatures and texts get their own problem documents and change nothing."""

from __future__ import annotations

import base64

from prex.award import awarding
from tests.award_world import (
    open_and_start,
    problem,
    seat_everyone,
    seed_committee_pool,
    submit_bids,
    two_venues,
)
from tests.factories import auth, chain_of
from tests.opening_world import BIDDERS, Opening

REASON = "未按招标文件要求提供有效的安全生产许可证"


def test_every_bid_rejected_fails_the_tender_and_it_is_retendered(opening: Opening) -> None:
    client, services = opening.client, opening.services
    operator, agency = auth(services, "operator"), auth(services, "agency")
    signers, accounts, _ = seed_committee_pool(opening)
    committee_url = f"/api/v1/tenders/{opening.id}/committee"
    assert client.put(committee_url, json=two_venues(opening), headers=operator).status_code == 200
    submit_bids(opening)
    opening.to_deadline()
    assert client.post(f"{committee_url}/draw", headers=operator).status_code == 200
    pseudonym = seat_everyone(opening, accounts)
    judges = sorted(pseudonym)
    bid_of = open_and_start(opening)
    url = f"/api/v1/tenders/{opening.id}/evaluation"
    for judge in judges:
        marks = [
            {"bid_id": bid, "item": item, "passed": item != "qualification", "reason": REASON}
            for bid in bid_of.values()
            for item in ("qualification", "compliance")
        ]
        put = client.put(f"{url}/review", json={"marks": marks}, headers=auth(services, judge))
        assert put.status_code == 200, put.text
    for judge in judges:  # no valid bid: every score sheet is empty
        empty = client.put(f"{url}/scores", json={"scores": []}, headers=auth(services, judge))
        assert empty.status_code == 200, empty.text
    completed = client.post(f"{url}/complete", headers=operator)
    assert completed.status_code == 200, completed.text
    assert completed.json()["sections"][0]["candidates"] == []

    report_url = f"/api/v1/tenders/{opening.id}/report"
    assert client.post(report_url, headers=operator).status_code == 201
    report = client.get(report_url, headers=operator).json()
    to_sign = base64.b64decode(report["to_sign"])
    rejected = report["report"]["sections"][0]["rejected"]
    assert len(rejected) == 3 and all(REASON in r["reason"] for r in rejected)

    # Bad signatures: each has its own problem, and nothing is stored.
    judge = auth(services, judges[0])
    sign_url = f"{report_url}/signatures"
    problem(
        client.post(sign_url, json={"signature": "这不是base64签名数据！！！！"}, headers=judge),
        422,
    )
    garbage = base64.b64encode(b"\x30\x03\x02\x01\x00" * 8).decode()
    problem(client.post(sign_url, json={"signature": garbage}, headers=judge), 422)
    problem(client.post(sign_url, json={"signature": "c2ln" * 4, "x": 1}, headers=judge), 422)
    assert not any(
        s["signed"] for s in client.get(report_url, headers=operator).json()["signatures"]
    )

    for name in judges[:-1]:
        signed = client.post(
            sign_url,
            json={"signature": signers[name].sign(to_sign)},
            headers=auth(services, name),
        )
        assert signed.status_code == 201, signed.text
    # The last member will not sign and gives no reason: publication waits until the centre
    # records the refusal, after which the member is deemed to agree (实施条例 第五十三条).
    waiting = problem(client.post(f"/api/v1/tenders/{opening.id}/publicity", headers=agency), 409)
    assert pseudonym[judges[-1]] in waiting["detail"]
    refusal = {"member": pseudonym[judges[-1]], "note": "拒绝签字且未书面说明理由"}
    refusals_url = f"{report_url}/refusals"
    problem(client.post(refusals_url, json=refusal, headers=agency), 403)
    problem(client.post(refusals_url, json=dict(refusal, member="专家XXXX"), headers=operator), 404)
    problem(
        client.post(
            refusals_url, json=dict(refusal, member=pseudonym[judges[0]]), headers=operator
        ),
        409,
    )
    recorded = client.post(refusals_url, json=refusal, headers=operator)
    assert recorded.status_code == 201 and "第五十三条" in recorded.json()["deemed"]
    late = {"signature": signers[judges[-1]].sign(to_sign)}
    problem(client.post(sign_url, json=late, headers=auth(services, judges[-1])), 409)
    published = client.post(f"/api/v1/tenders/{opening.id}/publicity", headers=agency)
    assert published.status_code == 200, published.text
    tender = client.get(f"/api/v1/tenders/{opening.id}").json()
    assert tender["status"] == "failed" and "第四十二条" in tender["status_note"]
    public = client.get(f"/api/v1/tenders/{opening.id}/publicity").json()
    assert public["outcome"] == "failed" and public["sections"][0]["candidates"] == []

    # No objection and no award on a failed tender.
    text = "异议"
    loser = BIDDERS["sm2-org"][0]
    problem(
        client.post(
            f"/api/v1/tenders/{opening.id}/objections",
            json={"text": text, "signature": base64.b64encode(b"x" * 32).decode()},
            headers=auth(services, loser),
        ),
        422,
    )
    problem(
        client.post(
            f"/api/v1/tenders/{opening.id}/awards",
            json={"section_id": rejected[0]["bid_id"]},
            headers=auth(services, "tenderer"),
        ),
        409,
    )

    # The re-tender: a new draft of the same project and sections, by the tenderer's side.
    dates = {
        "bid_deadline": "2027-03-01T09:30:00+08:00",
        "documents_until": "2027-02-10T17:00:00+08:00",
    }
    retender_url = f"/api/v1/tenders/{opening.id}/retender"
    problem(client.post(retender_url, json=dates, headers=auth(services, loser)), 403)
    again = client.post(retender_url, json=dates, headers=agency)
    assert again.status_code == 201, again.text
    new_id = again.json()["retender_id"]
    draft = client.get(f"/api/v1/tenders/{new_id}", headers=agency).json()
    old = client.get(f"/api/v1/tenders/{opening.id}").json()
    assert draft["status"] == "draft" and draft["title"].endswith("（重新招标）")
    assert [s["name"] for s in draft["sections"]] == [s["name"] for s in old["sections"]]
    assert draft["project_id"] == old["project_id"]
    problem(client.post(f"/api/v1/tenders/{new_id}/retender", json=dates, headers=agency), 409)
    assert awarding.objection_bytes("t", text) == (
        '{"act":"result-objection","tender_id":"t","text":"异议"}'.encode()
    )
    assert chain_of(services).ok
