"""Dataset records from a deal's snapshot: pure functions, no database, no clock.

:func:`tender_records` and :func:`listing_records` give every record the deal has *now*; the
push consumer compares them with what it queued before and queues only new versions. A record is
a ``dict`` of UPPER_SNAKE fields (``schemas``) with amounts in 万元 as exact decimal text.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from prex.exchange.dataspec.model import (
    CreditFacts,
    Header,
    ListingFacts,
    Party,
    SectionFacts,
    TenderFacts,
)
from prex.shared.clock import ensure_utc

Record = dict[str, Any]
Built = tuple[str, Record]  # (dataset, record)


def wan(yuan: Decimal) -> Decimal:
    """Yuan → 万元, exactly: the decimal point moves four places and no digit is lost (2-place
    yuan become 6-place 万元: 7,900,000.00 → 790.000000). Never a float, never rounded."""
    return yuan.scaleb(-4)


def wan_text(yuan: Decimal | None) -> str | None:
    return None if yuan is None else format(wan(yuan), "f")


def _iso(moment: Any) -> str:
    return ensure_utc(moment).isoformat()


def section_code(deal_code: str, number: int) -> str:
    """标段编号: the deal code and the section's 3-digit number."""
    return f"{deal_code}{number:03d}"


def _common(header: Header, deal_code: str) -> Record:
    return {
        "PLATFORM_CODE": header.platform_code,
        "PUB_SERVICE_PLAT_CODE": header.pub_service_plat_code,
        "DATA_TIMESTAMP": _iso(header.data_timestamp),
        "UNIFIED_DEAL_CODE": deal_code,
    }


def _clean(record: Record) -> Record:
    """Optional fields without a value are left out, not sent as null."""
    return {k: v for k, v in record.items() if v is not None}


def _project(t: TenderFacts, header: Header) -> Built:
    mode = "1" if t.open_method else "2"
    agency = t.agency or Party("", "")
    tail = {
        "REGION_CODE": t.region_code,
        "NOTICE_TITLE": t.title,
        "NOTICE_SEND_TIME": _iso(t.published_at),
        "BID_DEADLINE": _iso(t.bid_deadline),
    }
    if t.procurement:
        return "PURCHASE_PROJECT", {
            **_common(header, t.deal_code),
            "PURCHASE_PROJECT_NAME": t.project_name,
            "PURCHASE_MODE": mode,
            "PURCHASER_NAME": t.tenderer.name,
            "PURCHASER_CODE": t.tenderer.uscc,
            "AGENCY_NAME": agency.name or None,
            "AGENCY_CODE": agency.uscc or None,
            "BUDGET_AMOUNT": wan_text(t.budget),
            **tail,
        }
    return "TENDER_PROJECT", {
        **_common(header, t.deal_code),
        "TENDER_PROJECT_NAME": t.project_name,
        "TENDER_MODE": mode,
        "TENDERER_NAME": t.tenderer.name,
        "TENDERER_CODE": t.tenderer.uscc,
        "TENDER_AGENCY_NAME": agency.name or None,
        "TENDER_AGENCY_CODE": agency.uscc or None,
        "INVEST_AMOUNT": wan_text(t.budget),
        **tail,
    }


def _section(t: TenderFacts, s: SectionFacts, header: Header) -> Built:
    return "SECTION", {
        **_common(header, t.deal_code),
        "BID_SECTION_CODE": section_code(t.deal_code, s.number),
        "BID_SECTION_NAME": s.name,
        "CONTRACT_RECKON_PRICE": wan_text(s.budget),
        "LIMIT_PRICE": wan_text(s.ceiling_price),
        "TIME_LIMIT": s.duration_days,
    }


