"""Experts' credit from their behaviour: the deduction table's points for a no-show (read by the
worker from the committee's answers) and for a deviation the supervisor found unjustified; at
the threshold a credit blacklist; and an expert under a credit blacklist is never drawn."""

from __future__ import annotations

from sqlalchemy import select

from prex.credit.deductions import bundled_table
from prex.credit.orm import credit_records
from prex.experts.csv_import import import_experts
from prex.experts.orm import experts
from prex.worker import run_once
from tests.credit_world import TODAY
from tests.factories import ADMIN_ACTOR, auth
from tests.opening_world import BIDDERS, Opening
from tests.unit.experts.rows import csv_bytes, row


def seed(opening: Opening) -> list[str]:
    """Eight experts of the province, all A08: ids in name order."""
    rows = [row(n, specialties="A0801", home_centre="330000") for n in range(1, 9)]
    report = import_experts(
        opening.world.uow(ADMIN_ACTOR), csv_bytes(rows), secret=opening.services.settings.secret_key
    )
    assert report.count("created") == 8, report.rejected
    with opening.services.read_session() as session:
        ids = dict(session.execute(select(experts.c.name, experts.c.id)).all())
    return [ids[r["name"]] for r in rows]


def records_of(opening: Opening, expert_id: str) -> list[dict[str, object]]:
    listed = opening.client.get(
        "/api/v1/credit/centre/records",
        params={"subject_id": expert_id},
        headers=auth(opening.services, "supervisor"),
    )
    assert listed.status_code == 200, listed.text
    return list(listed.json()["items"])


def test_a_credit_blacklisted_expert_is_never_drawn_and_a_no_show_costs_points(
    opening: Opening,
) -> None:
    client, services = opening.client, opening.services
    sup = auth(services, "supervisor")
    ids = seed(opening)
    table = bundled_table()
    assert table.for_behaviour("deviation").points * 4 >= table.blacklist_threshold

    # One expert blacklisted by hand; another by points: four unjustified deviations (4 × 3 = 12).
    by_hand = client.post(
        "/api/v1/credit/records",
        json={
            "kind": "blacklist",
            "subject_kind": "expert",
            "subject": ids[0],
            "basis": "《评标专家和评标专家库管理办法》第十五条",
            "facts": "私下接触投标人",
            "valid_from": TODAY,
            "valid_until": "2026-12-31",
            "publish": False,
        },
        headers=sup,
    )
    assert by_hand.status_code == 201, by_hand.text
    for n in range(4):
        made = client.post(
            f"/api/v1/credit/experts/{ids[1]}/behaviour",
            json={
                "behaviour": "deviation",
                "source_id": f"TENDER-X:member:bid-{n}:price",
                "facts": "评分偏离均值40%，说明为“印象较好”，不成立",
            },
            headers=sup,
        )
        assert made.status_code == 201, made.text
    kinds = [(r["kind"], r["points"]) for r in records_of(opening, ids[1])]
    assert sorted(kinds) == [("blacklist", 0)] + [("violation", 3)] * 4
    again = client.post(
        f"/api/v1/credit/experts/{ids[1]}/behaviour",
        json={"behaviour": "deviation", "source_id": "TENDER-X:member:bid-0:price", "facts": "x"},
        headers=sup,
    )
    assert again.status_code == 201 and again.json() == []  # the same occurrence: once
    # The same from the supervisors' page (3 points: ids[2] stays drawable).
    client.cookies.set("prex_session", "")
    form = {"expert_id": ids[2], "behaviour": "deviation", "facts": "偏离无合理说明"}
    unnamed = client.post("/supervision/credit/experts", data=form, headers=sup)
    assert unnamed.status_code == 422 and 'id="problem"' in unnamed.text
    posted = client.post(
        "/supervision/credit/experts",
        data={**form, "source_id": "TENDER-Y:member:bid-1:tech"},
        headers=sup,
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    assert [(r["kind"], r["points"]) for r in records_of(opening, ids[2])] == [("violation", 3)]
    operator_form = client.post(
        "/supervision/credit/experts", data=form, headers=auth(services, "operator")
    )
    assert operator_form.status_code == 403

    # Eight experts, two blacklisted: the committee (5 members + 1 standby) takes the other six.
    spec = {
        "venues": [
            {
                "centre_id": opening.world.centre_id,
                "quotas": [{"specialty": "A08", "members": 5, "standby": 1}],
            }
        ]
    }
    url = f"/api/v1/tenders/{opening.id}/committee"
    operator = auth(services, "operator")
    assert client.put(url, json=spec, headers=operator).status_code == 200
    for n, leaf in enumerate(("ecdsa-org", "ecdsa-p384", "sm2-org")):
        user, price = BIDDERS[leaf]
        assert (
            opening.submit(opening.seal(leaf, price), user, f"credit-{n}-0001").status_code == 201
        )
    opening.to_deadline()
    drawn = client.post(f"{url}/draw", headers=operator)
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["excluded"] == {"blacklisted": 2}
    threshold = next(r for r in records_of(opening, ids[1]) if r["kind"] == "blacklist")
    assert drawn.json()["credit_records"] == {
        ids[0]: by_hand.json()["id"],
        ids[1]: threshold["id"],
    }
    members = client.get(url, headers=operator).json()["members"]
    assert {m["expert_id"] for m in members} == set(ids[2:])

    # A member does not come: the worker records the table's deduction for that expert.
    absent = next(m for m in members if m["role"] == "member" and m["expert_id"] != ids[2])
    answer = client.post(
        f"/api/v1/committee-members/{absent['id']}/response",
        json={"response": "absent"},
        headers=operator,
    )
    assert answer.status_code == 200, answer.text
    # Passes read the outbox a batch at a time: however many it takes, one record, once.
    assert sum(run_once(services).credit for _ in range(5)) == 1
    deducted = records_of(opening, absent["expert_id"])
    assert [(r["kind"], r["points"], r["source"]) for r in deducted] == [
        ("violation", table.for_behaviour("absent").points, "behaviour")
    ]
    assert deducted[0]["source_id"] == f"E01:{absent['id']}"
    # Experts' credit is never public, not even by mistake.
    publish = client.post(f"/api/v1/credit/records/{deducted[0]['id']}/publish", headers=sup)
    assert publish.status_code == 422
    assert absent["expert_id"] not in client.get("/api/v1/credit/records").text
    with services.read_session() as session:
        stored = session.execute(
            select(credit_records.c.subject_id).where(credit_records.c.status == "published")
        ).all()
    assert stored == []
    assert ids[0] not in client.get("/credit").text
