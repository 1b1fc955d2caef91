"""Realistic data-spec records of tenders at every stage, made by the real builders, for the
data-quality tests: a platform, a deal serial and what has happened decide the records."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert

from prex.audit.chain import canonical_json
from prex.bootstrap import Services
from prex.exchange.dataspec.builders import tender_records
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
from prex.exchange.dataspec.orm import upstream_records
from prex.exchange.dataspec.outbound import idempotency_key
from prex.exchange.dataspec.schemas import DATASETS
from prex.tenders.deal_code import make_deal_code
from tests.factories import uscc_for

STAGES = ("published", "opened", "result", "notice")


def tender(
    platform: str,
    serial: int,
    published: datetime,
    *,
    stage: str = "notice",
    agency: bool = True,
    procurement: bool = False,
    notice_price: Decimal | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """The records of one tender of ``platform``, parents first, up to ``stage``; the bid
    deadline is 20 days after ``published``, the result 3 days after it, the notice 4 days
    after the result; each record's DATA_TIMESTAMP is its stage's moment. ``agency=False``
    leaves the recommended agency fields out."""
    tenderer = Party("杭州市城投集团", uscc_for("330100", 1 + serial % 7))
    deal = make_deal_code(tenderer.uscc, published.date(), serial)
    bidders = [Party(f"投标人{i}", uscc_for("330100", 200 + i)) for i in range(3)]
    deadline = published + timedelta(days=20)
    facts = TenderFacts(
        deal_code=deal,
        procurement=procurement,
        open_method=True,
        title=f"道路改造工程{serial}施工招标公告",
        project_name=f"道路改造工程{serial}",
        region_code="330106",
        tenderer=tenderer,
        agency=Party("杭州钱塘招标代理有限公司", uscc_for("330100", 99)) if agency else None,
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
    if STAGES.index(stage) >= 1:
        bids = tuple(
            OpenedBidFacts(
                "s1", b, Decimal(10000000 + 100000 * i), 300, "guarantee", deadline, "opened"
            )
            for i, b in enumerate(bidders)
        )
        facts = replace(facts, opening=OpeningFacts(deadline, "ab" * 32, bids))
    if STAGES.index(stage) >= 2:
        result_at = deadline + timedelta(days=3)
        candidates = tuple(
            CandidateFacts("s1", i + 1, b, Decimal(10000000 + 100000 * i), Decimal(10000000))
            for i, b in enumerate(bidders)
        )
        experts = tuple(ExpertFacts(i, f"专家{i}", "A08", "省中心") for i in range(1, 6))
        facts = replace(
            facts,
            result=ResultFacts(result_at, result_at + timedelta(days=3), candidates, experts),
        )
    if STAGES.index(stage) >= 3:
        price = notice_price if notice_price is not None else Decimal(10000000)
        issued = deadline + timedelta(days=7)
        facts = replace(facts, notices=(NoticeFacts("s1", bidders[0], price, issued),))
    header = Header(platform, "PSP330000", published)
    stamps = {
        "TENDER_LIST": deadline,
        "BID_OPENING_RECORD": deadline,
        "BID_EVALUATION_EXPERT": deadline + timedelta(days=3),
        "WIN_CANDIDATE": deadline + timedelta(days=3),
        "RESULT_NOTICE": deadline + timedelta(days=7),
    }
    return [
        (name, {**record, "DATA_TIMESTAMP": stamps.get(name, published).isoformat()})
        for name, record in tender_records(facts, header)
    ]


def stamped(record: dict[str, Any]) -> datetime:
    """When the event a record reports was recorded (its DATA_TIMESTAMP)."""
    return datetime.fromisoformat(record["DATA_TIMESTAMP"])


def entry(dataset: str, record: dict[str, Any], version: int = 1) -> dict[str, Any]:
    key = DATASETS[dataset].key_of(record)
    return {
        "idempotency_key": idempotency_key(dataset, key, version),
        "dataset": dataset,
        "version": version,
        "record": record,
    }


def store(services: Services, platform: str, entries: list[dict[str, Any]]) -> None:
    """What ingestion stores for accepted records, written directly (for long generated streams
    where signing every batch would only slow the test down)."""
    import hashlib

    now = services.clock.now()
    with services.writer_session() as session:
        for e in entries:
            session.execute(
                insert(upstream_records).values(
                    platform_code=platform,
                    dataset=e["dataset"],
                    record_key=DATASETS[e["dataset"]].key_of(e["record"]),
                    version=e["version"],
                    deal_code=e["record"]["UNIFIED_DEAL_CODE"],
                    idempotency_key=e["idempotency_key"],
                    content_sha256=hashlib.sha256(canonical_json(e["record"])).hexdigest(),
                    record=e["record"],
                    received_at=now,
                )
            )
        session.commit()


def day(on: date) -> str:
    return on.isoformat()
