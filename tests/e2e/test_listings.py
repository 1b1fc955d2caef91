"""Listings and auctions' set-up over HTTP (issue 6, points 1 and 2): periods checked against the
rule pack with working days over a holiday, the reserve sealed and never seen in clear, signed
registrations, eligibility review, and deposits confirmed by hand or from a bank statement (by
the API and by ``prex auctions import-deposits``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from prex.auctions.deposits import DepositConfirmations, confirm_from, deposit_ok
from prex.auctions.orm import listing_registrations, listings
from prex.auctions.reserve import unseal_reserve
from prex.auctions.statement import Payment
from prex.audit.chain import canonical_json
from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.cli.main import app
from prex.identity.policy import Actor, Role
from prex.shared.clock import FixedClock
from prex.web.deps import MAX_OFFSET
from tests.auction_world import ENDS_AT, OPENS_AT, RESERVE, AuctionWorld
from tests.e2e.test_opening import everything_stored
from tests.factories import World, auth
from tests.pki_openssl import PkiWorld

API = "/api/v1"
runner = CliRunner()


@pytest.fixture
def auction(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> AuctionWorld:
    return AuctionWorld(client, services, world, pki_world, tmp_path, clock)


def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert response.headers["content-type"].startswith("application/problem+json")
    assert body["type"] == f"/problems/{slug}", body
    return body


def rows(services: Services, table: Any) -> list[Any]:
    with services.read_session() as session:
        return list(session.execute(select(table)).all())


def actions(services: Services) -> list[str]:
    with services.read_session() as session:
        return list(session.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


def test_an_offset_past_the_databases_integers_is_invalid_input_not_a_server_error(
    client: TestClient, services: Services, world: World
) -> None:
    """Found by the fuzz profile: an offset of 2**64 overflowed the driver's integer (500)."""
    headers = auth(services, "operator")
    for offset in (2**64, MAX_OFFSET + 1):
        response = client.get(f"{API}/listings", params={"offset": offset}, headers=headers)
        problem(response, 422, "invalid-input")
    response = client.get(f"{API}/listings", params={"offset": MAX_OFFSET}, headers=headers)
    assert response.status_code == 200 and response.json() == [], response.text


# -- set-up -------------------------------------------------------------------------------------


def test_a_draft_gets_its_kind_method_and_countdown_from_the_rule_pack_and_a_public_code(
    auction: AuctionWorld,
) -> None:
    listing = auction.create()
    assert listing["status"] == "draft"
    assert (listing["kind"], listing["method"], listing["countdown_seconds"]) == (
        "land_use",
        "listing",
        300,
    )
    assert listing["code"] == "GT-330000-2026-0001"
    assert auction.create(title="第二宗地")["code"] == "GT-330000-2026-0002"
    assert listing["has_reserve"] is True and len(listing["reserve_commitment"]) == 64
    assert listing["reserve"] is None


def test_an_announcement_shorter_than_20_days_is_refused_quoting_the_rule_and_changes_nothing(
    auction: AuctionWorld,
) -> None:
    early = OPENS_AT.replace(day=21)  # 19 days after T0
    auction.create(opens_at=early.isoformat())
    operator = auction.as_("operator")
    before = actions(auction.services)
    body = problem(
        auction.client.post(f"{auction.url}/announce", headers=operator),
        422,
        "rule-violation",
    )
    assert "20日" in body["detail"] and "第39号" in body["detail"] and "第十条" in body["detail"]
    assert auction.client.get(auction.url, headers=operator).json()["status"] == "draft"
    assert actions(auction.services) == before


