"""The demo province that ``prex demo`` (and so ``make run``) seeds.

Everything goes through the same services as real use, so the audit chain, the outbox and the
notifications of the demo are real too. The seed runs on a clock set back in time and moved
forward step by step, so that tenders sit in every status with believable dates. Two past
engineering tenders go through the award stage — committee, evaluation, signed report,
publicity, objection, award and contract — in :mod:`prex.demo_award`; three land listings (sold,
failed, in live bidding) in :mod:`prex.demo_auctions`.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from sqlalchemy import func, select

from prex import demo_auctions as auctions
from prex import demo_award as award
from prex.archive.service import build_archive
from prex.bidding.opening_keys import bid_parameters
from prex.bidding.submissions import receive_envelope
from prex.bootstrap import Services
from prex.demo_complaints import seed_complaint
from prex.demo_credit import seed_credit
from prex.demo_guarantees import seed_guarantee
from prex.demo_quality import seed_quality_feeds
from prex.envelope.release import release_share
from prex.envelope.threshold import Commitments
from prex.experts import csv_import
from prex.experts import registry as experts
from prex.identity import service as identity
from prex.identity.divisions import division_name
from prex.identity.orm import centres
from prex.identity.policy import Actor, Role
from prex.identity.uscc import make_uscc
from prex.integrations import service as integrations
from prex.opening import service as opening
from prex.pki.demo import DemoPki, seed_demo_custodians, seed_demo_pki
from prex.pki.keys import PrivateKey
from prex.sealing.client import BidForm, seal_bid
from prex.sealing.fingerprint import MachineIds
from prex.shared.clock import Clock, FixedClock
from prex.tenders import service as tenders
from prex.tenders.model import (
    AmendmentKind,
    DocumentKind,
    EnquiryKind,
    EvaluationMethod,
    TenderStatus,
    TransactionType,
)

DEMO_PASSWORD = "prex-demo-2026"
SEED_ACTOR = Actor(
    user_id="demo-seed", label="demo seed", roles=frozenset({Role.ADMIN}), address="127.0.0.1"
)

PROVINCE = ("浙江省公共资源交易中心", "330000", "PREX330000")
CITIES = [
    ("杭州市公共资源交易中心", "330100", "PREX330100"),
    ("宁波市公共资源交易中心", "330200", "PREX330200"),
    ("温州市公共资源交易中心", "330300", "PREX330300"),
]

# (username, display name, role, organisation key)
USERS = [
    ("admin", "平台管理员", Role.ADMIN, None),
    ("operator", "杭州中心 值班员", Role.OPERATOR, "centre_hz"),
    ("supervisor", "杭州市住建局 监督员", Role.SUPERVISOR, "supervisor_hz"),
    ("tenderer", "杭州城建集团 项目部", Role.TENDERER, "tenderer_hz"),
    ("purchaser", "宁波市第二医院 采购办", Role.TENDERER, "purchaser_nb"),
    ("agency", "浙江正信招标代理 经办人", Role.AGENCY, "agency"),
    ("bidder1", "之江建设 投标专员", Role.BIDDER, "bidder1"),
    ("bidder2", "钱塘路桥 投标专员", Role.BIDDER, "bidder2"),
    ("bidder3", "瓯江建工 投标专员", Role.BIDDER, "bidder3"),
    ("bidder4", "甬信医疗设备 投标专员", Role.BIDDER, "bidder4"),
    ("expert", "评标专家 张工", Role.EXPERT, "expert_employer"),
]

# The province's operator (user award.PROVINCE_OPERATOR): books the sub venue's seats.
PROVINCE_OPERATOR_NAME = "浙江省中心 值班员"

# (key, name, division, kinds, organisation-code serial)
ORGANISATIONS = [
    ("centre_hz", "杭州市公共资源交易中心", "330100", ["centre"], "MB0A1C2D3"),
    ("supervisor_hz", "杭州市住房和城乡建设局", "330100", ["supervisor"], "MB0B2C3D4"),
    ("tenderer_hz", "杭州城市建设投资集团有限公司", "330100", ["tenderer"], "MA2H0K1L5"),
    ("purchaser_nb", "宁波市第二医院", "330200", ["tenderer"], "MB1N2P3Q6"),
    ("tenderer_wz", "温州市交通投资集团有限公司", "330300", ["tenderer"], "MA3W4X5Y7"),
    ("agency", "浙江正信工程招标代理有限公司", "330100", ["agency"], "MA4A5B6C8"),
    ("bidder1", "浙江之江建设工程有限公司", "330100", ["bidder"], "MA5D6E7F9"),
    ("bidder2", "杭州钱塘路桥建设有限公司", "330100", ["bidder"], "MA6G7H8J0"),
    ("bidder3", "温州瓯江建工集团有限公司", "330300", ["bidder"], "MA7K8L9M1"),
    ("bidder4", "宁波甬信医疗设备有限公司", "330200", ["bidder"], "MA8N9P0Q2"),
    ("expert_employer", "浙江省建筑设计研究院", "330100", ["expert_employer"], "MA9R0T1U3"),
]


@dataclass
class DemoSeed:
    """Ids of what was seeded, for the printed summary and for tests."""

    centre_ids: dict[str, str] = field(default_factory=dict)
    org_ids: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, str] = field(default_factory=dict)
    tenders: dict[str, str] = field(default_factory=dict)  # label → tender id
    experts: dict[str, str] = field(default_factory=dict)  # name → expert id
    pki: DemoPki | None = None
    # label (complete, publicity) → what its award stage produced (demo_award)
    awards: dict[str, award.Outcome] = field(default_factory=dict)
    cast: award.Cast | None = None
    listings: dict[str, str] = field(default_factory=dict)  # sold, failed, live → listing id
    complaint: str | None = None  # the complaint suspending the tender in publicity
    credit: dict[str, str] = field(default_factory=dict)  # blacklist, reward → credit record id
    archive_id: str | None = None  # the completed tender's electronic archive (电子档案)
    # A broker's machine client (docs/integration.md): (client id, secret, shown once)
    integration: tuple[str, str] | None = None
    guarantee_id: str | None = None  # bidder1's electronic guarantee in the open tender
    signed_in: dict[str, Actor] = field(default_factory=dict, repr=False)  # username → actor

    @property
    def expert_accounts(self) -> list[tuple[str, str]]:
        """(username, expert name) of the committee members' accounts the seed made (张工's
        ``expert`` is one of :data:`USERS`)."""
        if self.cast is None:
            return []
        names = {i: n for n, i in self.experts.items()}
        made = ((u, names[e]) for e, (u, _label) in self.cast.accounts.items() if u != "expert")
        return sorted(made, key=lambda account: int(account[0].removeprefix("expert")))


def already_seeded(services: Services) -> bool:
    with services.read_session() as session:
        return bool(session.execute(select(func.count()).select_from(centres)).scalar())


def _actor(services: Services, seed: DemoSeed, username: str) -> Actor:
    """Sign in as a demo user (a real session, as the web would), once per user: a sign-in
    checks the password hash, which is most of the seed's time when repeated. Each user comes
    from an address of its own (a documentation range, RFC 5737), as real users would: the
    collusion screens compare upload addresses."""
    if username not in seed.signed_in:
        address = f"198.51.100.{10 + len(seed.signed_in)}"
        credential = identity.sign_in(
            services.uow(Actor(address="127.0.0.1")),
            username=username,
            password=DEMO_PASSWORD,
            kind="token",
            lifetime=timedelta(days=1),
            label="demo seed",
        )
        with services.read_session() as session:
            seed.signed_in[username] = identity.actor_for_secret(
                session, credential.secret, services.clock.now(), address
            )
    return seed.signed_in[username]


def seed_demo(services: Services, *, now: datetime) -> DemoSeed:
    """Seed the province. ``services.clock`` must be a :class:`FixedClock` (moved here)."""
    clock = services.clock
    if not isinstance(clock, FixedClock):
        raise TypeError("the demo seed moves time: give it services with a FixedClock")
    seed = DemoSeed()
    clock.set(now - timedelta(days=120))
    uow = services.uow
    province_id = identity.create_centre(
        uow(SEED_ACTOR),
        name=PROVINCE[0],
        division_code=PROVINCE[1],
        parent_id=None,
        platform_code=PROVINCE[2],
    )
    seed.centre_ids[PROVINCE[1]] = province_id
    for name, code, platform in CITIES:
        seed.centre_ids[code] = identity.create_centre(
            uow(SEED_ACTOR),
            name=name,
            division_code=code,
            parent_id=province_id,
            platform_code=platform,
        )
    for key, name, division, kinds, org_code in ORGANISATIONS:
        registration = "12" if key in ("centre_hz", "supervisor_hz", "purchaser_nb") else "91"
        seed.org_ids[key] = identity.register_organisation(
            uow(SEED_ACTOR),
            uscc=make_uscc(f"{registration}{division}{org_code}"),
            name=name,
            centre_id=seed.centre_ids["330100" if division == "330100" else division],
            kinds=kinds,
            contact_email=f"{key}@example.com",
        )
    for username, display, role, org_key in USERS:
        seed.user_ids[username] = identity.create_user(
            uow(SEED_ACTOR),
            username=username,
            password=DEMO_PASSWORD,
            display_name=display,
            roles=[role.value],
            org_id=seed.org_ids[org_key] if org_key else None,
            centre_id=seed.centre_ids["330100"],
            email=f"{username}@example.com",
        )
    # Certificates first: publishing a tender splits its opening key among custodians.
    seed.pki = seed_demo_pki(
        services,
        now=now,
        operator=_actor(services, seed, "operator"),
        bidders={
            key: (_actor(services, seed, key), _uscc_of(seed, key), _org_name(key))
            for key in ("bidder1", "bidder2", "bidder3")
        },
    )
    custodians = [
        identity.create_user(
            uow(SEED_ACTOR),
            username=f"custodian{n}",
            password=DEMO_PASSWORD,
            display_name=f"开标密钥保管人{n}",
            roles=[Role.SUPERVISOR.value],
            org_id=None,
            centre_id=province_id,
        )
        for n in range(1, 6)
    ]
    seed_demo_custodians(
        services, seed.pki, now=now, admin=SEED_ACTOR, users=custodians, centre_id=province_id
    )
    # The province's operator books the sub venue's seats of every committee.
    seed.user_ids[award.PROVINCE_OPERATOR] = identity.create_user(
        uow(SEED_ACTOR),
        username=award.PROVINCE_OPERATOR,
        password=DEMO_PASSWORD,
        display_name=PROVINCE_OPERATOR_NAME,
        roles=[Role.OPERATOR.value],
        org_id=None,
        centre_id=province_id,
        email=f"{award.PROVINCE_OPERATOR}@example.com",
    )
    # The registry before the tenders: the past ones draw their committees from it.
    _import_experts(services, seed)
    assert seed.pki is not None
    seed.cast = award.Cast(
        services=services,
        clock=clock,
        pki=seed.pki,
        now=now,
        admin=SEED_ACTOR,
        password=DEMO_PASSWORD,
        province_id=province_id,
        usccs={key: _uscc_of(seed, key) for key, *_ in ORGANISATIONS},
        experts=seed.experts,
        actor=lambda username: _actor(services, seed, username),
    )
    award.register_rooms(seed.cast)  # the venues' evaluation rooms (评标室)
    _seed_tenders(services, clock, seed, now)
    clock.set(now)
    _expert_states(services, seed, now)
    # The open engineering tender: its seed's SHA-256 is public now; after the deadline
    # `POST …/committee/draw` draws it (main venue Hangzhou, sub venue the province).
    # Its venues have booked their seats for the day after the deadline already.
    award.define_committee(seed.cast, seed.tenders["published"])
    award.book_seats(seed.cast, seed.tenders["published"])
    # Land listings: one sold, one failed, one in live bidding as the demo starts.
    seed.listings = auctions.seed_listings(seed.cast, centre_id=seed.centre_ids["330100"])
    # A complaint about the result in publicity: accepted, the tender suspended (complaints.md).
    seed.complaint = seed_complaint(seed.cast, seed.tenders["publicity"])
    # The cities push their data-spec records here, so /quality ranks them (demo_quality).
    seed_quality_feeds(services, seed.pki, now=now, admin=SEED_ACTOR)
    # One blacklisted supplier and one commended bidder on /credit (demo_credit).
    seed.credit = seed_credit(
        services,
        admin=SEED_ACTOR,
        supervisor=_actor(services, seed, "supervisor"),
        centre_id=seed.centre_ids["330100"],
        rewarded_org_id=seed.org_ids["bidder1"],
    )
    # The completed tender's archive, ready to download and `prex archive verify` (the worker
    # archives the failed and cancelled ones as it starts).
    built = build_archive(services.uow(SEED_ACTOR), services, seed.tenders["complete"])
    seed.archive_id = built.archive_id
    # A broker's portal registered as a machine client, to try the token endpoint with; it
    # subscribes itself to webhooks (prex.demo_broker starts examples/broker beside the demo).
    broker = integrations.register_client(
        services.uow(SEED_ACTOR),
        name="之江招投标服务平台（经纪）",
        org_id=seed.org_ids["agency"],
        scopes=["public.read", "bid.submit", "webhooks.manage"],
    )
    seed.integration = (broker.client_id, broker.secret)
    return seed


def _import_experts(services: Services, seed: DemoSeed) -> None:
    """The registry of the four centres, imported from ``experts/data/demo-experts.csv`` by the
    same code as ``prex experts import``; 张工 is the demo expert's account (and the holder of
    its personal certificate)."""
    data = (resources.files("prex.experts") / "data" / "demo-experts.csv").read_bytes()
    secret = services.settings.secret_key
    report = csv_import.import_experts(services.uow(SEED_ACTOR), data, secret=secret)
    if not report.ok:
        raise RuntimeError(f"the demo experts did not import: {report.rejected}")
    names = {row.line: row.name for row in csv_import.parse_csv(data).rows}
    seed.experts = {names[r.line]: str(r.expert_id) for r in report.results}
    experts.link_account(services.uow(SEED_ACTOR), seed.experts["张工"], seed.user_ids["expert"])
    experts.declare_interest(
        services.uow(SEED_ACTOR),
        seed.experts["李秀英"],
        uscc=_uscc_of(seed, "bidder2"),
        reason="配偶在该单位任项目经理",
    )


def _expert_states(services: Services, seed: DemoSeed, now: datetime) -> None:
    """As of today one expert is blacklisted and one away; with the interest declared at the
    import and the expert who works for a bidder, a draw has avoidance to show."""
    uow = services.uow
    today = now.astimezone(experts.CHINA).date()
    experts.blacklist_expert(
        uow(SEED_ACTOR),
        seed.experts["宋建平"],
        reason="2025年度评标专家考核不合格，暂停评标资格一年",
        source="浙江省发展和改革委员会 浙发改法规〔2026〕8号",
        start=today - timedelta(days=30),
        until=today + timedelta(days=335),
    )
    experts.set_unavailable(
        uow(SEED_ACTOR),
        seed.experts["王建国"],
        start=today - timedelta(days=2),
        until=today + timedelta(days=12),
        reason="出国学术交流",
    )


def _org_name(key: str) -> str:
    return next(name for k, name, *_ in ORGANISATIONS if k == key)


def _uscc_of(seed: DemoSeed, key: str) -> str:
    return next(
        make_uscc(f"91{division}{code}")
        for k, _name, division, _kinds, code in ORGANISATIONS
        if k == key
    )


def _doc(name: str, text: str) -> tenders.Upload:
    return tenders.Upload(name, "text/plain", [text.encode("utf-8")])


def _new_tender(
    services: Services,
    clock: FixedClock,
    actor: Actor,
    seed: DemoSeed,
    *,
    label: str,
    title: str,
    tenderer: str,
    region: str,
    ttype: TransactionType,
    method: str = "open",
    sections: list[dict[str, Any]],
    deadline_days: int = 25,
    sandbox: bool = False,
    invitees: tuple[str, ...] = (),
    publish: bool = True,
) -> str:
    budget = sum((s["budget"] for s in sections), Decimal("0"))
    project = tenders.register_project(
        services.uow(actor),
        tenders.RegisterProject(
            name=title.replace("招标", "").replace("采购", "") + "项目",
            transaction_type=ttype,
            region_code=region,
            tenderer_org_id=seed.org_ids[tenderer],
            agency_org_id=seed.org_ids["agency"],
            budget=budget,
            funding_source="财政资金",
            approval_ref="浙发改投资〔2026〕12号",
            sandbox=sandbox,
        ),
    )
    now = clock.now()
    tender = tenders.create_tender(
        services.uow(actor),
        services.rule_packs,
        tenders.CreateTender(
            project_id=project.id,
            method=method,
            title=title,
            description=(
                f"{title}已具备招标条件，现进行{'邀请' if method == 'invited' else '公开'}招标，"
                "欢迎符合条件的潜在投标人参加投标。投标人须通过本平台获取招标文件并在线递交电子投标文件。"
            ),
            qualification="具有独立法人资格；近三年无重大违法记录；具备相应资质和类似业绩。",
            evaluation_method=(
                EvaluationMethod.COMPREHENSIVE
                if ttype is TransactionType.PROCUREMENT
                else EvaluationMethod.LOWEST_PRICE
            ),
            bid_deadline=now + timedelta(days=deadline_days),
            documents_until=now + timedelta(days=12),
            sections=sections,
            opening_place=f"{division_name(region)} 公共资源交易中心 第2开标室（不见面开标）",
            invitee_org_ids=tuple(seed.org_ids[k] for k in invitees),
        ),
        sandbox_acceleration=services.settings.sandbox_acceleration,
    )
    document = tenders.store_upload(
        services.blobs,
        _doc(
            f"{title}-招标文件.txt",
            f"{title}\n招标文件（示例）\n第一章 招标公告\n第二章 投标人须知\n",
        ),
        DocumentKind.TENDER_DOCUMENTS,
        services.settings.max_document_bytes,
        now,
    )
    tenders.attach_document(services.uow(actor), tender.id, document)
    if publish:
        tenders.publish_tender(services.uow(actor), services.rule_packs, tender.id)
    seed.tenders[label] = tender.id
    return tender.id


def _demo_machine(bidder: str) -> MachineIds:
    """The demo runs every bidder on this one computer; each gets the identifiers of a machine
    of its own, so that only the collusion the demo plants shows as a shared fingerprint."""
    return MachineIds(
        macs=[f"02{hashlib.sha256(bidder.encode()).hexdigest()[:10]}"],
        cpu=f"Demo CPU {bidder}",
        disks=[f"ata-DEMO-{hashlib.sha256(bidder.encode()).hexdigest()[:12].upper()}"],
    )


def _bids(
    services: Services,
    seed: DemoSeed,
    clock: Clock,
    tender_id: str,
    prices: list[str],
    *,
    one_machine: tuple[str, ...] = (),
) -> None:
    """bidder1–3 seal (offline, with their own certificates) and submit a bid each for the
    first section, as the real client and endpoint do. Bidders named in ``one_machine`` seal on
    the same machine (the demo's planted collusion, art. 40, for the red-flag pages)."""
    assert seed.pki is not None
    folder = services.settings.data_dir / "demo-bids"
    folder.mkdir(parents=True, exist_ok=True)
    for n, price in enumerate(prices, start=1):
        bidder = f"bidder{n}"
        actor = _actor(services, seed, bidder)
        tender = tenders.get_tender_for(services.uow(actor), tender_id)
        params = bid_parameters(services, tender)
        document = folder / f"{bidder}-投标文件.txt"
        document.write_text(f"{_org_name(bidder)} 投标文件（演示）\n", encoding="utf-8")
        envelope = folder / f"{tender_id}-{bidder}.env"
        seal_bid(
            params,
            section_id=params.sections[0].id,
            form=BidForm.parse(
                price, 365, f"{bidder} 项目经理", "e_guarantee", f"EG-{n:04d}", f"0571-8800{n:04d}"
            ),
            documents=[document],
            certificate_pem=seed.pki.files[bidder].read_bytes(),
            key_pem=(seed.pki.directory / f"{bidder}.key").read_bytes(),
            out=envelope,
            now=clock.now(),
            bidder_uscc=_uscc_of(seed, bidder),
            machine=_demo_machine(one_machine[0] if bidder in one_machine else bidder),
        )
        receive_envelope(
            services.uow(actor),
            services,
            tender_id=tender_id,
            idempotency_key=f"demo-{tender_id}-{bidder}",
            upload=envelope,
        )
        envelope.unlink(missing_ok=True)  # kept: moved into the blob store
        document.unlink()


def _open(
    services: Services,
    seed: DemoSeed,
    tender_id: str,
    *,
    shares: int = 3,
    finish: bool = True,
) -> None:
    """A real opening: custodians release their shares (as `prex opening release` does, with
    their demo keys), bidders check in, the agency opens, a bidder confirms, the record is
    signed and published (which moves the tender to evaluation)."""
    assert seed.pki is not None, "the demo PKI is seeded before the tenders"
    escrow = services.pki.platform_keys().escrow_certificate
    for n in range(1, shares + 1):
        custodian = _actor(services, seed, f"custodian{n}")
        mine = opening.my_share(services, custodian, tender_id)
        index, blob = release_share(
            tender_id=tender_id,
            sealed_share=base64.b64decode(mine["sealed_share"]),
            custodian_key=PrivateKey.load((seed.pki.directory / f"custodian{n}.key").read_bytes()),
            commitments=Commitments.from_json(mine["commitments"]),
            escrow=escrow,
        )
        opening.release_share(services.uow(custodian), services, tender_id, index, blob)
    if not finish:
        return
    for bidder in ("bidder1", "bidder2"):
        opening.check_in(services.uow(_actor(services, seed, bidder)), services, tender_id)
    agency = _actor(services, seed, "agency")
    opening.open_bids(services.uow(agency), services, tender_id)
    bidder1 = _actor(services, seed, "bidder1")
    opening.make_statement(services.uow(bidder1), services, tender_id, "confirmation", "")
    opening.publish_record(services.uow(agency), services, tender_id)


def _sections(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "budget": Decimal(amount),
            "ceiling_price": Decimal(amount) * Decimal("0.96"),
            "qualification": "",
            "duration_days": 365,
        }
        for name, amount in pairs
    ]


