"""The demo's data-quality feeds: its three cities push data-spec records to the province
through the real ingestion path, so that ``/quality`` ranks something.

The demo instance is the province, so there is no real city platform to push; each city gets a
platform signing certificate from the demo RSA CA, is registered as an upstream platform, and
pushes tenders made by the real builders (:func:`demo_tender`), signed, at the moment each stage
happened plus the city's habitual delay — :func:`receive_records` verifies and stores them as it
would a real push. The tenders are demo data, like every other tender of the demo, and differ
by city on purpose: Hangzhou pushes within hours and completely; Ningbo pushes days late and
once without the agency; Wenzhou is quick but leaves one tender without a result and reports a
result notice whose amount is not the winner's bid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from prex.audit.chain import canonical_json
from prex.bootstrap import Services
from prex.exchange.dataspec.builders import tender_records
from prex.exchange.dataspec.inbound import receive_records, register_platform
from prex.exchange.dataspec.model import (
    CandidateFacts,
    ExpertFacts,
    Header,
    NoticeFacts,
    OpenedBidFacts,
    OpeningFacts,
    Party,
    ResultFacts,
    SectionFacts,
    TenderFacts,
)
from prex.exchange.dataspec.outbound import idempotency_key
from prex.exchange.dataspec.schemas import DATASETS
from prex.exchange.quality import score_quality
from prex.identity.policy import Actor
from prex.identity.uscc import make_uscc
from prex.pki.cms import sign_detached
from prex.pki.demo import DemoPki, issue_organisation
from prex.shared.clock import FixedClock
from prex.tenders.deal_code import make_deal_code

STAGES = ("published", "opened", "result", "notice")
Built = list[tuple[str, dict[str, Any]]]


def demo_tender(
    platform: str,
    serial: int,
    published: datetime,
    *,
    division: str = "330100",
    stage: str = "notice",
    agency: bool = True,
    procurement: bool = False,
    notice_price: Decimal | None = None,
) -> Built:
    """The records of one tender of ``platform``, parents first, up to ``stage``. The bid
    deadline is 20 days after ``published``, the candidates 3 days after it, the result notice
    7 days after it; each record's DATA_TIMESTAMP is its stage's moment. ``agency=False``
    leaves the (recommended) agency fields out; ``notice_price`` makes the notice disagree
    with the winner's bid."""
    tenderer = Party(f"城投集团{division}", make_uscc(f"91{division}{1 + serial % 7:09d}"))
    deal = make_deal_code(tenderer.uscc, published.date(), serial)
    bidders = [Party(f"投标人{i}", make_uscc(f"91{division}{200 + i:09d}")) for i in range(3)]
    deadline = published + timedelta(days=20)
    facts = TenderFacts(
        deal_code=deal,
        procurement=procurement,
        open_method=True,
        title=f"道路改造工程{serial}施工招标公告",
        project_name=f"道路改造工程{serial}",
        region_code=f"{division[:4]}02",
        tenderer=tenderer,
        agency=Party("招标代理有限公司", make_uscc(f"91{division}000000099")) if agency else None,
        budget=Decimal("12000000.00"),
        published_at=published,
        bid_deadline=deadline,
        status="published",
        status_changed_at=published,
        status_note="",
        sections=(
            SectionFacts("s1", 1, "一标段", Decimal("12000000.00"), Decimal("11000000.00"), 365),
        ),
    )
    reached = STAGES.index(stage)
    if reached >= 1:
        bids = tuple(
            OpenedBidFacts(
                "s1", b, Decimal(10000000 + 100000 * i), 300, "guarantee", deadline, "opened"
            )
            for i, b in enumerate(bidders)
        )
        facts = replace(facts, opening=OpeningFacts(deadline, "ab" * 32, bids))
    if reached >= 2:
        result_at = deadline + timedelta(days=3)
        candidates = tuple(
            CandidateFacts("s1", i + 1, b, Decimal(10000000 + 100000 * i), Decimal(10000000))
            for i, b in enumerate(bidders)
        )
        experts = tuple(ExpertFacts(i, f"专家{i}", "A08", "省中心") for i in range(1, 6))
        result = ResultFacts(result_at, result_at + timedelta(days=3), candidates, experts)
        facts = replace(facts, result=result)
    if reached >= 3:
        price = notice_price if notice_price is not None else Decimal(10000000)
        notice = NoticeFacts("s1", bidders[0], price, deadline + timedelta(days=7))
        facts = replace(facts, notices=(notice,))
    stamps = {
        "TENDER_LIST": deadline,
        "BID_OPENING_RECORD": deadline,
        "BID_EVALUATION_EXPERT": deadline + timedelta(days=3),
        "WIN_CANDIDATE": deadline + timedelta(days=3),
        "RESULT_NOTICE": deadline + timedelta(days=7),
    }
    return [
        (name, {**record, "DATA_TIMESTAMP": stamps.get(name, published).isoformat()})
        for name, record in tender_records(facts, Header(platform, "PSP330000", published))
    ]