def _opening(t: TenderFacts, header: Header) -> list[Built]:
    if t.opening is None:
        return []
    numbers = {s.id: s.number for s in t.sections}
    built: list[Built] = [
        (
            "BID_OPENING_RECORD",
            {
                **_common(header, t.deal_code),
                "BID_OPEN_TIME": _iso(t.opening.opened_at),
                "BIDDER_COUNT": len({b.bidder.uscc for b in t.opening.bids}),
                "RECORD_SHA256": t.opening.record_sha256,
            },
        )
    ]
    for bid in t.opening.bids:
        built.append(
            (
                "TENDER_LIST",
                {
                    **_common(header, t.deal_code),
                    "BID_SECTION_CODE": section_code(t.deal_code, numbers[bid.section_id]),
                    "BIDDER_NAME": bid.bidder.name,
                    "BIDDER_CODE": bid.bidder.uscc,
                    "BID_AMOUNT": wan_text(bid.price),
                    "TIME_LIMIT": bid.duration_days,
                    "MARGIN_TYPE": bid.bond_kind,
                    "BID_SUBMIT_TIME": _iso(bid.submitted_at),
                    "BID_STATUS": bid.outcome,
                },
            )
        )
    return built


def _result(t: TenderFacts, header: Header) -> list[Built]:
    if t.result is None or t.opening is None:
        return []
    numbers = {s.id: s.number for s in t.sections}
    result = t.result
    built: list[Built] = []
    for expert in result.committee:
        built.append(
            (
                "BID_EVALUATION_EXPERT",
                {
                    **_common(header, t.deal_code),
                    "EXPERT_SEQ": expert.seq,
                    "EXPERT_NAME": expert.name,
                    "EXPERT_SPECIALTY": expert.specialty,
                    "EVALUATION_VENUE": expert.venue,
                },
            )
        )
    for c in result.candidates:
        built.append(
            (
                "WIN_CANDIDATE",
                {
                    **_common(header, t.deal_code),
                    "BID_SECTION_CODE": section_code(t.deal_code, numbers[c.section_id]),
                    "WIN_CANDIDATE_NAME": c.bidder.name,
                    "WIN_CANDIDATE_CODE": c.bidder.uscc,
                    "WIN_CANDIDATE_ORDER": c.order,
                    "BID_AMOUNT": wan_text(c.price),
                    "EVALUATION_AMOUNT": wan_text(c.evaluated_price),
                    "PUBLICITY_START_TIME": _iso(result.published_at),
                    "PUBLICITY_END_TIME": _iso(result.publicity_until or result.published_at),
                },
            )
        )
    for n in t.notices:
        built.append(
            (
                "RESULT_NOTICE",
                {
                    **_common(header, t.deal_code),
                    "BID_SECTION_CODE": section_code(t.deal_code, numbers[n.section_id]),
                    "WIN_BIDDER_NAME": n.winner.name,
                    "WIN_BIDDER_CODE": n.winner.uscc,
                    "WIN_BID_AMOUNT": wan_text(n.price),
                    "NOTICE_SEND_TIME": _iso(n.issued_at),
                },
            )
        )
    return built


def _objections(t: TenderFacts, header: Header) -> list[Built]:
    return [
        (
            "OBJECTION",
            {
                **_common(header, t.deal_code),
                "OBJECTION_CODE": o.id,
                "OBJECTION_STAGE": o.stage,
                "OBJECTOR_NAME": o.objector.name,
                "OBJECTOR_CODE": o.objector.uscc,
                "OBJECTION_TIME": _iso(o.filed_at),
                "ANSWER_TIME": None if o.answered_at is None else _iso(o.answered_at),
            },
        )
        for o in t.objections
    ]


def alerts(t: TenderFacts) -> list[tuple[str, str, str, str, Any]]:
    """(code, kind, level, content, time) of each alert the deal raises, from what prex
    records: an objection (level 1), a failed or cancelled tender (2), a committee dissolved by
    an interruption and redrawn (3). Complaints do not exist in prex yet."""
    found: list[tuple[str, str, str, str, Any]] = [
        (f"objection-{o.id}", "objection", "1", f"{o.objector.name} 提出异议", o.filed_at)
        for o in t.objections
    ]
    if t.status in ("failed", "cancelled"):
        word = "流标" if t.status == "failed" else "终止"
        content = f"招标{word}：{t.status_note}" if t.status_note else f"招标{word}"
        found.append((t.status, t.status, "2", content, t.status_changed_at))
    for index, at in enumerate(t.redraws, start=1):
        found.append(
            (f"redraw-{index}", "committee-redrawn", "3", "评标中断超时，重新抽取评标委员会", at)
        )
    return found