def test_the_listing_period_counts_working_days_over_the_qingming_holiday(
    auction: AuctionWorld,
) -> None:
    # 10 working days from Monday 30 March: 31 Mar–3 Apr (4), 7–10 Apr (8), 13, 14 Apr (10);
    # 4–6 April are the Qingming holiday, so 13 April is one working day short.
    auction.create(listing_ends_at=ENDS_AT.replace(day=13).isoformat())
    body = problem(
        auction.client.post(f"{auction.url}/announce", headers=auction.as_("operator")),
        422,
        "rule-violation",
    )
    assert "10个工作日" in body["detail"] and "第十七条" in body["detail"]
    assert body["earliest"] == ENDS_AT.isoformat()
    fixed = auction.client.patch(
        auction.url,
        json={"listing_ends_at": ENDS_AT.isoformat()},
        headers=auction.as_("operator"),
    )
    assert fixed.status_code == 200, fixed.text
    listing = auction.announce()
    assert listing["status"] == "announced"
    assert listing["next_check"] == OPENS_AT.isoformat()
    assert listing["announced_at"] is not None
    # announced: no more edits
    problem(
        auction.client.patch(auction.url, json={"title": "x"}, headers=auction.as_("operator")),
        409,
        "conflict",
    )


def test_an_auction_has_no_listing_period(auction: AuctionWorld) -> None:
    listing = auction.create(rule_pack_id="land-auction", listing_ends_at=None)
    assert listing["method"] == "auction" and listing["code"].startswith("PM-330000-2026-")
    assert listing["listing_ends_at"] == listing["opens_at"] == OPENS_AT.isoformat()
    assert auction.announce()["status"] == "announced"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"deposit": "0"}, "deposit"),
        ({"increment": "0.00"}, "increment"),
        ({"increment": "-5"}, "increment"),
        ({"start_price": "1.001"}, "start_price"),
        ({"reserve": "100.00"}, "reserve"),  # below the start price
        ({"reserve": "abc"}, "reserve"),
        ({"rule_pack_id": "nope"}, None),
        ({"seller_org_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "seller_org_id"),
        ({"conditions": {"eligibility": "x", "pre_emption": [{"holder": "甲"}]}}, "conditions"),
        ({"opens_at": "2026-03-30T01:00:00"}, None),  # not time-zoned
        ({"start_price": 1.5}, None),  # a float
    ],
)
def test_bad_set_up_gets_a_problem_and_stores_nothing(
    auction: AuctionWorld, overrides: dict[str, Any], field: str | None
) -> None:
    from tests.auction_world import listing_body

    operator = auction.as_("operator")
    before = actions(auction.services)
    response = auction.client.post(
        f"{API}/listings", json=listing_body(auction.world, **overrides), headers=operator
    )
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if field is not None:
        assert response.json().get("field") == field, response.text
    assert "abc" not in response.text or field != "reserve"
    assert rows(auction.services, listings) == []
    assert actions(auction.services) == before


def test_only_the_centres_operator_sets_up_a_listing(auction: AuctionWorld) -> None:
    from tests.auction_world import listing_body

    body = listing_body(auction.world)
    for who, status in (("bidder_rsa", 403), ("supervisor", 403), ("tenderer", 403)):
        response = auction.client.post(f"{API}/listings", json=body, headers=auction.as_(who))
        assert response.status_code == status, (who, response.text)
    assert auction.client.post(f"{API}/listings", json=body).status_code == 401


def test_documents_go_to_the_blob_store_and_are_public_once_announced(
    auction: AuctionWorld,
) -> None:
    auction.create()
    content = b"%PDF-1.7\n" + "出让须知：竞买保证金…".encode() * 100
    uploaded = auction.client.post(
        f"{auction.url}/documents",
        files={"file": ("出让须知.pdf", content, "application/pdf")},
        headers=auction.as_("operator"),
    )
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert document["sha256"] == hashlib.sha256(content).hexdigest()
    assert document["size"] == len(content)
    download = f"{auction.url}/documents/{document['id']}"
    assert auction.client.get(download).status_code == 404  # a draft is nobody's business
    auction.announce()
    got = auction.client.get(download)
    assert got.status_code == 200 and got.content == content
    assert got.headers["x-content-sha256"] == document["sha256"]
    assert auction.client.get(auction.url).json()["documents"][0]["name"] == "出让须知.pdf"
    # no more documents once announced
    late = auction.client.post(
        f"{auction.url}/documents",
        files={"file": ("补充.pdf", b"x", "application/pdf")},
        headers=auction.as_("operator"),
    )
    problem(late, 409, "conflict")


