"""An interruption of the evaluation longer than the rule pack allows (评标中断, 120 minutes in
the engineering pack) dissolves the committee and draws a new one, over the API: a resume
within the limit works; beyond it the worker's sweep (or the centre's late resume, refused)
dissolves the room, the old members' seats end, a second round is drawn without them from a
seed derived from the one committed before the deadline, the old sheets count for nobody, and
the new committee evaluates from the start. After the result, `prex experts replay-draw`
reproduces both rounds byte for byte."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from prex.audit.orm import audit_log
from prex.bootstrap import Services, bootstrap
from prex.cli.main import app
from prex.evaluation.interruption import dissolve_interrupted
from prex.evaluation.orm import evaluation_marks
from prex.experts import draw as drawing
from prex.tenders.model import TenderStatus
from prex.tenders.service import advance_tender
from prex.worker import run_once
from tests.expert_accounts import experts_with_accounts
from tests.factories import ADMIN_ACTOR, auth, chain_of
from tests.opening_world import BIDDERS, Opening
from tests.unit.experts.rows import row

runner = CliRunner()
LIMIT = timedelta(minutes=120)  # engineering-open: [experts] interruption_minutes = 120
# Prices well within the benchmark's band: no abnormally low bid, nothing to explain.
PRICES = {leaf: BIDDERS[leaf][1] for leaf in ("ecdsa-org", "ecdsa-p384", "sm2-org")}
SCORES = {"construction": "24", "management": "8"}


def assessors(opening: Opening, numbers: range = range(31, 45)) -> dict[str, str]:
    """Province experts of specialty A08 with linked expert accounts — by default fourteen,
    enough for two committees of five members and a standby. Returns expert id → username."""
    rows = [row(n, specialties="A0801", home_centre="330000") for n in numbers]
    return experts_with_accounts(opening, rows, [f"assessor{n}" for n in numbers])


class Room:
    """A tender whose evaluation has started with a drawn, confirmed committee."""

    def __init__(self, opening: Opening, experts: range = range(31, 45)) -> None:
        self.opening, self.client, self.services = opening, opening.client, opening.services
        self.operator = auth(self.services, "operator")
        self.accounts = assessors(opening, experts)
        spec = {
            "venues": [
                {
                    "centre_id": opening.world.centre_id,
                    "quotas": [{"specialty": "A08", "members": 5, "standby": 1}],
                }
            ]
        }
        self.committee_url = f"/api/v1/tenders/{opening.id}/committee"
        self.url = f"/api/v1/tenders/{opening.id}/evaluation"
        defined = self.client.put(self.committee_url, json=spec, headers=self.operator)
        assert defined.status_code == 200, defined.text
        self.commitment = defined.json()["seed_sha256"]
        for n, (leaf, price) in enumerate(PRICES.items()):
            sealed = opening.seal(leaf, price)
            assert (
                opening.submit(sealed, BIDDERS[leaf][0], f"interrupt-{n}-0001").status_code == 201
            )
        opening.to_deadline()
        drawn = self.client.post(f"{self.committee_url}/draw", headers=self.operator)
        assert drawn.status_code == 200, drawn.text
        self.first = self.confirm_all()
        for n in (1, 2, 3):
            assert opening.release(n).status_code == 200
        assert opening.host("open").status_code == 200
        assert opening.host("record").status_code == 201
        started = self.client.post(self.url, headers=self.operator)
        assert started.status_code == 201, started.text
        self.bid_ids = [b["bid_id"] for b in self.view()["bids"]]

    def committee(self) -> dict[str, Any]:
        seen = self.client.get(self.committee_url, headers=self.operator)
        assert seen.status_code == 200, seen.text
        return dict(seen.json())

    def confirm_all(self) -> list[dict[str, Any]]:
        """The current round's members confirm; returns them."""
        view = self.committee()
        drawn = [
            m for m in view["members"] if m["round"] == view["round"] and m["role"] == "member"
        ]
        for m in drawn:
            answer = self.client.post(
                f"/api/v1/committee-members/{m['id']}/response",
                json={"response": "confirmed"},
                headers=self.operator,
            )
            assert answer.status_code == 200, answer.text
        return drawn

    def view(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        seen = self.client.get(self.url, headers=headers or self.operator)
        assert seen.status_code == 200, seen.text
        return dict(seen.json())

    def judge(self, member: dict[str, Any]) -> dict[str, str]:
        return auth(self.services, self.accounts[member["expert_id"]])

    def review(self, member: dict[str, Any]) -> Any:
        marks = [
            {"bid_id": b, "item": item, "passed": True, "reason": ""}
            for b in self.bid_ids
            for item in ("qualification", "compliance")
        ]
        return self.client.put(
            f"{self.url}/review", json={"marks": marks}, headers=self.judge(member)
        )

    def score(self, member: dict[str, Any]) -> Any:
        scores = [
            {"bid_id": b, "criterion": c, "score": s}
            for b in self.bid_ids
            for c, s in SCORES.items()
        ]
        return self.client.put(
            f"{self.url}/scores", json={"scores": scores}, headers=self.judge(member)
        )

    def pause(self, reason: str) -> None:
        paused = self.client.post(
            f"{self.url}/pause", json={"reason": reason}, headers=self.operator
        )
        assert paused.status_code == 200, paused.text

    def later(self, delta: timedelta) -> None:
        self.opening.clock.set(self.opening.clock.now() + delta)


def trail(services: Any, tender_id: str) -> list[Any]:
    with services.read_session() as session:
        return list(
            session.execute(
                select(audit_log.c.action, audit_log.c.payload)
                .where(audit_log.c.object_type == "tender", audit_log.c.object_id == tender_id)
                .order_by(audit_log.c.seq)
            )
        )


def test_a_room_paused_beyond_the_limit_is_dissolved_by_the_worker_and_evaluated_anew(
    opening: Opening, tmp_path: Path
) -> None:
    room = Room(opening)
    client, services = room.client, room.services
    for member in room.first[:3]:
        assert room.review(member).status_code == 200

    # Within the limit the centre resumes; the sweep leaves a room paused for less alone.
    room.pause("专家身体不适")
    room.later(LIMIT)
    assert dissolve_interrupted(services) == 0
    assert client.post(f"{room.url}/resume", headers=room.operator).status_code == 200

    room.pause("网络中断")
    paused_at = opening.clock.now()
    room.later(LIMIT + timedelta(minutes=1))
    assert run_once(services).dissolved == 1
    assert run_once(services).dissolved == 0 and dissolve_interrupted(services) == 0  # once

    # The room shows the dissolution and the new committee; the old members are out.
    view = room.view()
    assert view["status"] == "dissolved" and view["members"] == [] and view["sheets"] == []
    assert view["committee"]["round"] == 2 and view["committee"]["status"] == "drawn"
    assert [d["round"] for d in view["committee"]["dissolved"]] == [1]
    assert "interruption_minutes = 120" in view["committee"]["dissolved"][0]["reason"]
    assert len(view["committee"]["members"]) == 6
    assert all(m["status"] == "drawn" for m in view["committee"]["members"])
    committee = room.committee()
    assert committee["round"] == 2 and [r["round"] for r in committee["rounds"]] == [1]
    old = [m for m in committee["members"] if m["round"] == 1]
    new = [m for m in committee["members"] if m["round"] == 2]
    assert {m["status"] for m in old if m["role"] == "member"} == {"dissolved"}
    assert {m["expert_id"] for m in old}.isdisjoint(m["expert_id"] for m in new)
    assert client.get(room.url, headers=room.judge(room.first[0])).status_code == 403
    assert client.post(f"{room.url}/resume", headers=room.operator).status_code == 409
    late = client.post(
        f"/api/v1/committee-members/{old[0]['id']}/response",
        json={"response": "confirmed"},
        headers=room.operator,
    )
    assert late.status_code == 409 and "dissolved" in late.json()["detail"]

    # The new committee starts a new evaluation; the old sheets stay, under the old ids only.
    assert client.post(room.url, headers=room.operator).status_code == 409  # nobody confirmed
    second = room.confirm_all()
    restarted = client.post(room.url, headers=room.operator)
    assert restarted.status_code == 201, restarted.text
    view = room.view()
    assert view["status"] == "open" and view["sheets"] == []
    assert sorted(view["waiting_for"]["review"]) == sorted(m["pseudonym"] for m in second)
    with services.read_session() as session:
        kept = set(
            session.execute(
                select(evaluation_marks.c.member_id).where(
                    evaluation_marks.c.tender_id == opening.id
                )
            ).scalars()
        )
    assert kept == {m["id"] for m in room.first[:3]}
    assert room.review(room.first[3]).status_code == 403  # a dissolved member enters nothing
    for member in second:
        assert room.review(member).status_code == 200
    for member in second:  # scores once every review is in
        assert room.score(member).status_code == 200
    completed = client.post(f"{room.url}/complete", headers=room.operator)
    assert completed.status_code == 200, completed.text

    actions = [t.action for t in trail(services, opening.id)]
    for action in ("EvaluationDissolved", "CommitteeDissolved", "CommitteeRedrawn"):
        assert actions.count(action) == 1, action
    assert actions.index("CommitteeRedrawn") < actions.index("EvaluationRestarted")
    dissolved = next(t for t in trail(services, opening.id) if t.action == "CommitteeDissolved")
    assert dissolved.payload["event"]["paused_minutes"] == 121
    assert sorted(dissolved.payload["event"]["members"]) == sorted(m["id"] for m in room.first)

    # With the result the seeds are revealed: both rounds replay, the second's seed and public
    # input derived from what was fixed before it.
    advance_tender(services.uow(ADMIN_ACTOR), opening.id, TenderStatus.PUBLICITY, "公示候选人")
    revealed = client.post(f"{room.committee_url}/reveal", headers=room.operator)
    assert revealed.status_code == 200, revealed.text
    published = client.get(room.committee_url).json()
    first_record = published["rounds"][0]["record"]
    record = published["record"]
    root = bytes.fromhex(first_record["seed"])
    assert drawing.commitment(root) == room.commitment == first_record["seed_sha256"]
    assert record["round"] == 2 and record["root_seed"] == root.hex()
    label = b"prex-redraw\0" + struct.pack(">Q", 2)
    assert record["seed"] == hmac.new(root, label, hashlib.sha256).hexdigest()
    expired = (paused_at + LIMIT).isoformat()
    assert record["public_input"] == f"{published['rounds'][0]['record_sha256']}|{expired}"
    reasons = {e["expert_id"]: e["reason"] for e in record["excluded"]}
    assert all(reasons[m["expert_id"]] == "drawn-before" for m in old)
    unrevealed = {k: v for k, v in record.items() if k not in ("seed", "root_seed")}
    assert hashlib.sha256(drawing.canonical(unrevealed)).hexdigest() == published["record_sha256"]
    for n, body in enumerate((first_record, record)):
        path = tmp_path / f"round{n + 1}.json"
        path.write_text(json.dumps(body, ensure_ascii=False))
        replayed = runner.invoke(app, ["experts", "replay-draw", str(path)])
        assert replayed.exit_code == 0, replayed.output
        assert ("derived from the committed seed" in replayed.output) == (n == 1)
    forged = dict(record, seed=hashlib.sha256(b"another").hexdigest())
    forged["seed_sha256"] = drawing.commitment(bytes.fromhex(forged["seed"]))
    path = tmp_path / "forged.json"
    path.write_text(json.dumps(forged, ensure_ascii=False))
    refused = runner.invoke(app, ["experts", "replay-draw", str(path)])
    assert refused.exit_code == 1 and "root seed" in refused.output
    assert chain_of(services).ok


def test_a_resume_after_the_limit_is_refused_naming_the_rule_and_the_room_is_dissolved(
    opening: Opening,
) -> None:
    room = Room(opening)
    client = room.client
    room.pause("停电")
    room.later(LIMIT + timedelta(seconds=1))
    refused = client.post(f"{room.url}/resume", headers=room.operator)
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "[experts] interruption_minutes = 120" in detail and "round 2" in detail
    view = room.view()
    assert view["status"] == "dissolved" and view["committee"]["round"] == 2
    assert client.post(f"{room.url}/resume", headers=room.operator).status_code == 409
    assert run_once(room.services).dissolved == 0  # nothing left for the worker
    assert chain_of(room.services).ok


def test_two_workers_at_once_dissolve_the_room_once_and_draw_one_new_committee(
    opening: Opening,
) -> None:
    room = Room(opening)
    room.pause("系统故障")
    room.later(LIMIT + timedelta(minutes=5))
    services = room.services
    second = bootstrap(services.settings, clock=services.clock)
    barrier = threading.Barrier(2)
    dissolved: list[int] = []

    def work(svc: Services) -> None:
        barrier.wait()
        dissolved.append(dissolve_interrupted(svc))

    threads = [threading.Thread(target=work, args=(s,)) for s in (services, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    second.close()
    assert sorted(dissolved) == [0, 1]
    actions = [t.action for t in trail(services, opening.id)]
    assert actions.count("CommitteeDissolved") == actions.count("CommitteeRedrawn") == 1
    committee = room.committee()
    assert committee["round"] == 2 and len(committee["rounds"]) == 1
    assert len([m for m in committee["members"] if m["round"] == 2]) == 6
    assert chain_of(services).ok


def test_a_redraw_short_of_experts_leaves_the_committee_dissolved_until_the_pool_is_extended(
    opening: Opening,
) -> None:
    room = Room(opening, experts=range(31, 39))  # eight: six drawn, two left for six seats
    client = room.client
    room.pause("评标室断电")
    room.later(LIMIT + timedelta(minutes=1))
    assert run_once(room.services).dissolved == 1
    committee = room.committee()
    assert committee["status"] == "dissolved" and committee["round"] == 2
    assert [m for m in committee["members"] if m["round"] == 2] == []
    assert room.view()["status"] == "dissolved"
    failed = [t for t in trail(room.services, opening.id) if t.action == "CommitteeRedrawFailed"]
    assert len(failed) == 1 and "too few eligible experts" in failed[0].payload["event"]["reason"]
    refused = client.post(room.url, headers=room.operator)
    assert refused.status_code == 409 and "no new one is drawn" in refused.json()["detail"]

    assessors(opening, range(39, 45))  # the centre extends the pool
    drawn = client.post(f"{room.committee_url}/draw", headers=room.operator)
    assert drawn.status_code == 200, drawn.text
    assert drawn.json()["round"] == 2 and drawn.json()["excluded"]["drawn-before"] == 6
    committee = room.committee()
    assert committee["status"] == "drawn" and committee["round"] == 2
    assert len([m for m in committee["members"] if m["round"] == 2]) == 6
    room.confirm_all()
    assert client.post(room.url, headers=room.operator).status_code == 201
    assert chain_of(room.services).ok
