"""The award stage in ``prex demo``: two past engineering tenders carried through it for real.

A committee is defined before the bid deadline (its seed committed), drawn after it from
the demo experts of the tender's centre (main venue) and the province (sub venue), and
every drawn member confirms. Both venues keep their evaluation rooms (评标室) on the
platform, so before each draw the Hangzhou operator books the main venue's seats and the
province's operator (``operator_zj``) the sub venue's (远程异地评标: each centre books its own
rooms). Each sitting expert gets an account (``expert1``, ``expert2``, … ; 张工 keeps
``expert``) linked to its registry entry and a personal SM2 signing certificate of its own
ID number from the GM demo CA (``demo-pki/expertN.pem``). After the opening the centre
starts the evaluation, the members send their review and score sheets, the centre
completes it and draws up the report, and every member signs the report's canonical bytes.
Then the agency publishes the candidates (3 days of publicity); for the tender carried to
the end a losing bidder objects, signed with its organisation certificate, the tenderer
answers, signed with its own (``demo-pki/tenderer.pem``), the tenderer issues the award
notice once publicity is over, signs the contract and the winner countersigns it.

Everything goes through the same service functions as the API (``web/api/evaluation.py`` and
``web/api/award.py``), each under a unit of work of the actor who may do it, on the demo's
:class:`~prex.shared.clock.FixedClock`, which this module moves forward by hours and days.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from importlib import resources
from typing import Any

from sqlalchemy import select

from prex.award import awarding, reporting
from prex.award.awarding import ContractTerms
from prex.bootstrap import Services
from prex.evaluation import entries
from prex.evaluation import service as evaluation
from prex.experts import committee, csv_import, venues
from prex.experts import registry as experts
from prex.experts.committee_orm import committee_draws, committee_members
from prex.experts.draw import CommitteeSpec, Quota, Venue
from prex.identity import service as identity
from prex.identity.orm import organisations
from prex.identity.policy import Actor, Role
from prex.pki.certs import parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.demo import DemoPki, issue_organisation, issue_person
from prex.pki.keys import PrivateKey
from prex.shared.clock import FixedClock
from prex.tenders.orm import tenders as tenders_orm
from prex.tenders.service import get_tender_for

#: The province's operator: the sub venue of every committee books its own seats.
PROVINCE_OPERATOR = "operator_zj"
#: (centre: "hz" the tender's centre, "zj" the province; room name; seats) of the demo rooms.
ROOMS = (("hz", "第1评标室", 9), ("hz", "第2评标室", 5), ("zj", "远程异地评标室", 6))

#: The tenderer's certificate in ``demo-pki`` (杭州城市建设投资集团, the tenderer of both).
TENDERER_LABEL = "tenderer"
OBJECTION = "对第一中标候选人的施工组织设计评分有异议，请求评标委员会复核。"
ANSWER = "经复核，评标委员会对施工组织设计的评分符合招标文件评标办法，异议不成立。"


@dataclass
class Cast:
    """Who acts in the award stage of the demo, and what the steps need from the seed."""

    services: Services
    clock: FixedClock
    pki: DemoPki
    now: datetime  # the demo's present: certificates are valid around it
    admin: Actor
    password: str  # of every demo account
    province_id: str  # the sub venue of every committee
    usccs: dict[str, str]  # organisation key (bidder1, tenderer_hz …) → credit code
    experts: dict[str, str]  # expert name → expert id
    actor: Callable[[str], Actor]  # username → that user, signed in (once)
    # expert id → (username, certificate label in demo-pki); filled as members are seated
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)
    rooms: dict[str, str] = field(default_factory=dict)  # centre id → the room its seats are in

    def sign(self, label: str, data: bytes) -> str:
        """A detached signature of ``data`` with the ``demo-pki/<label>`` certificate and key,
        base64 as the API takes it: what ``prex sig sign --cert … --key …`` makes offline."""
        cert, *chain = parse_certificates(self.pki.files[label].read_bytes())
        key = PrivateKey.load((self.pki.directory / f"{label}.key").read_bytes())
        der = sign_detached(data, cert, key, chain=chain, signing_time=self.clock.now())
        return base64.b64encode(der).decode()

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))


@dataclass(frozen=True)
class Outcome:
    """What the award stage of one tender produced, for the summary and for tests."""

    tender_id: str
    judges: tuple[str, ...]  # the sitting members' usernames
    winner: str  # organisation key of the first candidate (of the first section)
    objector: str | None = None


def define_committee(cast: Cast, tender_id: str) -> str:
    """The Hangzhou operator defines the committee before the deadline — main venue the
    tender's centre (2 members of specialty A, 1 standby), sub venue the province (3 + 1) —
    and the seed's SHA-256 is public from now on; returns it."""
    with cast.services.read_session() as session:
        centre_id = session.execute(
            select(tenders_orm.c.centre_id).where(tenders_orm.c.id == tender_id)
        ).scalar_one()
    spec = CommitteeSpec(
        venues=(
            Venue(centre_id, (Quota("A", 2, 1),)),
            Venue(cast.province_id, (Quota("A", 3, 1),)),
        )
    )
    defined = committee.define_committee(
        cast.services.uow(cast.actor("operator")), cast.services, tender_id, spec
    )
    return str(defined["seed_sha256"])


