"""The land listings of the demo (挂牌出让, issue 6), through the same services as real use.

Three listings of the Hangzhou centre, each set up and announced by its operator with a sealed
reserve, applied to by the demo bidders with their organisation certificates
(``demo-pki/bidder1…3``), admitted, and their deposits confirmed — by hand, and from a bank
statement import:

- **sold**: months ago — quotes in the listing period, a timed round (限时竞价) among the three,
  closed above the reserve; the deal confirmation is signed by the platform and the deposits
  settled (the winner's applied to the price, the others released);
- **failed**: weeks ago — two quotes, nobody goes on to a round, the best quote stays below the
  reserve (流拍);
- **live**: its listing period runs until two hours after the seed (real time, since ``prex
  demo`` runs the worker on the real clock), then a 300 s timed round among the three. 钱塘路桥
  (``bidder2``, SM2: the browser cannot sign with it) leads, so ``bidder1`` (RSA) and
  ``bidder3`` (ECDSA P-256) can outbid it at ``/listings/{id}/live`` with their key files.

The seed's :class:`~prex.shared.clock.FixedClock` is moved back to each step's instant, and the
worker's own step (:func:`prex.auctions.timeline.run_due_listings`) opens, rounds and closes.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from prex.auctions import deposits, listings, registration
from prex.auctions.bidding import bid_bytes, place_bid
from prex.auctions.timeline import run_due_listings
from prex.db.uow import SqlUnitOfWork
from prex.demo_award import Cast
from prex.identity import service as identity
from prex.identity.uscc import make_uscc
from prex.pki.certs import Certificate, parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.keys import PrivateKey

#: The seller of every demo listing: the city's land authority (出让人).
SELLER = ("杭州市规划和自然资源局", "11330100MB0C3D4E5")  # credit code: 17 of 18
BIDDERS = ("bidder1", "bidder2", "bidder3")
ELIGIBILITY = "中华人民共和国境内外的法人和其他组织，除法律另有规定者外"


@dataclass(frozen=True)
class Plan:
    """One demo listing: what is sold, its prices, and its periods relative to the seed's now."""

    title: str
    asset: dict[str, Any]
    start: str
    increment: str
    deposit: str
    reserve: str
    announced: timedelta  # before now
    opens: timedelta  # before now
    ends: timedelta  # after the opening


SOLD = Plan(
    title="杭州市西湖区转塘单元 XH2026-03 地块国有建设用地使用权",
    asset={
        "location": "西湖区转塘街道象山路以东",
        "area_m2": "35120.5",
        "use": "居住用地",
        "term_years": 70,
        "plot_ratio": "≤2.2",
    },
    start="15000000.00",
    increment="500000.00",
    deposit="3000000.00",
    reserve="21000000.00",
    announced=timedelta(days=100),
    opens=timedelta(days=76),
    ends=timedelta(days=28),
)
FAILED = Plan(
    title="杭州市萧山区临浦镇 XS2026-11 地块国有建设用地使用权",
    asset={
        "location": "萧山区临浦镇峙山路以北",
        "area_m2": "62480",
        "use": "工业用地",
        "term_years": 50,
        "plot_ratio": "≥1.5",
    },
    start="42000000.00",
    increment="1000000.00",
    deposit="8400000.00",
    reserve="50000000.00",
    announced=timedelta(days=72),
    opens=timedelta(days=48),
    ends=timedelta(days=28),
)
LIVE = Plan(
    title="杭州市拱墅区祥符单元 GS2026-21 地块国有建设用地使用权",
    asset={
        "location": "拱墅区祥符街道莫干山路以西",
        "area_m2": "18760.3",
        "use": "商业服务业设施用地",
        "term_years": 40,
        "plot_ratio": "≤3.0",
    },
    start="8600000.00",
    increment="200000.00",
    deposit="1700000.00",
    reserve="9800000.00",
    announced=timedelta(days=52),
    opens=timedelta(days=28),
    ends=timedelta(days=28, hours=2),  # the listing period ends two hours after the seed
)


