"""A land listing with its bidders, for the auctions tests (set-up, registration, deposits and the
bidding built on them).

``AuctionWorld`` wraps the usual ``client``/``services``/``world`` with three bidder
organisations whose certificates come from the OpenSSL test PKI (RSA, ECDSA and SM2 CAs, all
trusted) and signs as them with the real ``prex sig sign`` CLI. Each step is one small method;
:meth:`AuctionWorld.ready` runs the usual sequence — a listing announced, three bidders
registered and approved, two with their deposits confirmed and one (``sm2``) without — and
:meth:`AuctionWorld.open_bidding` moves the clock to the opening and runs the worker.

Typical use::

    auction = AuctionWorld(client, services, world, pki_world, tmp_path, clock)
    listing = auction.ready()
    auction.open_bidding()
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from prex.auctions.registration import application_bytes
from prex.bootstrap import Services
from prex.identity import service as identity
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.award_world import Signer
from tests.factories import ADMIN_ACTOR, World, auth, uscc_for
from tests.pki_helpers import member_of, trust_world
from tests.pki_openssl import PkiWorld

API = "/api/v1"
# An announcement of 21 days (≥ 20) from T0 (Monday 2 March 2026) and a listing period over
# the Qingming holiday (4–6 April): 10 working days from 30 March end on 14 April, not 13.
OPENS_AT = datetime.fromisoformat("2026-03-30T01:00:00+00:00")
ENDS_AT = datetime.fromisoformat("2026-04-14T01:00:00+00:00")
RESERVE = "23456789.17"  # a figure that appears nowhere else (the scans look for it)


@dataclass
class Bidder:
    """One bidding organisation: its user, its certificate's leaf in the PKI world, its signer
    and, once registered, its registration (``id``, ``number`` …) as the API answered."""

    name: str
    user: str
    leaf: str
    signer: Signer
    uscc: str
    registration: dict[str, Any] | None = None

    @property
    def registration_id(self) -> str:
        assert self.registration is not None, f"{self.name} has not registered"
        return str(self.registration["id"])


# bidder name → (user, leaf certificate of its organisation)
BIDDERS = {
    "rsa": ("bidder_rsa", "rsa-org"),
    "ec": ("bidder_ec", "ecdsa-org"),
    "sm2": ("bidder_sm2", "sm2-org"),
}


def seller_of(services: Services, world: World) -> str:
    """The seller (出让人): a land authority of its own — the test PKI's companies share credit
    codes with the world's organisations, so none of those may sell."""
    return identity.register_organisation(
        services.uow(ADMIN_ACTOR),
        uscc=uscc_for("330100", 777_777),
        name="杭州市规划和自然资源局",
        centre_id=world.centre_id,
        kinds=["tenderer"],
    )


def listing_body(world: World, **overrides: Any) -> dict[str, Any]:
    """A valid land listing (rule pack ``land-listing``); the seller is the tenderer's
    organisation unless ``seller_org_id`` says otherwise."""
    body: dict[str, Any] = {
        "rule_pack_id": "land-listing",
        "title": "杭州市西湖区转塘单元 XH2026-07 地块国有建设用地使用权",
        "asset": {
            "location": "西湖区转塘街道",
            "area_m2": "35120.5",
            "use": "居住用地",
            "term_years": 70,
            "plot_ratio": "≤2.2",
        },
        "conditions": {"eligibility": "中华人民共和国境内外的法人和其他组织，除法律另有规定者外"},
        "seller_org_id": world.orgs["tenderer"],
        "start_price": "15000000.00",
        "increment": "500000.00",
        "deposit": "3000000.00",
        "reserve": RESERVE,
        "opens_at": OPENS_AT.isoformat(),
        "listing_ends_at": ENDS_AT.isoformat(),
    }
    return {**body, **overrides}