def register_rooms(cast: Cast) -> None:
    """Each venue's operator registers its evaluation rooms (:data:`ROOMS`); the first of each
    centre is where the demo books its seats."""
    for where, name, seats in ROOMS:
        actor = cast.actor("operator" if where == "hz" else PROVINCE_OPERATOR)
        assert actor.centre_id is not None
        room = venues.register_room(cast.services.uow(actor), actor.centre_id, name, seats)
        cast.rooms.setdefault(actor.centre_id, str(room["id"]))


def book_seats(cast: Cast, tender_id: str) -> None:
    """Each venue's operator books seats for its members in its room, for the evaluation day:
    from an hour after the bid deadline (or after now, past it) for eight hours."""
    services = cast.services
    with services.read_session() as session:
        deadline, spec = session.execute(
            select(tenders_orm.c.bid_deadline, committee_draws.c.spec)
            .join(committee_draws, committee_draws.c.tender_id == tenders_orm.c.id)
            .where(tenders_orm.c.id == tender_id)
        ).one()
    starts_at = max(deadline, cast.clock.now()) + timedelta(hours=1)
    for venue in CommitteeSpec.from_json(spec).venues:
        actor = cast.actor(PROVINCE_OPERATOR if venue.centre_id == cast.province_id else "operator")
        venues.book_seats(
            services.uow(actor),
            services,
            tender_id,
            cast.rooms[venue.centre_id],
            venue.members,
            starts_at,
            starts_at + timedelta(hours=8),
        )


def seat_committee(cast: Cast, tender_id: str) -> list[str]:
    """After the deadline: the venues book their seats, draw, give every drawn member an
    account and a signing certificate, and record each one's confirmation. Returns the sitting
    members' usernames."""
    services, operator = cast.services, cast.actor("operator")
    book_seats(cast, tender_id)
    committee.draw_committee(services.uow(operator), services, tender_id)
    with services.read_session() as session:
        drawn = session.execute(
            select(committee_members.c.id, committee_members.c.expert_id)
            .where(
                committee_members.c.tender_id == tender_id,
                committee_members.c.role == "member",
            )
            .order_by(committee_members.c.draw_order)
        ).all()
    judges = [_account(cast, member.expert_id) for member in drawn]
    cast.later(hours=1)
    for member in drawn:
        committee.respond(services.uow(operator), services, member.id, "confirmed")
    return judges