def test_a_listing_is_cancelled_with_its_reason_and_then_takes_no_application(
    auction: AuctionWorld,
) -> None:
    auction.create()
    auction.announce()
    problem(
        auction.client.post(
            f"{auction.url}/cancel", json={"reason": " "}, headers=auction.as_("operator")
        ),
        422,
        "invalid-input",
    )
    cancelled = auction.client.post(
        f"{auction.url}/cancel", json={"reason": "规划条件调整"}, headers=auction.as_("operator")
    )
    assert cancelled.status_code == 200, cancelled.text
    public = auction.client.get(auction.url).json()
    assert public["status"] == "cancelled"
    assert public["outcome"] == {"result": "cancelled", "reason": "规划条件调整"}
    bidder = auction.bidders["rsa"]
    refused = auction.client.post(
        f"{auction.url}/registrations",
        json={"signature": auction.sign_application(bidder)},
        headers=auction.as_(bidder.user),
    )
    problem(refused, 409, "conflict")
    again = auction.client.post(
        f"{auction.url}/cancel", json={"reason": "x"}, headers=auction.as_("operator")
    )
    problem(again, 409, "conflict")
    # every step is audited with its actor and address
    with auction.services.read_session() as session:
        trail = session.execute(
            select(audit_log.c.action, audit_log.c.actor_id, audit_log.c.address)
            .where(audit_log.c.object_id == auction.listing["id"])
            .order_by(audit_log.c.seq)
        ).all()
    assert [t.action for t in trail] == ["ListingCreated", "ListingAnnounced", "ListingCancelled"]
    operator_id = auction.world.users["operator"]
    assert {(t.actor_id, t.address) for t in trail} == {(operator_id, "testclient")}


# -- the reserve ---------------------------------------------------------------------------------


def test_the_reserve_is_never_answered_nor_stored_nor_logged_in_clear(
    auction: AuctionWorld, services: Services
) -> None:
    answers = [json.dumps(auction.create(), ensure_ascii=False)]
    edited = auction.client.patch(
        auction.url, json={"reserve": "23456789.18"}, headers=auction.as_("operator")
    )
    answers.append(edited.text)
    edited = auction.client.patch(
        auction.url, json={"reserve": RESERVE}, headers=auction.as_("operator")
    )
    answers.append(edited.text)
    answers.append(json.dumps(auction.announce(), ensure_ascii=False))
    for who in (None, "operator", "supervisor", "bidder_rsa"):
        headers = auction.as_(who) if who else {}
        answers.append(auction.client.get(auction.url, headers=headers).text)
        answers.append(auction.client.get(f"{API}/listings", headers=headers).text)
        answers.append(
            auction.client.get(f"{API}/audit/listing/{auction.listing['id']}", headers=headers).text
        )
    secrets = [RESERVE, RESERVE.replace(".", ""), "23456789.18", "2345678918"]
    for answer in answers:
        assert not [s for s in secrets if s in answer], answer
    stored = everything_stored(services)
    assert not [s for s in secrets if s.encode() in stored]
    # … and yet it is there, sealed, for the close: unwrapped and checked against the commitment
    with services.read_session() as session:
        row = session.execute(select(listings)).one()
    assert unseal_reserve(services, row) == Decimal(RESERVE)
    assert row.reserve_commitment == auction.listing["reserve_commitment"]
    assert row.reserve is None