def seed_listings(cast: Cast, *, centre_id: str) -> dict[str, str]:
    """The three listings; returns label (sold, failed, live) → listing id. Leaves the clock
    at ``cast.now``."""
    seller = identity.register_organisation(
        cast.services.uow(cast.admin),
        uscc=make_uscc(SELLER[1]),
        name=SELLER[0],
        centre_id=centre_id,
        kinds=["tenderer"],
        contact_email="seller@example.com",
    )
    signer = _Signer(cast)
    seeded = {
        "sold": _sold(_Listing(signer, seller, SOLD)),
        "failed": _failed(_Listing(signer, seller, FAILED)),
        "live": _live(_Listing(signer, seller, LIVE)),
    }
    cast.clock.set(cast.now)
    return seeded


class _Signer:
    """Detached signatures as ``Cast.sign`` makes them (``prex sig sign``), with each bidder's
    certificate and key read once: loading an RSA key checks it, which is slow to repeat."""

    def __init__(self, cast: Cast) -> None:
        self.cast = cast
        self.loaded: dict[str, tuple[Certificate, list[Certificate], PrivateKey]] = {}

    def sign(self, label: str, data: bytes) -> str:
        if label not in self.loaded:
            cert, *chain = parse_certificates(self.cast.pki.files[label].read_bytes())
            key = PrivateKey.load((self.cast.pki.directory / f"{label}.key").read_bytes())
            self.loaded[label] = (cert, chain, key)
        cert, chain, key = self.loaded[label]
        der = sign_detached(data, cert, key, chain=chain, signing_time=self.cast.clock.now())
        return base64.b64encode(der).decode()


class _Listing:
    """One listing being walked through: its id, code and the bidders' numbers."""

    def __init__(self, signer: _Signer, seller: str, plan: Plan) -> None:
        cast = signer.cast
        self.cast, self.signer, self.plan = cast, signer, plan
        self.opens_at = cast.now - plan.opens
        cast.clock.set(cast.now - plan.announced)
        services, operator = cast.services, cast.actor("operator")
        draft = listings.ListingDraft(
            rule_pack_id="land-listing",
            title=plan.title,
            asset=plan.asset,
            conditions=listings.conditions(ELIGIBILITY),
            seller_org_id=seller,
            start_price=plan.start,
            increment=plan.increment,
            deposit=plan.deposit,
            opens_at=self.opens_at,
            listing_ends_at=self.opens_at + plan.ends,
            reserve=plan.reserve,
        )
        view = listings.create_listing(services.uow(operator), services, draft)
        self.id, self.code = str(view["id"]), str(view["code"])
        listings.announce_listing(services.uow(operator), services, self.id)
        self.registrations: dict[str, dict[str, Any]] = {}

    def uow(self, username: str) -> SqlUnitOfWork:
        """A unit of work of the demo user ``username`` (signed in once)."""
        return self.cast.services.uow(self.cast.actor(username))

    def at(self, after_opening: timedelta) -> None:
        self.cast.clock.set(self.opens_at + after_opening)

    def register(self, *bidders: str) -> None:
        """Each bidder applies, signed with its certificate; the operator admits it."""
        for bidder in bidders:
            self.cast.later(days=1)
            signature = self.signer.sign(
                bidder, registration.application_bytes(self.id, self.cast.usccs[bidder])
            )
            mine = registration.apply(self.uow(bidder), self.cast.services, self.id, signature)
            registration.review(self.uow("operator"), mine["id"], "approve", None, self.id)
            self.registrations[bidder] = mine

    def pay(self, bidder: str) -> None:
        """The operator confirms a deposit from the bank's receipt."""
        deposits.confirm_deposit(
            self.uow("operator"),
            self.registrations[bidder]["id"],
            listing_id=self.id,
            payer_name=_payer(bidder),
            payer_account=_account(bidder),
            amount=self.plan.deposit,
            reference=f"BK{self.code[-9:].replace('-', '')}{bidder[-1]}",
        )

    def import_statement(self, *bidders: str) -> None:
        """The operator imports the deposit account's statement (CSV) for these bidders."""
        day = self.cast.clock.now().date().isoformat()
        lines = ["交易日期,交易流水号,付款人户名,付款人账号,金额,摘要"]
        for bidder in bidders:
            number = self.registrations[bidder]["number"]
            lines.append(
                f"{day},ST{day.replace('-', '')}{number},{_payer(bidder)},{_account(bidder)},"
                f'"{Decimal(self.plan.deposit):,.2f}",{self.code} 竞买号{number} 保证金'
            )
        data = ("\n".join(lines) + "\n").encode("utf-8")
        deposits.import_statement(self.uow("operator"), data)

    def bid(self, bidder: str, amount: str) -> dict[str, Any]:
        number = self.registrations[bidder]["number"]
        signature = self.signer.sign(bidder, bid_bytes(self.id, number, Decimal(amount)))
        return place_bid(self.uow(bidder), self.cast.services, self.id, amount, signature)

    def go_on(self, *bidders: str) -> None:
        """Bidders declare that they go on to the timed round."""
        for bidder in bidders:
            registration.declare_continuing(self.uow(bidder), self.cast.services, self.id)

    def worker(self) -> None:
        """The worker's step at the clock's instant: opens, starts the round, closes."""
        run_due_listings(self.cast.services)


