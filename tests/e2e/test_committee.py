"""A committee drawn for an opened tender, over a main venue (the province) and a sub venue (the
city): the seed committed before the deadline, the avoidance hits in the record, pseudonyms for
bidders and the public, a refusal replaced by the standby expert, and after the result the seed
revealed so that `prex experts replay-draw` reproduces the draw byte for byte."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from prex.cli.main import app
from prex.experts import draw as drawing
from prex.experts.csv_import import import_experts
from prex.identity.orm import organisations
from prex.tenders.model import TenderStatus
from prex.tenders.service import advance_tender
from tests.e2e.test_experts_confidential import call_route
from tests.e2e.test_route_policy import app_routes
from tests.factories import ADMIN_ACTOR, auth, chain_of
from tests.opening_world import BIDDERS, Opening
from tests.unit.experts.rows import csv_bytes, row

runner = CliRunner()
SPEC = {
    "venues": [
        {"centre_id": "", "quotas": [{"specialty": "A08", "members": 3, "standby": 1}]},
        {"centre_id": "", "quotas": [{"specialty": "A08", "members": 2, "standby": 1}]},
    ]
}


def seed_experts(opening: Opening) -> dict[str, str]:
    """Twelve experts in the province and six in the city, all of specialty A08; one works for
    a bidder, one for the tenderer, one is blacklisted. Returns name → expert id."""
    with opening.services.read_session() as session:
        usccs = dict(session.execute(select(organisations.c.id, organisations.c.uscc)).all())
    bidder = opening.pki.uscc["ecdsa-org"]
    tenderer = usccs[opening.world.orgs["tenderer"]]
    rows = [row(n, specialties="A0801", home_centre="330000") for n in range(1, 13)]
    rows += [row(n, specialties="A0802", home_centre="330100") for n in range(13, 19)]
    rows[0]["employer_uscc"] = bidder
    rows[1]["employer_uscc"] = tenderer
    report = import_experts(
        opening.world.uow(ADMIN_ACTOR), csv_bytes(rows), secret=opening.services.settings.secret_key
    )
    assert report.count("created") == len(rows), report.rejected
    from prex.experts.orm import experts

    with opening.services.read_session() as session:
        ids = dict(session.execute(select(experts.c.name, experts.c.id)).all())
    from prex.experts.avoidance import blacklist_expert

    blacklist_expert(
        opening.world.uow(ADMIN_ACTOR),
        ids[rows[2]["name"]],
        reason="评标中违规",
        source="浙公管〔2026〕1号",
    )
    return ids


def test_a_committee_from_commitment_to_replay(opening: Opening, tmp_path: Path) -> None:
    client, services = opening.client, opening.services
    operator = auth(services, "operator")
    ids = seed_experts(opening)
    spec = json.loads(json.dumps(SPEC))
    spec["venues"][0]["centre_id"] = opening.world.centre_id
    spec["venues"][1]["centre_id"] = opening.world.city_centre_id
    url = f"/api/v1/tenders/{opening.id}/committee"
    assert client.put(url, json=spec, headers=auth(services, "bidder_ec")).status_code == 403
    even = json.loads(json.dumps(spec))
    even["venues"][1]["quotas"][0]["members"] = 1  # 4 members: not an odd number ≥ 5
    assert client.put(url, json=even, headers=operator).status_code == 422
    defined = client.put(url, json=spec, headers=operator)
    assert defined.status_code == 200, defined.text
    commitment = defined.json()["seed_sha256"]
    assert client.get(url).json()["seed_sha256"] == commitment  # published before the draw

    # (not rsa-org: in the test world its credit code is the tenderer's own)
    for n, leaf in enumerate(("ecdsa-org", "ecdsa-p384", "sm2-org")):
        user, price = BIDDERS[leaf]
        assert (
            opening.submit(opening.seal(leaf, price), user, f"committee-{n}-001").status_code == 201
        )
    opening.to_deadline()
    assert client.put(url, json=spec, headers=operator).status_code == 409  # seed is fixed now
    drawn = client.post(f"{url}/draw", headers=operator)
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["excluded"] == {
        "bidder-employee": 1,
        "tenderer-employee": 1,
        "blacklisted": 1,
    }

    # Operators see who; a bidder and the public see pseudonyms only.
    seen = client.get(url, headers=operator).json()
    members = seen["members"]
    assert len(members) == 7 and all("name" in m for m in members)
    names = {m["name"] for m in members}
    for headers in (auth(services, "bidder_ec"), {}):
        view = client.get(url, headers=headers)
        text = view.text
        assert view.status_code == 200 and all(name not in text for name in names)
        assert all(m["pseudonym"].startswith("专家") for m in view.json()["members"])
        assert view.json()["record"] is None
    excluded = {ids[row(n)["name"]] for n in (1, 2, 3)}
    assert excluded.isdisjoint(m["expert_id"] for m in members)
    sweep_for_names(opening, names, members[0]["id"], members[0]["expert_id"])

    # A member refuses: the standby expert of the same venue and specialty takes the seat.
    member = next(m for m in members if m["role"] == "member")
    standby = next(m for m in members if m["role"] == "standby" and m["venue"] == member["venue"])
    answer = client.post(
        f"/api/v1/committee-members/{member['id']}/response",
        json={"response": "refused", "note": "出差"},
        headers=operator,
    )
    assert answer.status_code == 200 and answer.json()["replaced_by"] == standby["id"]
    again = client.post(
        f"/api/v1/committee-members/{member['id']}/response",
        json={"response": "confirmed"},
        headers=operator,
    )
    assert again.status_code == 409

    # The seed is revealed with the result, not before; then anyone can replay the draw.
    assert client.post(f"{url}/reveal", headers=operator).status_code == 409
    for status in (TenderStatus.EVALUATION, TenderStatus.PUBLICITY):
        advance_tender(services.uow(ADMIN_ACTOR), opening.id, status, "评标结束，公示候选人")
    revealed = client.post(f"{url}/reveal", headers=operator)
    assert revealed.status_code == 200, revealed.text
    record: dict[str, Any] = client.get(url).json()["record"]
    assert record == revealed.json() and record["seed_sha256"] == commitment
    assert drawing.commitment(bytes.fromhex(record["seed"])) == commitment
    assert (
        record["public_input"]
        == client.get(f"/api/v1/tenders/{opening.id}/bid-commitment").json()["sha256"]
    )
    reasons = {e["expert_id"]: e["reason"] for e in record["excluded"]}
    assert sorted(reasons.values()) == ["bidder-employee", "blacklisted", "tenderer-employee"]

    published = tmp_path / "draw.json"
    published.write_text(json.dumps(record, ensure_ascii=False))
    replayed = runner.invoke(app, ["experts", "replay-draw", str(published)])
    assert replayed.exit_code == 0, replayed.output
    record["draws"][0], record["draws"][1] = record["draws"][1], record["draws"][0]
    published.write_text(json.dumps(record, ensure_ascii=False))
    tampered = runner.invoke(app, ["experts", "replay-draw", str(published)])
    assert tampered.exit_code == 1 and "differ" in tampered.output
    assert chain_of(services).ok


def sweep_for_names(opening: Opening, names: set[str], member_id: str, expert_id: str) -> None:
    """Every route of the application, called by a bidder and by the public while the committee
    is drawn and the result not published: no drawn expert's name in any answer."""
    ids = {
        "tender_id": opening.id,
        "member_id": member_id,
        "expert_id": expert_id,
        "centre_id": opening.world.centre_id,
        "object_type": "tender",
        "object_id": opening.id,
    }
    leaks, checked = [], 0
    for who in ("bidder_ec", None):
        for route in app_routes(opening.services):
            url = re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), opening.id), route.path)
            for method in sorted(route.methods - {"HEAD"}):
                if route.path == "/api/v1/session" and method == "DELETE":
                    continue
                headers = auth(opening.services, who) if who else {}
                response = call_route(opening.client, method, url, headers)
                checked += 1
                if found := [n for n in names if n in response.text]:
                    leaks.append(f"{who} {method} {url} → {response.status_code}: {found}")
    assert checked > 100 and leaks == []