class AuctionWorld:
    def __init__(
        self,
        client: TestClient,
        services: Services,
        world: World,
        pki: PkiWorld,
        tmp: Path,
        clock: FixedClock,
    ) -> None:
        self.client, self.services, self.world, self.pki = client, services, world, pki
        self.tmp, self.clock = tmp, clock
        trust_world(services, pki)
        self.bidders: dict[str, Bidder] = {}
        for name, (user, leaf) in BIDDERS.items():
            member_of(services, world, pki.uscc[leaf], user)
            signer = Signer(tmp, leaf=pki.leaves[leaf])
            self.bidders[name] = Bidder(name, user, leaf, signer, pki.uscc[leaf])
        self.seller_id = seller_of(services, world)
        self.listing: dict[str, Any] = {}

    def as_(self, user: str) -> dict[str, str]:
        """Bearer headers of a user (``operator``, ``supervisor``, a bidder's user …)."""
        return auth(self.services, user)

    @property
    def url(self) -> str:
        return f"{API}/listings/{self.listing['id']}"

    def create(self, **overrides: Any) -> dict[str, Any]:
        """A draft listing set up by the centre's operator (``overrides`` change the body)."""
        response = self.client.post(
            f"{API}/listings",
            json=listing_body(self.world, **{"seller_org_id": self.seller_id, **overrides}),
            headers=self.as_("operator"),
        )
        assert response.status_code == 201, response.text
        self.listing = response.json()
        return self.listing

    def announce(self) -> dict[str, Any]:
        response = self.client.post(f"{self.url}/announce", headers=self.as_("operator"))
        assert response.status_code == 200, response.text
        self.listing = response.json()
        return self.listing

    def sign_application(self, bidder: Bidder, *, uscc: str | None = None) -> str:
        """The bidder's signature over its application (``uscc``: claim another code)."""
        return bidder.signer.sign(application_bytes(self.listing["id"], uscc or bidder.uscc))

    def register(self, name: str) -> dict[str, Any]:
        """The bidder applies with its certificate; answers its registration."""
        bidder = self.bidders[name]
        response = self.client.post(
            f"{self.url}/registrations",
            json={"signature": self.sign_application(bidder)},
            headers=self.as_(bidder.user),
        )
        assert response.status_code == 201, response.text
        bidder.registration = response.json()
        return bidder.registration

    def approve(self, name: str) -> dict[str, Any]:
        """The operator approves the bidder's eligibility."""
        response = self.client.post(
            f"{self.url}/registrations/{self.bidders[name].registration_id}/review",
            json={"decision": "approve"},
            headers=self.as_("operator"),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def pay(self, name: str, amount: str | None = None) -> dict[str, Any]:
        """The operator confirms the bidder's deposit by hand (reference ``BK-<name>``)."""
        bidder = self.bidders[name]
        response = self.client.post(
            f"{self.url}/registrations/{bidder.registration_id}/deposit",
            json={
                "payer_name": f"{bidder.name} 竞买单位",
                "payer_account": f"6222020200{len(name):04d}",
                "amount": amount or self.listing["deposit"],
                "reference": f"BK-{name}",
            },
            headers=self.as_("operator"),
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def ready(self, *, paid: tuple[str, ...] = ("rsa", "ec"), **overrides: Any) -> dict[str, Any]:
        """A listing announced; every bidder registered and approved; deposits confirmed for
        ``paid`` only (by default ``sm2`` has none)."""
        self.create(**overrides)
        self.announce()
        for name in self.bidders:
            self.register(name)
            self.approve(name)
        for name in paid:
            self.pay(name)
        return self.listing

    def open_bidding(self) -> dict[str, Any]:
        """Move the clock to the opening and run the worker once (which opens the listing)."""
        self.clock.set(datetime.fromisoformat(self.listing["opens_at"]) + timedelta(seconds=1))
        run_once(self.services)
        response = self.client.get(self.url, headers=self.as_("operator"))
        self.listing = response.json()
        return self.listing