def stamped(record: dict[str, Any]) -> datetime:
    """When the event a record reports was recorded (its DATA_TIMESTAMP)."""
    return datetime.fromisoformat(record["DATA_TIMESTAMP"])


def entry(dataset: str, record: dict[str, Any], version: int = 1) -> dict[str, Any]:
    """A record as a push carries it, with its idempotency key."""
    key = DATASETS[dataset].key_of(record)
    return {
        "idempotency_key": idempotency_key(dataset, key, version),
        "dataset": dataset,
        "version": version,
        "record": record,
    }


@dataclass(frozen=True)
class _City:
    code: str
    name: str
    division: str
    delay: timedelta  # its habitual delay from an event to the push


CITIES = (
    _City("PREX330100", "杭州市公共资源交易中心", "330100", timedelta(hours=2)),
    _City("PREX330200", "宁波市公共资源交易中心", "330200", timedelta(days=3)),
    _City("PREX330300", "温州市公共资源交易中心", "330300", timedelta(hours=5)),
)


def _deals(city: _City, now: datetime) -> list[Built]:
    """Five tenders a fortnight apart, each as far as time has gone; the defects per city."""
    made = []
    for n in range(5):
        published = now - timedelta(days=100 - 15 * n)
        passed = sum(
            1 for days in (0, 20, 23, 27) if published + timedelta(days=days) <= now - city.delay
        )
        stage = STAGES[max(passed - 1, 0)]
        options: dict[str, Any] = {"division": city.division, "stage": stage}
        if city.code == "PREX330200" and n == 1:
            options["agency"] = False
        if city.code == "PREX330300" and n == 0:
            options["stage"] = "opened"  # never reaches a result
        if city.code == "PREX330300" and n == 2:
            options["notice_price"] = Decimal("9800000")
        made.append(
            demo_tender(city.code, 10 * int(city.division[2:4]) + n + 1, published, **options)
        )
    return made


def seed_quality_feeds(services: Services, pki: DemoPki, *, now: datetime, admin: Actor) -> int:
    """Register the cities as platforms and push their tenders here, stage by stage at the
    time each happened plus the city's delay; score them as of ``now``; the clock is put back
    where it was. Returns the records accepted."""
    clock = services.clock
    if not isinstance(clock, FixedClock):
        raise TypeError("the demo's feeds move time: give it services with a FixedClock")
    accepted, started = 0, clock.now()
    for city in CITIES:
        uscc = make_uscc(f"12{city.division}MB0Q{int(city.division[2:4]):05d}")
        cert, key = issue_organisation(pki, f"platform-{city.code}", city.name, uscc, now)
        chain = [
            c.intermediate
            for c in pki.cas.values()
            if c.intermediate.public_key.kind == cert.public_key.kind
        ]
        register_platform(
            services,
            services.uow(admin),
            code=city.code,
            name=city.name,
            certificate_pem=(cert.pem() + "".join(c.pem() for c in chain)).encode(),
            credit_code=uscc,
        )
        pushes: dict[datetime, list[dict[str, Any]]] = {}
        for built in _deals(city, now):
            for name, record in built:
                pushes.setdefault(stamped(record) + city.delay, []).append(entry(name, record))
        for at in sorted(pushes):
            clock.set(min(at, now))
            body = canonical_json({"platform_code": city.code, "records": pushes[at]})
            der = sign_detached(body, cert, key, chain=chain, signing_time=clock.now())
            answer = receive_records(services, services.uow(admin), body, der)
            accepted += int(answer["accepted"])
            score_quality(services)
    clock.set(now)
    score_quality(services)
    clock.set(started)
    return accepted