def _payer(bidder: str) -> str:
    return {"bidder1": "浙江之江建设工程有限公司", "bidder2": "杭州钱塘路桥建设有限公司"}.get(
        bidder, "温州瓯江建工集团有限公司"
    )


def _account(bidder: str) -> str:
    return f"622202020000{int(bidder[-1]) * 1111:04d}"


def _sold(listing: _Listing) -> str:
    listing.register(*BIDDERS)
    listing.pay("bidder1")
    listing.pay("bidder2")
    listing.import_statement("bidder3")
    listing.at(timedelta(seconds=1))
    listing.worker()  # the listing period opens
    quotes = [("bidder1", "15000000.00"), ("bidder2", "15500000.00"), ("bidder3", "16000000.00")]
    quotes += [("bidder1", "16500000.00"), ("bidder2", "17000000.00")]
    for day, (bidder, amount) in enumerate(quotes, start=2):
        listing.at(timedelta(days=day * 3, hours=2))
        listing.bid(bidder, amount)
    listing.go_on(*BIDDERS)
    listing.at(SOLD.ends)
    listing.worker()  # three go on: the timed round starts, 300 s
    pause, accepted = timedelta(0), dict[str, Any]()
    for bidder, amount in [
        ("bidder3", "17500000.00"),
        ("bidder1", "18500000.00"),
        ("bidder2", "19000000.00"),
        ("bidder1", "21500000.00"),
        ("bidder3", "22000000.00"),
        ("bidder1", "22500000.00"),
    ]:
        pause += timedelta(seconds=95)
        listing.at(SOLD.ends + pause)  # each bid well within the countdown it resets
        accepted = listing.bid(bidder, amount)
    listing.cast.clock.set(datetime.fromisoformat(accepted["round_ends_at"]))
    listing.worker()  # the countdown ran out: sold above the reserve, confirmation signed
    return listing.id


def _failed(listing: _Listing) -> str:
    listing.register("bidder3", "bidder1")
    listing.pay("bidder3")
    listing.pay("bidder1")
    listing.at(timedelta(seconds=1))
    listing.worker()
    listing.at(timedelta(days=9, hours=3))
    listing.bid("bidder3", "42000000.00")
    listing.at(timedelta(days=20, hours=5))
    listing.bid("bidder1", "43000000.00")
    listing.at(FAILED.ends)
    listing.worker()  # nobody goes on: closed on the quotes, below the reserve (流拍)
    return listing.id


def _live(listing: _Listing) -> str:
    listing.register(*BIDDERS)
    listing.pay("bidder1")
    listing.import_statement("bidder2", "bidder3")
    listing.at(timedelta(seconds=1))
    listing.worker()
    for after, bidder, amount in [
        (timedelta(days=3, hours=1), "bidder1", "8600000.00"),
        (timedelta(days=9, hours=6), "bidder3", "8800000.00"),
        (timedelta(days=15, hours=2), "bidder2", "9000000.00"),
        (timedelta(days=22, hours=4), "bidder1", "9200000.00"),
        (LIVE.opens - timedelta(hours=3), "bidder2", "9400000.00"),
    ]:
        listing.at(after)
        listing.bid(bidder, amount)
    listing.go_on(*BIDDERS)  # at the end of the period, a timed round among the three
    return listing.id
