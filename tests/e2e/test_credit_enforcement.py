"""A blacklisted bidder is refused at every entry point — obtaining tender documents (registering
for a tender), applying to a listing, submitting a sealed bid, having an auction deposit
confirmed — each refusal a problem document quoting the record (id, basis, period); on the last
day of the period (to 23:59:59 Beijing time) it is still refused, and from 00:00 the next day
(still the same day in UTC) it may act again. Scopes that do not cover the act do not bar it;
a revoked blacklist bars nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from tests.auction_world import AuctionWorld
from tests.credit_world import LAST_SECOND, NEXT_DAY, assert_refused_quoting, record
from tests.e2e.test_bid_submission import Bidding
from tests.e2e.test_listings import payment_line, statement
from tests.factories import World, auth, published_tender
from tests.pki_openssl import PkiWorld


def test_a_blacklisted_bidder_obtains_no_tender_documents_until_the_day_after_the_period(
    client: TestClient, services: Services, world: World, clock: FixedClock
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    url = f"/api/v1/tenders/{tender['id']}/obtain"
    made = record(client, services, subject=world.orgs["bidder"])
    assert made["status"] == "published" and made["valid_until"] == "2026-03-02"
    assert_refused_quoting(client.post(url, headers=auth(services, "bidder")), made)
    # On the tender's page the bidder's form is refused with the record quoted, in Chinese.
    client.cookies.set("prex_session", "")
    page = client.post(f"/tenders/{tender['id']}/obtain", headers=auth(services, "bidder"))
    assert page.status_code == 403 and 'id="problem"' in page.text
    assert "因信用黑名单受限" in page.text and made["id"] in page.text
    clock.set(LAST_SECOND)
    assert_refused_quoting(client.post(url, headers=auth(services, "bidder")), made)
    clock.set(NEXT_DAY)  # 2 March in UTC, 3 March in China: the period is over
    obtained = client.post(url, headers=auth(services, "bidder"))
    assert obtained.status_code == 200, obtained.text
    # Another bidder was never barred.
    assert client.post(url, headers=auth(services, "bidder2")).status_code == 200


def test_a_blacklist_bars_only_within_its_scope_and_not_once_revoked(
    client: TestClient, services: Services, world: World
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))  # engineering, 330100
    url = f"/api/v1/tenders/{tender['id']}/obtain"
    bidder = world.orgs["bidder"]
    for scope, value in (
        ("transaction_type", "procurement"),
        ("region", "330200"),  # Ningbo: not Hangzhou
        ("centre", world.city_centre_id),  # the city's centre: the tender is the province's
    ):
        record(client, services, subject=bidder, scope=scope, scope_value=value)
    assert client.post(url, headers=auth(services, "bidder")).status_code == 200

    bidder2 = world.orgs["bidder2"]
    in_scope = [
        record(client, services, subject=bidder2, scope="region", scope_value="330000"),
        record(client, services, subject=bidder2, scope="centre", scope_value=world.centre_id),
        record(
            client, services, subject=bidder2, scope="transaction_type", scope_value="engineering"
        ),
    ]
    for made in in_scope:
        refused = client.post(url, headers=auth(services, "bidder2"))
        assert_refused_quoting(refused, made)  # the earliest record in force is quoted
        revoked = client.post(
            f"/api/v1/credit/records/{made['id']}/revoke",
            json={"reason": "复议撤销原处理决定"},
            headers=auth(services, "supervisor"),
        )
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert client.post(url, headers=auth(services, "bidder2")).status_code == 200


def test_a_blacklisted_bidders_sealed_bid_is_refused_until_the_day_after(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    bidding = Bidding(client, services, world, pki_world, tmp_path)
    made = record(client, services, subject=pki_world.uscc["ecdsa-org"])  # by credit code
    envelope = bidding.seal()
    assert_refused_quoting(bidding.submit(envelope, "credit-bid-0001"), made)
    clock.set(LAST_SECOND)
    assert_refused_quoting(bidding.submit(envelope, "credit-bid-0002"), made)
    clock.set(NEXT_DAY)
    accepted = bidding.submit(envelope, "credit-bid-0003")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["bidder_uscc"] == pki_world.uscc["ecdsa-org"]


def test_a_blacklisted_bidder_may_not_apply_to_a_listing_nor_have_its_deposit_confirmed(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    auction = AuctionWorld(client, services, world, pki_world, tmp_path, clock)
    auction.create()
    auction.announce()
    auction.register("rsa")  # registered before it was blacklisted
    auction.approve("rsa")
    ec = auction.bidders["ec"]
    barred_ec = record(
        client, services, subject=ec.uscc, scope="transaction_type", scope_value="land_use"
    )
    barred_rsa = record(client, services, subject=auction.bidders["rsa"].uscc)

    def apply() -> Any:
        return client.post(
            f"{auction.url}/registrations",
            json={"signature": auction.sign_application(ec)},
            headers=auction.as_(ec.user),
        )

    deposit_url = f"{auction.url}/registrations/{auction.bidders['rsa'].registration_id}/deposit"
    body = {
        "payer_name": "rsa 竞买单位",
        "payer_account": "6222020200001234",
        "amount": auction.listing["deposit"],
        "reference": "BK-credit-1",
    }

    def pay() -> Any:
        return client.post(deposit_url, json=body, headers=auction.as_("operator"))

    assert_refused_quoting(apply(), barred_ec)
    assert_refused_quoting(pay(), barred_rsa)
    # From a bank statement too: the line is refused with the record, and nothing is written.
    imported = client.post(
        "/api/v1/deposits/import",
        files={
            "file": (
                "s.csv",
                statement(auction, [payment_line(auction, "rsa", "BK20260302001")]),
                "text/csv",
            )
        },
        headers=auction.as_("operator"),
    )
    assert imported.status_code == 422, imported.text
    reasons = imported.json()["errors"][0]["reasons"]
    assert any(barred_rsa["id"] in r and "2026-03-02" in r for r in reasons)

    clock.set(LAST_SECOND)
    assert_refused_quoting(apply(), barred_ec)
    assert_refused_quoting(pay(), barred_rsa)
    clock.set(NEXT_DAY)
    applied = apply()
    assert applied.status_code == 201, applied.text
    paid = pay()
    assert paid.status_code == 200, paid.text
    assert paid.json()["deposit_status"] == "confirmed"
