"""From an opened tender to ranked candidates over the API: a committee defined before the
deadline and drawn after it (one member refuses, the standby is seated), expert accounts linked,
the opening record published, the room started by the centre; the members submit their review
and score sheets, an outlier score must be justified and an abnormally low bid explained before
the result can be frozen, and the result ranks exactly as ``prex.evaluation.pipeline.evaluate``
does on the same inputs. Bidders and the public see no score and no expert."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from prex.bidding.orm import bids as bids_table
from prex.evaluation.inputs import Bid, Mark, ReviewSheet, ScoreSheet
from prex.evaluation.pipeline import evaluate
from prex.identity.orm import organisations
from tests.expert_accounts import experts_with_accounts
from tests.factories import auth, chain_of
from tests.opening_world import BIDDERS, MARKER, Opening
from tests.unit.experts.rows import row

LOW_PRICE = "7,900,000.00"  # well under 92 % of the average-based benchmark
PRICES = {"ecdsa-org": LOW_PRICE, "ecdsa-p384": BIDDERS["ecdsa-p384"][1], "sm2-org": "9,999,000.00"}
# Scores per bid leaf: (施工组织设计 0–30 step 1, 项目管理机构 0–10 step 0.5), the same for
# every member except the outlier's construction score of the sm2 bid.
SCORES = {"ecdsa-org": ("22", "8"), "ecdsa-p384": ("26", "9.5"), "sm2-org": ("25", "7")}
OUTLIER = "12"  # 13 points under the others' 25: beyond 20 % of 30


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["type"].startswith("/problems/") and body["detail"], body
    return body


def committee_with_accounts(opening: Opening) -> tuple[dict[str, str], list[str]]:
    """Seven province experts of specialty A08 (names unlike anything in a bid), each with a
    platform account of role expert linked to the registry entry. Returns expert id → user and
    the experts' names."""
    rows = [row(n, specialties="A0801", home_centre="330000") for n in range(21, 28)]
    accounts = experts_with_accounts(opening, rows, [f"judge{n}" for n in range(len(rows))])
    return accounts, [r["name"] for r in rows]


