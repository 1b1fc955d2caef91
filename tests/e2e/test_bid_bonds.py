"""Bid bond records over HTTP: a bidder records how its bond was provided (cash from a payer
account, a bank or electronic guarantee, guarantee insurance); the tender's centre operators
see every record, a bidder only its own, nobody else; every change is in the audit chain; every
bad record has its own problem; the payer account is stored normalised for the collusion
screen."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bidding.bonds import BondKind, normalise_account_number
from prex.bidding.orm import bid_bonds
from prex.bootstrap import Services
from prex.identity import service as identity
from prex.sealing.client import BOND_KINDS
from prex.shared.clock import FixedClock
from prex.shared.errors import InvalidInput
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth, chain_of, published_tender

CASH = {
    "kind": "cash",
    "amount": "240000.00",
    "payer_account_name": "某某建设（集团）有限公司",
    "payer_account_number": "6222 0212-0300 1234 567",
    "payer_bank": "中国工商银行  杭州 分行",
}


def guarantee(kind: str = "e_guarantee", **over: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "amount": "240000.00",
        "guarantor": "中国银行杭州市分行",
        "guarantee_number": "BG-2026-000123",
        "valid_from": "2026-03-01",
        "valid_until": "2026-12-31",
        **over,
    }


class Bonds:
    def __init__(self, client: TestClient, services: Services, world: World) -> None:
        self.client, self.services, self.world = client, services, world
        self.tender = published_tender(client, world, auth(services, "agency"))
        parameters = client.get(f"/api/v1/tenders/{self.tender['id']}/bid-parameters").json()
        self.section = parameters["sections"][0]["id"]

    def put(self, body: dict[str, Any], user: str = "bidder", section: str | None = None) -> Any:
        return self.client.put(
            f"/api/v1/tenders/{self.tender['id']}/bonds/{section or self.section}",
            json=body,
            headers=auth(self.services, user),
        )

    def list(self, user: str) -> Any:
        return self.client.get(
            f"/api/v1/tenders/{self.tender['id']}/bonds", headers=auth(self.services, user)
        )


@pytest.fixture
def bonds(client: TestClient, services: Services, world: World) -> Bonds:
    return Bonds(client, services, world)


def test_the_bond_kinds_are_the_sealing_clients() -> None:
    assert [k.value for k in BondKind] == list(BOND_KINDS)


def test_account_numbers_are_folded_to_digits() -> None:
    assert normalise_account_number("6222 0212-0300 1234 567") == "6222021203001234567"
    assert (
        normalise_account_number("６２２２０２１２０３００１２３４５６７") == "6222021203001234567"
    )
    for bad in ("1234567", "6222-ABCD-0300", "", "1" * 33):
        with pytest.raises(InvalidInput):
            normalise_account_number(bad)


def test_a_bidder_records_changes_and_removes_its_bond_and_each_step_is_audited(
    bonds: Bonds,
) -> None:
    created = bonds.put(CASH)
    assert created.status_code == 201, created.text
    bond_id = created.json()["id"]
    mine = bonds.list("bidder").json()
    assert len(mine) == 1
    assert mine[0]["payer_account_number"] == "6222021203001234567"
    assert mine[0]["payer_account_name"] == "某某建设(集团)有限公司"  # NFKC brackets
    assert mine[0]["payer_bank"] == "中国工商银行 杭州 分行"
    assert mine[0]["amount"] == "240000.00" and mine[0]["kind"] == "cash"
    assert mine[0]["guarantor"] is None and mine[0]["valid_until"] is None

    same = bonds.put(CASH)  # unchanged: nothing new to audit
    assert same.status_code == 200 and same.json()["id"] == bond_id
    changed = bonds.put(guarantee())
    assert changed.status_code == 200 and changed.json()["id"] == bond_id
    now = bonds.list("bidder").json()[0]
    assert now["kind"] == "e_guarantee" and now["payer_account_number"] is None
    assert now["valid_until"] == "2026-12-31" and now["guarantee_number"] == "BG-2026-000123"

    removed = bonds.client.delete(
        f"/api/v1/tenders/{bonds.tender['id']}/bonds/{bonds.section}",
        headers=auth(bonds.services, "bidder"),
    )
    assert removed.status_code == 204
    assert bonds.list("bidder").json() == []
    again = bonds.client.delete(
        f"/api/v1/tenders/{bonds.tender['id']}/bonds/{bonds.section}",
        headers=auth(bonds.services, "bidder"),
    )
    assert again.status_code == 404 and again.json()["type"] == "/problems/bond-not-found"

    with bonds.services.read_session() as session:
        trail = session.execute(
            select(audit_log.c.action, audit_log.c.payload, audit_log.c.actor_id)
            .where(audit_log.c.object_type == "bond", audit_log.c.object_id == bond_id)
            .order_by(audit_log.c.seq)
        ).all()
    assert [t.action for t in trail] == ["BondRecorded", "BondChanged", "BondRemoved"]
    assert trail[0].payload["event"]["bond"]["payer_account_number"] == "6222021203001234567"
    assert trail[1].payload["event"]["previous"]["kind"] == "cash"
    assert trail[1].payload["event"]["bond"]["valid_until"] == "2026-12-31"
    assert trail[2].payload["event"]["previous"]["kind"] == "e_guarantee"
    assert {t.actor_id for t in trail} == {bonds.world.users["bidder"]}
    assert chain_of(bonds.services).ok


def test_the_centre_sees_every_bond_a_bidder_only_its_own_and_nobody_else_any(
    bonds: Bonds,
) -> None:
    assert bonds.put(CASH).status_code == 201
    assert bonds.put(guarantee("bank_guarantee"), user="bidder2").status_code == 201
    assert (
        bonds.put(guarantee("insurance", guarantor="某某财产保险公司"), user="bidder3").status_code
        == 201
    )

    everything = bonds.list("operator")
    assert everything.status_code == 200
    assert {b["bidder_org_id"] for b in everything.json()} == {
        bonds.world.orgs[b] for b in ("bidder", "bidder2", "bidder3")
    }
    for bidder in ("bidder", "bidder2", "bidder3"):
        own = bonds.list(bidder).json()
        assert [b["bidder_org_id"] for b in own] == [bonds.world.orgs[bidder]]
    for outsider in ("tenderer", "agency", "supervisor", "expert", "admin"):
        refused = bonds.list(outsider)
        assert refused.status_code == 403, (outsider, refused.text)

    # An operator of another centre (the city's) is refused too.
    identity.create_user(
        bonds.services.uow(ADMIN_ACTOR),
        username="operator_hz",
        password=PASSWORD,
        display_name="杭州 值班员",
        roles=["operator"],
        org_id=bonds.world.orgs["operator"],
        centre_id=bonds.world.city_centre_id,
    )
    assert bonds.list("operator_hz").status_code == 403
    # Nobody but a bidder records bonds, and a bidder only its own.
    assert bonds.put(CASH, user="operator").status_code == 403
    assert bonds.put(CASH, user="agency").status_code == 403


def test_every_bad_bond_record_has_its_own_problem_and_changes_nothing(
    bonds: Bonds, clock: FixedClock
) -> None:
    assert bonds.put(CASH).status_code == 201
    before = bonds.list("bidder").json()
    cases: list[tuple[dict[str, Any], str | None, int, str]] = [
        ({**CASH, "payer_bank": None}, None, 422, "bond-invalid"),
        ({**CASH, "guarantor": "某银行"}, None, 422, "bond-invalid"),
        (guarantee(valid_until=None), None, 422, "bond-invalid"),
        (guarantee(valid_from="2027-01-01"), None, 422, "bond-invalid"),
        ({**CASH, "amount": "0"}, None, 422, "bond-invalid"),
        ({**CASH, "payer_account_number": "账号见附件"}, None, 422, "bank-account-invalid"),
        ({**CASH, "amount": 1.5}, None, 422, "invalid-input"),
        ({**CASH, "kind": "cheque"}, None, 422, "invalid-input"),
        ({**CASH, "colour": "red"}, None, 422, "invalid-input"),
        (CASH, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 404, "section-not-found"),
        ({**CASH, "amount": "250000.01"}, None, 422, "rule-violation"),  # 2 % of 12.5 M
        (guarantee(valid_until="2026-03-31"), None, 422, "rule-violation"),  # deadline 04-01
    ]
    slugs = set()
    for body, section, status, slug in cases:
        response = bonds.put(body, section=section)
        assert response.status_code == status, (body, response.text)
        problem = response.json()
        assert problem["type"] == f"/problems/{slug}", (body, problem)
        slugs.add(problem.get("rule", slug))
    assert slugs == {
        "bond-invalid",
        "bank-account-invalid",
        "invalid-input",
        "section-not-found",
        "bond.amount",
        "bond.validity",
    }
    assert bonds.list("bidder").json() == before

    clock.set(datetime.fromisoformat(bonds.tender["bid_deadline"]) + timedelta(seconds=1))
    late = bonds.put(guarantee())
    assert late.status_code == 422 and late.json()["rule"] == "bid.deadline"
    assert bonds.list("bidder").json() == before  # still readable, no longer changeable


def test_one_payer_account_behind_two_bidders_is_found_by_its_normalised_number(
    bonds: Bonds,
) -> None:
    """What the collusion screen (issue 8) will ask: the same account, however it was typed."""
    assert bonds.put(CASH).status_code == 201
    typed_otherwise = {**CASH, "payer_account_number": "622202120300 1234567"}
    assert bonds.put(typed_otherwise, user="bidder2").status_code == 201
    with bonds.services.read_session() as session:
        shared = session.execute(
            select(bid_bonds.c.bidder_org_id).where(
                bid_bonds.c.payer_account_number == "6222021203001234567"
            )
        ).scalars()
        assert set(shared) == {bonds.world.orgs["bidder"], bonds.world.orgs["bidder2"]}
