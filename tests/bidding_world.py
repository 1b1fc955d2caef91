"""A listing open for bidding with bidders admitted and their deposits confirmed, made directly
in the tables (the set-up, registration and deposit use cases have their own tests): shared by
the bidding tests. Bidders sign their bids with the OpenSSL test PKI's organisation leaves."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update

from prex.auctions.bidding import bid_bytes
from prex.auctions.orm import listing_registrations, listings
from prex.auctions.reserve import seal_reserve
from prex.bootstrap import Services
from prex.identity.orm import organisations
from prex.pki.certs import parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.keys import PrivateKey
from prex.shared.clock import FixedClock
from prex.shared.ids import new_id
from prex.worker import run_once
from tests.factories import World, auth
from tests.pki_helpers import member_of, trust_world
from tests.pki_openssl import PkiWorld

# leaf → bidder's username; numbers are the bidders' pseudonyms (竞买号)
LEAVES = {"ecdsa-org": "bidder_ec", "ecdsa-p384": "bidder_p384", "sm2-org": "bidder_sm2"}
START, INCREMENT = Decimal("10000000.00"), Decimal("100000.00")


@dataclass
class Listing:
    client: TestClient
    services: Services
    world: World
    pki: PkiWorld
    clock: FixedClock
    id: str = ""
    registration: dict[str, str] = field(default_factory=dict)  # leaf → registration id
    number: dict[str, str] = field(default_factory=dict)  # leaf → 竞买号

    @property
    def url(self) -> str:
        return f"/api/v1/listings/{self.id}"

    def book(self) -> dict[str, Any]:
        return dict(self.client.get(f"{self.url}/book").json())

    def signature(self, leaf: str, amount: str, *, as_leaf: str | None = None) -> str:
        """``leaf``'s bid of ``amount``, signed by ``as_leaf``'s certificate (default: its own)."""
        issued = self.pki.leaves[as_leaf or leaf]
        cert = parse_certificates(issued.cert.read_bytes())[0]
        chain = [parse_certificates(path.read_bytes())[0] for path in issued.chain]
        key = PrivateKey.load(issued.key.read_bytes())
        data = bid_bytes(self.id, self.number[leaf], Decimal(amount))
        der = sign_detached(data, cert, key, chain=chain, signing_time=self.clock.now())
        return base64.b64encode(der).decode()

    def bid(self, leaf: str, amount: str, **sign: Any) -> Any:
        return self.client.post(
            f"{self.url}/bids",
            json={"amount": amount, "signature": self.signature(leaf, amount, **sign)},
            headers=auth(self.services, LEAVES.get(leaf, leaf)),
        )

    def at(self, moment: datetime) -> None:
        """Move the clock and let the worker apply what is due."""
        self.clock.set(moment)
        run_once(self.services)

    def continuing(self, *leaves: str) -> None:
        with self.services.writer_session() as session:
            session.execute(
                update(listing_registrations)
                .where(listing_registrations.c.id.in_([self.registration[x] for x in leaves]))
                .values(continuing=True)
            )
            session.commit()


def open_listing(
    client: TestClient,
    services: Services,
    world: World,
    pki: PkiWorld,
    clock: FixedClock,
    *,
    reserve: Decimal | None = Decimal("10150000.00"),
    method: str = "listing",
    unpaid: tuple[str, ...] = ("sm2-org",),
    lead: timedelta = timedelta(minutes=1),
) -> Listing:
    """A land listing opened by the worker ``lead`` after ``clock.now()``, with the three bidders
    registered and admitted; those in ``unpaid`` have no confirmed deposit. (With services on
    the system clock, give a negative ``lead``: the listing is open already.)"""
    trust_world(services, pki)
    for leaf, user in LEAVES.items():
        member_of(services, world, pki.uscc[leaf], user)
    listing = Listing(client, services, world, pki, clock, id=new_id())
    now = clock.now()
    sealed, commitment = (None, None)
    if reserve is not None:
        sealed, commitment = seal_reserve(services, listing.id, reserve.quantize(Decimal("0.01")))
    with services.writer_session() as session:
        session.execute(
            insert(listings).values(
                id=listing.id,
                centre_id=world.centre_id,
                rule_pack_id="land-listing" if method == "listing" else "land-auction",
                kind="land_use",
                method=method,
                code=f"GT-TEST-{listing.id[-6:]}",
                title="杭政储出〔2026〕88号地块国有建设用地使用权",
                asset={"location": "杭州市西湖区", "area_m2": "35210", "use": "住宅"},
                conditions="中华人民共和国境内的法人",
                documents=[],
                seller_org_id=world.orgs["tenderer"],
                start_price=str(START),
                increment=str(INCREMENT),
                deposit="2000000.00",
                reserve_sealed=sealed,
                reserve_commitment=commitment,
                countdown_seconds=300,
                announced_at=now,
                opens_at=now + lead,
                listing_ends_at=now + timedelta(days=14) if method == "listing" else now + lead,
                status="announced",
                seq=0,
                in_round=[],
                next_check=now + lead,
                created_at=now,
                updated_at=now,
            )
        )
        for n, leaf in enumerate(LEAVES):
            org_id = session.execute(
                select(organisations.c.id).where(organisations.c.uscc == pki.uscc[leaf])
            ).scalar_one()
            registration_id = new_id()
            listing.registration[leaf] = registration_id
            listing.number[leaf] = f"{8001 + n * 17}"
            paid = leaf not in unpaid
            session.execute(
                insert(listing_registrations).values(
                    id=registration_id,
                    listing_id=listing.id,
                    org_id=org_id,
                    number=listing.number[leaf],
                    certificate_sha256="0" * 64,
                    signature=b"-",
                    applied_at=now,
                    eligibility="approved",
                    deposit_status="confirmed" if paid else "unpaid",
                    deposit_amount="2000000.00" if paid else None,
                    deposit_reference=f"REF-{listing.id[-6:]}-{n}" if paid else None,
                    continuing=False,
                    updated_at=now,
                )
            )
        session.commit()
    listing.at(max(now, now + lead))
    return listing