def test_a_reserve_below_a_new_start_price_is_refused_without_saying_it(
    auction: AuctionWorld,
) -> None:
    auction.create()
    body = problem(
        auction.client.patch(
            auction.url, json={"start_price": "30000000.00"}, headers=auction.as_("operator")
        ),
        422,
        "invalid-input",
    )
    assert RESERVE not in json.dumps(body)
    removed = auction.client.patch(
        auction.url, json={"reserve": None}, headers=auction.as_("operator")
    )
    assert removed.json()["has_reserve"] is False and removed.json()["reserve_commitment"] is None


# -- what is seen ---------------------------------------------------------------------------------


def test_the_public_sees_no_draft_and_nothing_of_the_bidders_not_even_how_many(
    auction: AuctionWorld,
) -> None:
    auction.create()
    assert auction.client.get(auction.url).status_code == 404
    assert auction.client.get(f"{API}/listings").json() == []
    assert (
        auction.client.get(f"{API}/listings", headers=auction.as_("operator")).json()[0]["status"]
        == "draft"
    )
    auction.announce()
    auction.register("rsa")
    auction.register("ec")
    for who in (None, "bidder_rsa", "tenderer"):
        headers = auction.as_(who) if who else {}
        public = auction.client.get(auction.url, headers=headers)
        assert public.status_code == 200
        assert public.json()["registrations"] is None
        for bidder in auction.bidders.values():
            assert bidder.uscc not in public.text
        listed = auction.client.get(f"{API}/listings", headers=headers).json()
        assert [x["registrations"] for x in listed] == [None]
        registrations = auction.client.get(f"{auction.url}/registrations", headers=headers)
        assert registrations.status_code == (403 if who else 401)
    centre = auction.client.get(auction.url, headers=auction.as_("supervisor")).json()
    assert centre["registrations"]["applied"] == 2
    seen = auction.client.get(f"{auction.url}/registrations", headers=auction.as_("supervisor"))
    assert sorted(r["org"]["uscc"] for r in seen.json()) == sorted(
        auction.bidders[n].uscc for n in ("rsa", "ec")
    )


# -- registration ---------------------------------------------------------------------------------


def test_a_registration_is_signed_with_the_bidders_certificate_and_gets_a_random_number(
    auction: AuctionWorld, services: Services
) -> None:
    auction.create()
    auction.announce()
    numbers = [auction.register(name)["number"] for name in auction.bidders]
    assert len(set(numbers)) == 3 and all(n.isdigit() and len(n) == 6 for n in numbers)
    registered = auction.bidders["rsa"].registration
    assert registered is not None
    assert (registered["eligibility"], registered["deposit_status"]) == ("pending", "unpaid")
    assert registered["deposit_ok"] is False
    again = auction.client.post(
        f"{auction.url}/registrations",
        json={"signature": auction.sign_application(auction.bidders["rsa"])},
        headers=auction.as_("bidder_rsa"),
    )
    problem(again, 409, "conflict")
    trail = actions(services)
    assert trail.count("RegistrationApplied") == 3


def test_a_registration_signed_with_another_organisations_certificate_is_refused(
    auction: AuctionWorld, services: Services
) -> None:
    auction.create()
    auction.announce()
    rsa, ec = auction.bidders["rsa"], auction.bidders["ec"]
    # ec's certificate, claiming rsa's credit code: the signature is good, the holder is not
    forged = auction.sign_application(ec, uscc=rsa.uscc)
    response = auction.client.post(
        f"{auction.url}/registrations", json={"signature": forged}, headers=auction.as_(rsa.user)
    )
    body = problem(response, 422, "certificate-identity-mismatch")
    assert rsa.uscc in body["detail"]
    # rsa's certificate over another listing's application: not what it signs here
    other = auction.bidders["rsa"].signer.sign(b'{"act":"listing-registration"}')
    response = auction.client.post(
        f"{auction.url}/registrations", json={"signature": other}, headers=auction.as_(rsa.user)
    )
    assert response.status_code == 422, response.text
    garbage = auction.client.post(
        f"{auction.url}/registrations", json={"signature": "@@@"}, headers=auction.as_(rsa.user)
    )
    problem(garbage, 422, "invalid-input")
    assert rows(services, listing_registrations) == []