def _account(cast: Cast, expert_id: str) -> str:
    """The expert's account (made and linked on first need) and its personal certificate."""
    if expert_id in cast.accounts:
        return cast.accounts[expert_id][0]
    name = next(n for n, i in cast.experts.items() if i == expert_id)
    if name == "张工":  # the demo's own expert account and certificate (prex.pki.demo)
        cast.accounts[expert_id] = ("expert", "expert")
        return "expert"
    username = f"expert{sum(1 for u, _ in cast.accounts.values() if u != 'expert') + 1}"
    user_id = identity.create_user(
        cast.services.uow(cast.admin),
        username=username,
        password=cast.password,
        display_name=f"评标专家 {name}",
        roles=[Role.EXPERT.value],
        org_id=None,
        centre_id=cast.province_id,
        email=f"{username}@example.com",
    )
    experts.link_account(cast.services.uow(cast.admin), expert_id, user_id)
    issue_person(cast.pki, username, name, _id_numbers()[name], cast.now)
    cast.accounts[expert_id] = (username, username)
    return username


def _id_numbers() -> dict[str, str]:
    """The demo experts' resident ID numbers, from the same CSV the registry imported (the
    registry itself keeps only their keyed digests)."""
    data = (resources.files("prex.experts") / "data" / "demo-experts.csv").read_bytes()
    return {row.name: row.id_number for row in csv_import.parse_csv(data).rows}


def evaluate(cast: Cast, tender_id: str, judges: list[str], *, favourite: str) -> None:
    """The evaluation after a published opening record: the centre starts it, every member
    passes every bid on every review item and scores the subjective criteria — the
    ``favourite`` bidder best, the others a few points apart, each member within a step of
    the others (no deviation to justify) — and the centre completes it and draws up the report,
    which every member then signs with its personal certificate."""
    services, operator = cast.services, cast.actor("operator")
    cast.later(hours=1)
    evaluation.start_evaluation(services.uow(operator), services, tender_id)
    room = evaluation.room_of(services, operator, tender_id)
    items = [r["id"] for r in room["method"]["review"]]
    criteria = [c for c in room["method"]["criteria"] if c["kind"] == "subjective"]
    rank = {cast.usccs[favourite]: Decimal("0.9")}
    cast.later(hours=1)
    for judge in judges:
        marks = [
            {"bid_id": b["bid_id"], "item": item, "passed": True, "reason": ""}
            for b in room["bids"]
            for item in items
        ]
        entries.submit_review(services.uow(cast.actor(judge)), services, tender_id, marks)
    cast.later(hours=2)
    for n, judge in enumerate(judges):
        scores = [
            {
                "bid_id": b["bid_id"],
                "criterion": c["id"],
                "score": _score(c, rank.get(b["bidder_uscc"], Decimal("0.8")), (n + i) % 3 - 1),
            }
            for i, b in enumerate(room["bids"])
            for c in criteria
        ]
        entries.submit_scores(services.uow(cast.actor(judge)), services, tender_id, scores)
    cast.later(hours=1)
    evaluation.complete_evaluation(services.uow(operator), services, tender_id)
    reporting.draw_up(services.uow(operator), services, tender_id)
    cast.later(hours=1)
    data = base64.b64decode(reporting.report_of(services, operator, tender_id)["to_sign"])
    for judge in judges:
        label = next(lbl for user, lbl in cast.accounts.values() if user == judge)
        reporting.sign(services.uow(cast.actor(judge)), services, tender_id, cast.sign(label, data))


def _score(criterion: dict[str, Any], share: Decimal, jitter: int) -> str:
    """``share`` of the criterion's points on its step, moved ``jitter`` steps (kept in range)."""
    step, top = Decimal(criterion["step"]), Decimal(criterion["maximum"])
    base = (top * share / step).to_integral_value(ROUND_FLOOR) * step
    return str(min(top, max(Decimal(criterion["minimum"]), base + jitter * step)))


def publish(cast: Cast, tender_id: str) -> dict[str, Any]:
    """The agency publishes the signed result: the candidates' publicity starts (3 days); the
    centre reveals the draw's seed with it, so that anyone can replay the draw."""
    services = cast.services
    published = reporting.publish(services.uow(cast.actor("agency")), services, tender_id)
    committee.reveal(services.uow(cast.actor("operator")), services, tender_id)
    return published