def _alerting(t: TenderFacts, header: Header) -> list[Built]:
    return [
        (
            "PROJECT_ALERTING",
            {
                **_common(header, t.deal_code),
                "ALERT_CODE": code,
                "ALERT_KIND": kind,
                "ALERT_LEVEL": level,
                "ALERT_CONTENT": content,
                "ALERT_TIME": _iso(at),
            },
        )
        for code, kind, level, content, at in alerts(t)
    ]


def tender_records(t: TenderFacts, header: Header) -> list[Built]:
    """Every record of a published tender, parents before children."""
    built = [_project(t, header)]
    built += [_section(t, s, header) for s in t.sections]
    built += _opening(t, header)
    built += _result(t, header)
    built += _objections(t, header)
    built += _alerting(t, header)
    return [(name, _clean(record)) for name, record in built]


LISTING_DATASETS = {"land_use": "LAND_LISTING", "mining": "MINING_LISTING"}
DEAL_RESULTS = {"sold": "1", "no-bid": "2", "below-reserve": "3"}


def listing_records(item: ListingFacts, header: Header) -> list[Built]:
    """The listing's announcement record and, once bidding closed, its deal record."""
    built: list[Built] = [
        (
            LISTING_DATASETS.get(item.kind, "PROPERTY_LISTING"),
            {
                **_common(header, item.deal_code),
                "LISTING_CODE": item.code,
                "LISTING_TITLE": item.title,
                "TRANSFEROR_NAME": item.seller.name,
                "TRANSFEROR_CODE": item.seller.uscc,
                "TRANSFER_METHOD": "1" if item.method == "listing" else "2",
                "START_PRICE": wan_text(item.start_price),
                "INCREMENT": wan_text(item.increment),
                "DEPOSIT": wan_text(item.deposit),
                "NOTICE_SEND_TIME": _iso(item.announced_at),
                "LISTING_START_TIME": _iso(item.opens_at),
                "LISTING_END_TIME": _iso(item.listing_ends_at),
            },
        )
    ]
    if item.result is not None and item.closed_at is not None:
        buyer = item.buyer
        built.append(
            (
                "LISTING_DEAL",
                {
                    **_common(header, item.deal_code),
                    "LISTING_CODE": item.code,
                    "DEAL_RESULT": DEAL_RESULTS[item.result],
                    "TRANSFEREE_NAME": None if buyer is None else buyer.name,
                    "TRANSFEREE_CODE": None if buyer is None else buyer.uscc,
                    "DEAL_AMOUNT": wan_text(item.price),
                    "DEAL_TIME": _iso(item.closed_at),
                },
            )
        )
    return [(name, _clean(record)) for name, record in built]


CREDIT_TYPES = {"reward": "1", "violation": "2", "blacklist": "3", "performance": "4"}


def credit_records(item: CreditFacts, header: Header) -> list[Built]:
    """The credit record (信用信息) of an organisation, once published; revoked: status 2 with
    the time and the reason. A blacklist carries its scope; a performance record its grade."""
    blacklist = item.kind == "blacklist"
    record: Record = {
        "PLATFORM_CODE": header.platform_code,
        "PUB_SERVICE_PLAT_CODE": header.pub_service_plat_code,
        "DATA_TIMESTAMP": _iso(header.data_timestamp),
        "CREDIT_RECORD_CODE": item.id,
        "CREDIT_TYPE": CREDIT_TYPES[item.kind],
        "SUBJECT_NAME": item.subject.name,
        "SUBJECT_CODE": item.subject.uscc,
        "DECIDE_ORG_NAME": item.authority,
        "DECIDE_BASIS": item.basis,
        "CREDIT_CONTENT": item.facts,
        "VALID_FROM": item.valid_from,
        "VALID_UNTIL": item.valid_until,
        "LIMIT_SCOPE": item.scope if blacklist else None,
        "LIMIT_SCOPE_VALUE": item.scope_value if blacklist else None,
        "PERFORMANCE_GRADE": item.grade,
        "PUBLISH_TIME": _iso(item.published_at),
        "RECORD_STATUS": "2" if item.revoked_at is not None else "1",
        "REVOKE_TIME": None if item.revoked_at is None else _iso(item.revoked_at),
        "REVOKE_REASON": item.revoke_reason,
    }
    return [("CREDIT_RECORD", _clean(record))]