def _seed_tenders(services: Services, clock: FixedClock, seed: DemoSeed, now: datetime) -> None:
    assert seed.cast is not None
    cast = seed.cast
    agency = _actor(services, seed, "agency")
    bidders = {b: _actor(services, seed, b) for b in ("bidder1", "bidder2", "bidder3")}
    system = Actor(user_id="system", label="system", address="127.0.0.1")

    def walk(tender_id: str, *steps: tuple[TenderStatus, str, int]) -> None:
        for status, note, days in steps:
            clock.advance(timedelta(days=days))
            tenders.advance_tender(services.uow(system), tender_id, status, note)

    def reach_deadline() -> None:
        tenders.run_due_transitions(services.uow, clock, services.rule_packs)

    # A completed engineering tender (about four months ago).
    clock.set(now - timedelta(days=110))
    done = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="complete",
        title="杭州市西湖区文教路道路提升改造工程施工招标",
        tenderer="tenderer_hz",
        region="330106",
        ttype=TransactionType.ENGINEERING,
        sections=_sections(("施工标段", "18600000.00")),
    )
    award.define_committee(cast, done)  # before the deadline: its seed is committed
    _bids(services, seed, clock, done, ["18250000.00", "18388000.00", "18412600.00"])
    # A failed one and an awarded one from the same weeks.
    failed = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="failed",
        title="温州市瓯海区中小学智慧校园设备采购招标",
        tenderer="tenderer_wz",
        region="330304",
        ttype=TransactionType.PROCUREMENT,
        sections=_sections(("一包 交互式显示设备", "2350000.00")),
    )
    _bids(services, seed, clock, failed, ["2298000.00", "2310000.00"])  # one short
    clock.advance(timedelta(days=10))
    awarded = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="awarded",
        title="宁波市第二医院医学影像设备采购项目招标",
        tenderer="purchaser_nb",
        region="330203",
        ttype=TransactionType.PROCUREMENT,
        sections=_sections(("一包 CT 设备", "8800000.00"), ("二包 DR 设备", "1650000.00")),
    )
    _bids(services, seed, clock, awarded, ["8650000.00", "8702000.00", "8733500.00"])
    clock.advance(timedelta(days=26))
    reach_deadline()
    # The award stage for real (demo_award): drawn, opened, evaluated, signed, published,
    # objected to and answered, awarded, contracted and countersigned.
    judges = award.seat_committee(cast, done)
    _open(services, seed, done)
    seed.awards["complete"] = award.carry_to_contract(cast, done, judges, favourite="bidder1")
    clock.set(now - timedelta(days=74))
    # `failed` had two bidders: the deadline commitment failed it (流标) by the rule pack.
    _open(services, seed, awarded)
    walk(
        awarded,
        (TenderStatus.PUBLICITY, "第一中标候选人：宁波甬信医疗设备有限公司", 3),
        (TenderStatus.AWARDED, "中标人：宁波甬信医疗设备有限公司", 4),
    )

    # In publicity and in evaluation: published about six weeks ago.
    clock.set(now - timedelta(days=40))
    publicity = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="publicity",
        title="杭州地铁三期配套公交首末站建设工程施工招标",
        tenderer="tenderer_hz",
        region="330100",
        ttype=TransactionType.ENGINEERING,
        sections=_sections(("一标段", "9600000.00"), ("二标段", "7200000.00")),
    )
    award.define_committee(cast, publicity)
    # bidder2 and bidder3 seal on one machine: the collusion the demo's supervisor (Hangzhou)
    # finds at /supervision/flags.
    _bids(
        services,
        seed,
        clock,
        publicity,
        ["9410000.00", "9450000.00", "9502000.00"],
        one_machine=("bidder2", "bidder3"),
    )
    clock.advance(timedelta(days=2))
    evaluation = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="evaluation",
        title="宁波市鄞州区社区卫生服务中心信息化建设采购招标",
        tenderer="purchaser_nb",
        region="330212",
        ttype=TransactionType.PROCUREMENT,
        sections=_sections(("一包 系统集成", "3200000.00")),
    )
    _bids(services, seed, clock, evaluation, ["3120000.00", "3150000.00", "3166000.00"])
    clock.set(now - timedelta(days=12))
    reach_deadline()
    judges = award.seat_committee(cast, publicity)
    _open(services, seed, publicity)
    _open(services, seed, evaluation)
    # Its committee sits three days ago; the candidates' publicity runs until tomorrow, so a
    # losing bidder may still object (docs/tender-end-to-end.md).
    clock.set(now - timedelta(days=3))
    seed.awards["publicity"] = award.carry_to_publicity(
        cast, publicity, judges, favourite="bidder2"
    )

    # Awaiting opening: its deadline passed yesterday.
    clock.set(now - timedelta(days=26))
    awaiting = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="opening",
        title="温州市鹿城区老旧小区改造（二期）工程监理招标",
        tenderer="tenderer_wz",
        region="330302",
        ttype=TransactionType.ENGINEERING,
        sections=_sections(("监理标段", "1280000.00")),
    )
    _bids(services, seed, clock, awaiting, ["1236000.00", "1248000.00", "1251500.00"])
    clock.set(now - timedelta(hours=20))
    reach_deadline()
    # Two of the three shares needed are in: the third custodian can finish it from the
    # command line (`prex opening release`) and the agency open it in the hall.
    _open(services, seed, awaiting, shares=2, finish=False)

    # Open for bids, with Q&A, a clarification and an invited tender.
    clock.set(now - timedelta(days=9))
    open1 = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="published",
        title="杭州市第一中学体育馆改造工程施工招标",
        tenderer="tenderer_hz",
        region="330102",
        ttype=TransactionType.ENGINEERING,
        deadline_days=30,
        sections=_sections(("施工一标段", "12500000.00")),
    )
    clock.advance(timedelta(days=1))
    for name, bidder in bidders.items():
        tenders.obtain_documents(services.uow(bidder), open1)
        if name == "bidder1":
            enquiry = tenders.ask_question(
                services.uow(bidder),
                services.rule_packs,
                open1,
                EnquiryKind.QUESTION,
                "招标文件第三章工程量清单中钢结构部分的计量单位是否为吨？",
            )
            clock.advance(timedelta(hours=20))
            tenders.answer_question(
                services.uow(agency),
                open1,
                enquiry,
                "是，钢结构以吨计量，详见澄清文件。",
                publish=True,
            )
    clock.advance(timedelta(days=1))
    tenders.issue_amendment(
        services.uow(agency),
        services.rule_packs,
        tenders.IssueAmendment(
            open1,
            AmendmentKind.CLARIFICATION,
            "关于钢结构计量单位及投标保证金缴纳方式的澄清。",
            affects_bids=True,
        ),
    )
    # bidder1's bond is an electronic guarantee of the demo guarantor (demo_guarantees).
    assert seed.pki is not None
    seed.guarantee_id = seed_guarantee(services, seed.pki, bidders["bidder1"], open1, now)
    clock.set(now - timedelta(days=3))
    _new_tender(
        services,
        clock,
        agency,
        seed,
        label="published_procurement",
        title="宁波市第二医院后勤社会化服务采购项目招标",
        tenderer="purchaser_nb",
        region="330203",
        ttype=TransactionType.PROCUREMENT,
        deadline_days=22,
        sections=_sections(("一包 保洁服务", "1860000.00"), ("二包 安保服务", "1420000.00")),
    )
    _new_tender(
        services,
        clock,
        agency,
        seed,
        label="invited",
        title="温州市瓯江大桥健康监测系统维护邀请招标",
        tenderer="tenderer_wz",
        region="330300",
        ttype=TransactionType.ENGINEERING,
        method="invited",
        deadline_days=21,
        invitees=("bidder1", "bidder2", "bidder3"),
        sections=_sections(("维护标段", "680000.00")),
    )

    # Cancelled after publication; a draft in preparation.
    clock.set(now - timedelta(days=6))
    cancelled = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="cancelled",
        title="杭州市拱墅区文化馆灯光音响设备采购招标",
        tenderer="tenderer_hz",
        region="330105",
        ttype=TransactionType.PROCUREMENT,
        sections=_sections(("一包", "960000.00")),
    )
    clock.advance(timedelta(days=2))
    tenders.cancel_tender(
        services.uow(agency), cancelled, "因采购需求发生重大变化，经采购人申请终止本次招标。"
    )
    clock.set(now - timedelta(hours=2))
    _new_tender(
        services,
        clock,
        agency,
        seed,
        label="draft",
        title="杭州市滨江区智慧停车系统建设工程招标（草稿）",
        tenderer="tenderer_hz",
        region="330108",
        ttype=TransactionType.ENGINEERING,
        sections=_sections(("一标段", "4300000.00")),
        publish=False,
    )

    # A sandbox (training) tender on the accelerated clock: its 20-day period passes in about
    # 20 real minutes while the demo runs, and the worker moves it to opening.
    clock.set(now)
    sandbox = _new_tender(
        services,
        clock,
        agency,
        seed,
        label="sandbox",
        title="【培训】模拟工程施工招标（加速时钟）",
        tenderer="tenderer_hz",
        region="330100",
        ttype=TransactionType.ENGINEERING,
        deadline_days=21,
        sandbox=True,
        sections=_sections(("培训标段", "1000000.00")),
    )
    _bids(services, seed, clock, sandbox, ["968000.00", "975000.00", "981000.00"])