def first_candidates(cast: Cast, tender_id: str) -> list[tuple[str, str, str]]:
    """(section id, organisation key of the first candidate, of the second) per section with
    candidates, from the published result."""
    published = awarding.published_of(cast.services, tender_id)
    by_uscc = {uscc: key for key, uscc in cast.usccs.items()}
    found = []
    for section in published["sections"]:
        ranked = [by_uscc[c["bidder_uscc"]] for c in section["candidates"]]
        if ranked:
            found.append((section["section_id"], ranked[0], ranked[1] if len(ranked) > 1 else ""))
    return found


def object_and_answer(cast: Cast, tender_id: str, objector: str) -> None:
    """During publicity a losing bidder objects, signed with its organisation certificate; the
    tenderer answers within the rule pack's 3 days, signed with its own."""
    services = cast.services
    filed = awarding.file_objection(
        services.uow(cast.actor(objector)),
        services,
        tender_id,
        OBJECTION,
        cast.sign(objector, awarding.objection_bytes(tender_id, OBJECTION)),
    )
    cast.later(days=1, hours=2)
    awarding.answer_objection(
        services.uow(cast.actor("tenderer")),
        services,
        filed["id"],
        ANSWER,
        cast.sign(TENDERER_LABEL, awarding.answer_bytes(filed["id"], ANSWER)),
    )


def award_and_contract(cast: Cast, tender_id: str, section_id: str, winner: str) -> None:
    """After publicity: the award notice (platform-signed, timestamped), the contract on the
    award's terms signed by the tenderer and countersigned by the winner — complete."""
    services, tenderer = cast.services, cast.actor("tenderer")
    notice = awarding.issue_award(services.uow(tenderer), services, tender_id, section_id)
    cast.later(days=9)
    today = cast.clock.now().date()
    terms = ContractTerms(
        value=Decimal(notice["notice"]["price"]),
        signed_on=today,
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=372),
    )
    tender = get_tender_for(services.uow(tenderer), tender_id)
    _document, data = awarding.contract_to_sign(
        services, tender, section_id, tenderer.org_id, terms
    )
    awarding.record_contract(
        services.uow(tenderer),
        services,
        tender_id,
        section_id,
        terms,
        cast.sign(TENDERER_LABEL, data),
    )
    cast.later(days=1)
    awarding.countersign_contract(
        services.uow(cast.actor(winner)), services, tender_id, section_id, cast.sign(winner, data)
    )


def carry_to_contract(cast: Cast, tender_id: str, judges: list[str], favourite: str) -> Outcome:
    """A tender after its opening, through evaluation, publicity with an answered objection,
    the award and the countersigned contract (complete)."""
    _tenderer_certificate(cast)
    evaluate(cast, tender_id, judges, favourite=favourite)
    cast.later(hours=20)
    publicity = publish(cast, tender_id)
    (section_id, winner, second), *_ = first_candidates(cast, tender_id)
    cast.later(days=1)
    object_and_answer(cast, tender_id, second)
    cast.clock.set(datetime.fromisoformat(publicity["publicity_until"]) + timedelta(hours=1))
    award_and_contract(cast, tender_id, section_id, winner)
    return Outcome(tender_id, tuple(judges), winner, second)


def carry_to_publicity(cast: Cast, tender_id: str, judges: list[str], favourite: str) -> Outcome:
    """A tender after its opening, through evaluation to its candidates' publicity (the
    tenderer's certificate is there to answer an objection a newcomer files)."""
    _tenderer_certificate(cast)
    evaluate(cast, tender_id, judges, favourite=favourite)
    cast.later(hours=20)
    publish(cast, tender_id)
    ((_section, winner, _second), *_) = first_candidates(cast, tender_id)
    return Outcome(tender_id, tuple(judges), winner)


def _tenderer_certificate(cast: Cast) -> None:
    """``demo-pki/tenderer.pem``: 杭州城市建设投资集团's signing certificate, made once."""
    if TENDERER_LABEL not in cast.pki.files:
        with cast.services.read_session() as session:
            name = session.execute(
                select(organisations.c.name).where(
                    organisations.c.uscc == cast.usccs["tenderer_hz"]
                )
            ).scalar_one()
        issue_organisation(cast.pki, TENDERER_LABEL, name, cast.usccs["tenderer_hz"], cast.now)