def test_from_opened_bids_to_ranked_candidates(opening: Opening) -> None:
    client, services = opening.client, opening.services
    operator = auth(services, "operator")
    accounts, names = committee_with_accounts(opening)
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
        user = BIDDERS[leaf][0]
        sealed = opening.seal(leaf, price)
        assert opening.submit(sealed, user, f"evaluation-{n}-0001").status_code == 201
    opening.to_deadline()
    assert client.post(f"{committee_url}/draw", headers=operator).status_code == 200
    members = client.get(committee_url, headers=operator).json()["members"]
    drawn = [m for m in members if m["role"] == "member"]
    standby = next(m for m in members if m["role"] == "standby")
    refused = client.post(
        f"/api/v1/committee-members/{drawn[0]['id']}/response",
        json={"response": "refused", "note": "出差"},
        headers=operator,
    )
    assert refused.json()["replaced_by"] == standby["id"]
    for m in drawn[1:]:
        answer = client.post(
            f"/api/v1/committee-members/{m['id']}/response",
            json={"response": "confirmed"},
            headers=operator,
        )
        assert answer.status_code == 200, answer.text
    sitting = {accounts[m["expert_id"]]: m["pseudonym"] for m in [*drawn[1:], standby]}
    outsider = accounts[drawn[0]["expert_id"]]  # refused: an expert, but not sitting
    judges = sorted(sitting)
    url = f"/api/v1/tenders/{opening.id}/evaluation"

    # Not before the opening record is published.
    problem(client.post(url, headers=operator), 409)
    for n in (1, 2, 3):
        assert opening.release(n).status_code == 200
    assert opening.host("open").status_code == 200
    record = opening.host("record")
    assert record.status_code == 201, record.text
    opening_sha256 = record.json()["sha256"]

    problem(client.post(url, headers=auth(services, judges[0])), 403)
    started = client.post(url, headers=operator)
    assert started.status_code == 201, started.text
    coefficient = started.json()["coefficient"]
    # Replayable by anyone from the published record: SHA-256(info ‖ tender ‖ 0 ‖ digest).
    digest = hashlib.sha256(
        b"prex-benchmark-coefficient\0"
        + opening.id.encode()
        + b"\0"
        + bytes.fromhex(opening_sha256)
    ).digest()
    listed = ["0.95", "0.96", "0.97", "0.98", "0.99"]
    assert coefficient == listed[int.from_bytes(digest, "big") % 5]
    problem(client.post(url, headers=operator), 409)  # once

    room = client.get(url, headers=operator).json()
    bid_of = {  # leaf → bid id, by the bidder's credit code
        leaf: next(b["bid_id"] for b in room["bids"] if b["bidder_uscc"] == opening.pki.uscc[leaf])
        for leaf in PRICES
    }
    leaf_of = {v: k for k, v in bid_of.items()}

    # The opened bids' documents: the sitting members read them, decrypted as they stream; an
    # expert who refused the seat does not.
    some_bid = next(iter(bid_of.values()))
    with services.read_session() as session:
        from prex.opening.orm import opened_bids

        docs = session.execute(
            select(opened_bids.c.documents).where(opened_bids.c.bid_id == some_bid)
        ).scalar_one()
    doc_url = f"/api/v1/bids/{some_bid}/documents/{docs[0]['name']}"
    read = client.get(doc_url, headers=auth(services, judges[0]))
    assert read.status_code == 200 and len(read.content) == docs[0]["size"]
    assert MARKER in read.content.decode()
    assert client.get(doc_url, headers=auth(services, outsider)).status_code == 403

    # Who may see the room before the result: sitting members and the centre, nobody else.
    assert client.get(url, headers=auth(services, "supervisor")).status_code == 200
    problem(client.get(url, headers=auth(services, outsider)), 403)
    problem(client.get(url, headers=auth(services, "bidder_ec")), 403)
    problem(client.get(url), 401)
    problem(client.get(f"{url}/result"), 404)

    # Review: everyone passes everything; one member fails a bid (a minority, with a reason).
    def marks(judge: str) -> list[dict[str, Any]]:
        out = []
        for bid_id in bid_of.values():
            for item in ("qualification", "compliance"):
                fails = (
                    judge == judges[1] and bid_id == bid_of["ecdsa-p384"] and item == "compliance"
                )
                out.append(
                    {
                        "bid_id": bid_id,
                        "item": item,
                        "passed": not fails,
                        "reason": "工期不满足招标文件要求" if fails else "",
                    }
                )
        return out

    no_reason = [dict(m, passed=False) if n == 0 else m for n, m in enumerate(marks(judges[0]))]
    assert (
        "reason"
        in problem(
            client.put(
                f"{url}/review", json={"marks": no_reason}, headers=auth(services, judges[0])
            ),
            422,
        )["detail"]
    )
    problem(
        client.put(
            f"{url}/review", json={"marks": marks(outsider)}, headers=auth(services, outsider)
        ),
        403,
    )
    problem(
        client.put(
            f"{url}/review",
            json={"marks": marks(judges[0])[:-1]},
            headers=auth(services, judges[0]),
        ),
        422,
    )

    def scores(judge: str) -> list[dict[str, Any]]:
        out = []
        for leaf, (construction, management) in SCORES.items():
            if judge == judges[2] and leaf == "sm2-org":
                construction = OUTLIER
            out.append({"bid_id": bid_of[leaf], "criterion": "construction", "score": construction})
            out.append({"bid_id": bid_of[leaf], "criterion": "management", "score": management})
        return out

    first = client.put(
        f"{url}/review", json={"marks": marks(judges[0])}, headers=auth(services, judges[0])
    )
    assert first.status_code == 200 and first.json()["cells"] == 6
    problem(
        client.put(
            f"{url}/scores", json={"scores": scores(judges[0])}, headers=auth(services, judges[0])
        ),
        409,
    )  # reviews first
    for judge in judges[1:]:
        answer = client.put(
            f"{url}/review", json={"marks": marks(judge)}, headers=auth(services, judge)
        )
        assert answer.status_code == 200, answer.text
    off_step = [
        dict(s, score="7.3") if s["criterion"] == "management" else s for s in scores(judges[0])
    ]
    assert (
        "management"
        in problem(
            client.put(
                f"{url}/scores", json={"scores": off_step}, headers=auth(services, judges[0])
            ),
            422,
        )["detail"]
    )
    for judge in judges:
        answer = client.put(
            f"{url}/scores", json={"scores": scores(judge)}, headers=auth(services, judge)
        )
        assert answer.status_code == 200, answer.text

    # The room: the outlier must justify, the low bid must be explained; no completion yet.
    room = client.get(url, headers=auth(services, judges[0])).json()
    section = room["sections"][0]
    assert section["errors"] == [] and room["waiting_for"] == {"review": [], "scores": []}
    assert [
        (d["member"], leaf_of[d["bid_id"]], d["criterion_id"]) for d in section["deviations"]
    ] == [(sitting[judges[2]], "sm2-org", "construction")]
    assert [leaf_of[low["bid_id"]] for low in section["abnormally_low"]] == ["ecdsa-org"]
    assert {s["member"] for s in room["sheets"]} == set(sitting.values())  # pseudonyms only
    assert all(name not in str(room) for name in names)
    blocked = problem(client.post(f"{url}/complete", headers=operator), 409)
    assert "must justify" in blocked["detail"] and "abnormally low" in blocked["detail"]

    justification = {
        "bid_id": bid_of["sm2-org"],
        "criterion": "construction",
        "reason": "施工组织设计缺少冬季施工措施",
    }
    problem(
        client.post(f"{url}/justifications", json=justification, headers=auth(services, judges[0])),
        404,
    )
    assert (
        client.post(
            f"{url}/justifications", json=justification, headers=auth(services, judges[2])
        ).status_code
        == 200
    )

    low_bid = bid_of["ecdsa-org"]
    problem(
        client.post(
            f"{url}/explanations/{bid_of['sm2-org']}/request", headers=auth(services, judges[0])
        ),
        404,
    )
    assert (
        client.post(
            f"{url}/explanations/{low_bid}/request", headers=auth(services, judges[0])
        ).status_code
        == 200
    )
    problem(
        client.post(
            f"{url}/explanations/{low_bid}/decision",
            json={"explanation": "自有设备", "accepted": False},
            headers=auth(services, judges[1]),
        ),
        422,
    )

    # Paused, nothing is taken; resumed, the explanation is accepted.
    assert (
        client.post(f"{url}/pause", json={"reason": "投诉待核实"}, headers=operator).status_code
        == 200
    )
    decision = {"explanation": "自有设备与材料储备，已提供成本测算", "accepted": True}
    problem(
        client.post(
            f"{url}/explanations/{low_bid}/decision",
            json=decision,
            headers=auth(services, judges[1]),
        ),
        409,
    )
    problem(client.post(f"{url}/pause", json={"reason": "再次"}, headers=operator), 409)
    assert client.post(f"{url}/resume", headers=operator).status_code == 200
    assert (
        client.post(
            f"{url}/explanations/{low_bid}/decision",
            json=decision,
            headers=auth(services, judges[1]),
        ).status_code
        == 200
    )

    completed = client.post(f"{url}/complete", headers=operator)
    assert completed.status_code == 200, completed.text
    problem(
        client.put(
            f"{url}/scores", json={"scores": scores(judges[0])}, headers=auth(services, judges[0])
        ),
        409,
    )

    # The same inputs through the pure arithmetic give the same ranking.
    with services.read_session() as session:
        usccs = dict(session.execute(select(organisations.c.id, organisations.c.uscc)).all())
        rows = session.execute(
            select(bids_table).where(bids_table.c.id.in_(list(bid_of.values())))
        ).all()
    inputs = [
        Bid(
            r.id,
            usccs[r.bidder_org_id],
            Decimal(PRICES[leaf_of[r.id]].replace(",", "")),
            r.received_at,
        )
        for r in rows
    ]
    method = services.rule_packs.get("engineering-open").evaluation
    assert method is not None
    expected = evaluate(
        method,
        inputs,
        review_sheets=[
            ReviewSheet(
                j, {(m["bid_id"], m["item"]): Mark(m["passed"], m["reason"]) for m in marks(j)}
            )
            for j in judges
        ],
        score_sheets=[
            ScoreSheet(j, {(s["bid_id"], s["criterion"]): Decimal(s["score"]) for s in scores(j)})
            for j in judges
        ],
        coefficient=Decimal(coefficient),
        explanations_accepted={low_bid},
        justifications={(judges[2], bid_of["sm2-org"], "construction"): justification["reason"]},
    )
    assert expected.complete
    ranking = completed.json()["sections"][0]["ranking"]
    assert [(c["bid_id"], c["total"], c["price"]) for c in ranking] == [
        (c.bid_id, str(c.total), str(c.price)) for c in expected.ranking
    ]
    assert completed.json()["sections"][0]["benchmark"] == str(expected.benchmark)

    # The result, for the centre until the tenderer publishes it (and then for everyone):
    # candidates, no expert, no score sheet.
    result = client.get(f"{url}/result", headers=operator)
    assert result.status_code == 200
    assert [c["bidder_uscc"] for c in result.json()["sections"][0]["candidates"]] == [
        c.bidder_uscc for c in expected.candidates
    ]
    for headers in ({}, auth(services, "bidder_ec")):
        problem(client.get(f"{url}/result", headers=headers), 404)  # not published yet
        text = result.text
        assert all(name not in text for name in names)
        assert all(p not in text for p in sitting.values()) and "construction" not in text
        problem(client.get(url, headers=headers), 401 if not headers else 403)
    assert chain_of(services).ok