def test_the_seller_may_not_register_and_a_draft_takes_no_application(
    auction: AuctionWorld,
) -> None:
    rsa = auction.bidders["rsa"]
    with auction.services.read_session() as session:
        from prex.identity.orm import organisations

        rsa_org = session.execute(
            select(organisations.c.id).where(organisations.c.uscc == rsa.uscc)
        ).scalar_one()
    auction.create(seller_org_id=rsa_org)
    draft = auction.client.post(
        f"{auction.url}/registrations",
        json={"signature": auction.sign_application(rsa)},
        headers=auction.as_(rsa.user),
    )
    problem(draft, 404, "not-found")
    auction.announce()
    own = auction.client.post(
        f"{auction.url}/registrations",
        json={"signature": auction.sign_application(rsa)},
        headers=auction.as_(rsa.user),
    )
    assert "seller" in problem(own, 409, "conflict")["detail"]


def test_eligibility_is_approved_or_refused_with_a_reason_once(auction: AuctionWorld) -> None:
    auction.create()
    auction.announce()
    auction.register("rsa")
    auction.register("ec")
    url = f"{auction.url}/registrations/{auction.bidders['ec'].registration_id}/review"
    problem(
        auction.client.post(url, json={"decision": "refuse"}, headers=auction.as_("operator")),
        422,
        "invalid-input",
    )
    problem(
        auction.client.post(url, json={"decision": "maybe"}, headers=auction.as_("operator")),
        422,
        "invalid-input",
    )
    refused = auction.client.post(
        url,
        json={"decision": "refuse", "reason": "未提供竞买人资格证明文件"},
        headers=auction.as_("operator"),
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["eligibility"] == "refused"
    assert refused.json()["eligibility_reason"] == "未提供竞买人资格证明文件"
    problem(
        auction.client.post(url, json={"decision": "approve"}, headers=auction.as_("operator")),
        409,
        "conflict",
    )
    assert auction.approve("rsa")["eligibility"] == "approved"
    # the supervisor reads, but does not review; a bidder does neither
    for who in ("supervisor", "bidder_rsa"):
        response = auction.client.post(url, json={"decision": "approve"}, headers=auction.as_(who))
        assert response.status_code == 403
    # a registration of another listing is not found under this one
    registration_id = auction.bidders["rsa"].registration_id
    elsewhere = f"{API}/listings/01ARZ3NDEKTSV4RRFFQ69G5FAV/registrations/{registration_id}/review"
    problem(
        auction.client.post(
            elsewhere, json={"decision": "approve"}, headers=auction.as_("operator")
        ),
        404,
        "not-found",
    )


# -- deposits -------------------------------------------------------------------------------------


def statement(auction: AuctionWorld, lines: list[list[str]], *, chinese: bool = False) -> bytes:
    header = (
        ["交易日期", "交易流水号", "付款人户名", "付款人账号", "金额", "摘要"]
        if chinese
        else ["date", "reference", "payer_name", "payer_account", "amount", "memo"]
    )
    text = "\n".join(",".join(f'"{c}"' for c in line) for line in [header, *lines]) + "\n"
    return text.encode()


def payment_line(
    auction: AuctionWorld, name: str, reference: str, amount: str = "3,000,000.00"
) -> list[str]:
    number = auction.bidders[name].registration["number"]  # type: ignore[index]
    return [
        "2026-03-10",
        reference,
        f"{name} 竞买单位",
        "6222 0202 0000 1234",
        amount,
        f"{auction.listing['code']} 竞买号{number} 保证金",
    ]


def test_deposits_from_a_bank_statement_all_or_nothing_and_idempotent(
    auction: AuctionWorld, services: Services
) -> None:
    auction.create()
    auction.announce()
    for name in auction.bidders:
        auction.register(name)
        auction.approve(name)
    operator = auction.as_("operator")
    bad = statement(
        auction,
        [
            payment_line(auction, "rsa", "BK20260310001"),
            payment_line(auction, "ec", "BK20260310002", amount="2,999,999.99"),  # short
            ["2026-13-01", "BK3", "x", "1", "1.00", "nothing"],  # bad date, no memo
            payment_line(auction, "rsa", "BK20260310001"),  # the same reference twice
        ],
    )
    refused = auction.client.post(
        f"{API}/deposits/import", files={"file": ("s.csv", bad, "text/csv")}, headers=operator
    )
    body = problem(refused, 422, "statement-refused")
    assert [e["line"] for e in body["errors"]] == [3, 4, 5]
    assert "less than the deposit" in body["errors"][0]["reasons"][0]
    assert len(body["errors"][1]["reasons"]) == 3
    assert [r.deposit_status for r in rows(services, listing_registrations)] == ["unpaid"] * 3
    good = statement(
        auction,
        [
            payment_line(auction, "rsa", "BK20260310001"),
            payment_line(auction, "ec", "BK20260310002", amount="3,000,000.50"),
        ],
        chinese=True,
    )
    imported = auction.client.post(
        f"{API}/deposits/import", files={"file": ("s.csv", good, "text/csv")}, headers=operator
    )
    assert imported.status_code == 200, imported.text
    assert [c["reference"] for c in imported.json()["confirmed"]] == [
        "BK20260310001",
        "BK20260310002",
    ]
    again = auction.client.post(
        f"{API}/deposits/import", files={"file": ("s.csv", good, "text/csv")}, headers=operator
    )
    assert again.status_code == 200 and again.json()["confirmed"] == []
    assert len(again.json()["unchanged"]) == 2
    registrations = {r.id: r for r in rows(services, listing_registrations)}
    rsa = registrations[auction.bidders["rsa"].registration_id]
    assert (rsa.deposit_status, rsa.deposit_amount, rsa.payer_account) == (
        "confirmed",
        "3000000.00",
        "6222020200001234",
    )
    assert rsa.deposit_source == "statement:" + hashlib.sha256(good).hexdigest()
    assert deposit_ok(rsa)
    assert not deposit_ok(registrations[auction.bidders["sm2"].registration_id])
    assert actions(services).count("DepositConfirmed") == 2
    # a payment under a reference already used for another bidder is refused
    reused = statement(auction, [payment_line(auction, "sm2", "BK20260310001")])
    body = problem(
        auction.client.post(
            f"{API}/deposits/import",
            files={"file": ("s.csv", reused, "text/csv")},
            headers=operator,
        ),
        422,
        "statement-refused",
    )
    assert "another registration" in body["errors"][0]["reasons"][0]
    # only the centre's operators import
    for who in ("supervisor", "bidder_rsa"):
        response = auction.client.post(
            f"{API}/deposits/import",
            files={"file": ("s.csv", good, "text/csv")},
            headers=auction.as_(who),
        )
        assert response.status_code == 403


def test_a_statement_that_is_not_one_is_refused_whole(auction: AuctionWorld) -> None:
    for data, status, slug in (
        (b"", 422, "invalid-input"),
        (b"a,b,c\n1,2,3\n", 422, "invalid-input"),
        (b"\xff\xfe\x00garbage\x00", 415, "upload-refused"),  # not text: the upload check
    ):
        response = auction.client.post(
            f"{API}/deposits/import",
            files={"file": ("s.csv", data, "text/csv")},
            headers=auction.as_("operator"),
        )
        problem(response, status, slug)


def test_prex_auctions_import_deposits_prints_bad_lines_and_is_idempotent(
    auction: AuctionWorld, services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")
    auction.create()
    auction.announce()
    auction.register("rsa")
    path = tmp_path / "statement.csv"
    path.write_bytes(
        statement(
            auction, [payment_line(auction, "rsa", "BK1"), payment_line(auction, "rsa", "BK2")]
        )
    )
    result = runner.invoke(app, ["auctions", "import-deposits", str(path), "--centre", "330000"])
    assert result.exit_code == 1, result.output
    assert "line 3:" in result.stderr and "confirms bidder" in result.stderr
    path.write_bytes(statement(auction, [payment_line(auction, "rsa", "BK1")]))
    result = runner.invoke(app, ["auctions", "import-deposits", str(path), "--centre", "330000"])
    assert result.exit_code == 0, result.output
    assert "1 confirmed" in result.stdout
    result = runner.invoke(
        app, ["auctions", "import-deposits", str(path), "--centre", "330000", "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and report["confirmed"] == [] and len(report["unchanged"]) == 1
    missing = runner.invoke(app, ["auctions", "import-deposits", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1


def test_a_deposit_confirmed_by_hand_needs_the_full_amount_and_an_unused_reference(
    auction: AuctionWorld, services: Services
) -> None:
    auction.create()
    auction.announce()
    auction.register("rsa")
    auction.register("ec")
    url = f"{auction.url}/registrations/{auction.bidders['rsa'].registration_id}/deposit"
    body = {
        "payer_name": "rsa 竞买单位",
        "payer_account": "6222020200001234",
        "amount": "2999999.99",
        "reference": "BK-rsa",
    }
    short = auction.client.post(url, json=body, headers=auction.as_("operator"))
    assert "less than the deposit" in problem(short, 409, "conflict")["detail"]
    problem(
        auction.client.post(url, json={**body, "amount": "1e9"}, headers=auction.as_("operator")),
        422,
        "invalid-input",
    )
    paid = auction.pay("rsa")
    assert paid["deposit_status"] == "confirmed" and paid["deposit_source"] == "manual"
    assert paid["deposit_ok"] is False  # eligibility still pending
    assert auction.approve("rsa")["deposit_ok"] is True
    reused = auction.client.post(
        f"{auction.url}/registrations/{auction.bidders['ec'].registration_id}/deposit",
        json={**body, "amount": "3000000.00"},
        headers=auction.as_("operator"),
    )
    assert "another registration" in problem(reused, 409, "conflict")["detail"]
    with services.read_session() as session:
        assert (
            session.execute(
                select(func.count()).where(listing_registrations.c.deposit_status == "confirmed")
            ).scalar_one()
            == 1
        )


def test_the_world_for_bidding_has_one_bidder_without_a_deposit(auction: AuctionWorld) -> None:
    auction.ready()
    seen = auction.client.get(f"{auction.url}/registrations", headers=auction.as_("operator"))
    ok = {r["org"]["uscc"]: r["deposit_ok"] for r in seen.json()}
    assert ok == {
        auction.bidders["rsa"].uscc: True,
        auction.bidders["ec"].uscc: True,
        auction.bidders["sm2"].uscc: False,
    }
    # declaring for the timed round waits for the listing period
    early = auction.client.post(f"{auction.url}/continuing", headers=auction.as_("bidder_rsa"))
    problem(early, 409, "conflict")


def test_bidders_declare_for_the_timed_round_during_the_listing_period(
    auction: AuctionWorld, services: Services
) -> None:
    auction.ready()
    listing = auction.open_bidding()
    assert listing["status"] == "listing"
    declared = auction.client.post(f"{auction.url}/continuing", headers=auction.as_("bidder_rsa"))
    assert declared.status_code == 200, declared.text
    assert declared.json()["continuing"] is True
    twice = auction.client.post(f"{auction.url}/continuing", headers=auction.as_("bidder_rsa"))
    assert twice.status_code == 200
    assert actions(services).count("ContinuingDeclared") == 1
    unpaid = auction.client.post(f"{auction.url}/continuing", headers=auction.as_("bidder_sm2"))
    assert "deposit unpaid" in problem(unpaid, 409, "conflict")["detail"]
    stranger = auction.client.post(f"{auction.url}/continuing", headers=auction.as_("bidder"))
    problem(stranger, 404, "not-found")


def test_the_commitment_is_the_sha256_of_the_sealed_document(
    auction: AuctionWorld, services: Services
) -> None:
    """What a bidder checks after the close: the revealed reserve and salt hash to the
    commitment published with the announcement."""
    from prex.auctions.reserve import RESERVE_INFO
    from prex.envelope.ecies import unwrap_with_key

    auction.create()
    with services.read_session() as session:
        row = session.execute(select(listings)).one()
    document = unwrap_with_key(
        services.pki.platform_keys().escrow_key, row.reserve_sealed, RESERVE_INFO + row.id.encode()
    )
    content = json.loads(document)
    assert set(content) == {"listing_id", "reserve", "salt"}
    assert canonical_json(content) == document
    assert hashlib.sha256(document).hexdigest() == auction.listing["reserve_commitment"]


class FakeBank:
    """A bank's confirmation feed (the adapter interface), holding one payment per bidder."""

    source = "bank:test"

    def __init__(self, payments: list[Payment]) -> None:
        self.payments = payments

    def confirmed_payments(self, listing_code: str) -> Iterator[Payment]:
        return (p for p in self.payments if p.listing_code == listing_code)


def test_a_banks_feed_confirms_deposits_through_the_adapter_interface_idempotently(
    auction: AuctionWorld, services: Services
) -> None:
    auction.create()
    auction.announce()
    auction.register("rsa")
    number = auction.bidders["rsa"].registration["number"]  # type: ignore[index]
    payment = Payment(
        1,
        date(2026, 3, 10),
        "FEED-1",
        "rsa 竞买单位",
        "6222020200001234",
        Decimal("3000000.00"),
        auction.listing["code"],
        number,
    )
    bank: DepositConfirmations = FakeBank([payment])
    operator = Actor(
        user_id=auction.world.users["operator"],
        label="operator",
        centre_id=auction.world.centre_id,
        roles=frozenset({Role.OPERATOR}),
        address="10.0.0.1",
    )
    report = confirm_from(services.uow(operator), bank, auction.listing["code"])
    assert report.ok and len(report.confirmed) == 1
    again = confirm_from(services.uow(operator), bank, auction.listing["code"])
    assert again.ok and again.confirmed == [] and len(again.unchanged) == 1
    (row,) = rows(services, listing_registrations)
    assert (row.deposit_status, row.deposit_source, row.deposit_reference) == (
        "confirmed",
        "bank:test",
        "FEED-1",
    )
    # another centre's operator learns nothing of this listing through the feed
    outsider = Actor(
        user_id="x", label="x", centre_id=auction.world.city_centre_id, roles=operator.roles
    )
    refused = confirm_from(services.uow(outsider), FakeBank([payment]), auction.listing["code"])
    assert not refused.ok
    assert refused.errors[0].reasons == (f"no listing {auction.listing['code']} of your centre",)


def test_a_listings_audit_trail_is_read_only_within_its_centre(
    auction: AuctionWorld, services: Services
) -> None:
    from prex.identity import service as identity
    from tests.factories import ADMIN_ACTOR, PASSWORD

    auction.create()
    url = f"{API}/audit/listing/{auction.listing['id']}"
    trail = auction.client.get(url, headers=auction.as_("operator"))
    assert trail.status_code == 200 and trail.json()[0]["action"] == "ListingCreated"
    identity.create_user(
        services.uow(ADMIN_ACTOR),
        username="operator_hz",
        password=PASSWORD,
        display_name="杭州 值班员",
        roles=["operator"],
        org_id=auction.world.orgs["operator"],
        centre_id=auction.world.city_centre_id,
    )
    assert auction.client.get(url, headers=auction.as_("operator_hz")).status_code == 403
    missing = auction.client.get(f"{API}/audit/listing/nope", headers=auction.as_("operator"))
    assert missing.status_code == 404
