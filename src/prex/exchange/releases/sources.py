"""What the releases are made of: plain snapshots of public facts, read from the other contexts'
tables by the publisher (the exchange context reads; it never writes there).

Secrecy is decided here, once: a sandbox tender or a draft gives no snapshot; bids come only from
the *published* opening record (what was read out, signed); candidates only from a report whose
publicity has begun, without the committee; a listing without its reserve and its registrations;
its buyer only from the signed confirmation of the deal.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prex.auctions.orm import listings
from prex.award.orm import award_notices, contracts, evaluation_reports
from prex.bidding.orm import bids
from prex.identity.orm import organisations
from prex.opening.orm import openings
from prex.tenders.orm import amendments, documents, projects, sections, tenders


def _org(session: Session, org_id: str | None) -> dict[str, Any] | None:
    if org_id is None:
        return None
    row = session.execute(
        select(organisations.c.name, organisations.c.uscc).where(organisations.c.id == org_id)
    ).first()
    return None if row is None else {"name": row.name, "uscc": row.uscc}


def tender_snapshot(session: Session, tender_id: str) -> dict[str, Any] | None:
    """The tender as the public sees it, or None for a sandbox (training) tender or a draft."""
    t = session.execute(select(tenders).where(tenders.c.id == tender_id)).mappings().first()
    if t is None or t["sandbox"] or t["published_at"] is None:
        return None
    p = session.execute(select(projects).where(projects.c.id == t["project_id"])).mappings().one()
    tenderer = _org(session, t["tenderer_org_id"])
    if tenderer is None:
        return None
    by_tender = {"tender_id": tender_id}
    return {
        "id": t["id"],
        "deal_code": t["deal_code"],
        "process_codes": process_codes(session, t["project_id"], tender_id),
        "title": t["title"],
        "description": t["description"],
        "method": t["method"].value,
        "transaction_type": t["transaction_type"].value,
        "status": t["status"].value,
        "published_at": t["published_at"],
        "documents_from": t["documents_from"],
        "bid_deadline": t["bid_deadline"],
        "total_budget": t["total_budget"],
        "tenderer": tenderer,
        "agency": _org(session, t["agency_org_id"]),
        "project": {
            "deal_code": p["deal_code"],
            "name": p["name"],
            "budget": p["budget"],
            "funding_source": p["funding_source"],
            "approval_ref": p["approval_ref"],
        },
        "sections": _rows(session, sections, by_tender, sections.c.number),
        "documents": _rows(session, documents, by_tender, documents.c.uploaded_at),
        "amendments": _rows(session, amendments, by_tender, amendments.c.number),
    }


def _rows(session: Session, table: Any, where: dict[str, str], order: Any) -> list[dict[str, Any]]:
    clause = [table.c[k] == v for k, v in where.items()]
    rows = session.execute(select(table).where(*clause).order_by(order, table.c.id)).mappings()
    return [
        {
            k: (v.value if hasattr(v, "value") and not isinstance(v, str) else v)
            for k, v in r.items()
        }
        for r in rows
    ]


def opening_record(session: Session, tender_id: str) -> dict[str, Any] | None:
    """The signed opening record, once published (before that: nothing about any bid)."""
    row = session.execute(
        select(openings.c.record, openings.c.record_sha256).where(openings.c.tender_id == tender_id)
    ).first()
    if row is None or row.record is None or row.record_sha256 is None:
        return None
    return dict(row.record)


def published_candidates(session: Session, tender_id: str) -> list[dict[str, Any]] | None:
    """Per section the candidates in publicity: rank, name, credit code and price only."""
    row = session.execute(
        select(evaluation_reports.c.report, evaluation_reports.c.outcome).where(
            evaluation_reports.c.tender_id == tender_id
        )
    ).first()
    if row is None or row.outcome != "candidates":
        return None
    result = []
    for s in row.report["sections"]:
        chosen = set(s.get("candidates") or [])
        candidates = [
            {k: c[k] for k in ("rank", "bidder_name", "bidder_uscc", "price")}
            for c in s.get("ranking") or []
            if c["bid_id"] in chosen
        ]
        result.append(
            {
                "section_id": s["section_id"],
                "section_name": s["section_name"],
                "candidates": sorted(candidates, key=lambda c: int(c["rank"])),
            }
        )
    return result


def evaluated_bids(session: Session, tender_id: str) -> list[dict[str, str]]:
    """Once the result is published (candidates or failure): each evaluated bid's verdict,
    ``valid`` (ranked) or ``disqualified`` (rejected), by lot and envelope digest."""
    row = session.execute(
        select(evaluation_reports.c.report, evaluation_reports.c.outcome).where(
            evaluation_reports.c.tender_id == tender_id
        )
    ).first()
    if row is None or row.outcome is None:
        return []
    envelopes = dict(
        session.execute(
            select(bids.c.id, bids.c.envelope_sha256).where(bids.c.tender_id == tender_id)
        ).all()
    )
    verdicts: dict[tuple[str, str], str] = {}
    for s in row.report["sections"]:
        for c in s.get("ranking") or []:
            verdicts[(s["section_id"], c["bid_id"])] = "valid"
        for r in s.get("rejected") or []:
            verdicts[(s["section_id"], r["bid_id"])] = "disqualified"
    return [
        {"section_id": section_id, "envelope_sha256": envelopes[bid_id], "status": status}
        for (section_id, bid_id), status in sorted(verdicts.items())
        if bid_id in envelopes
    ]


def award_notice(session: Session, tender_id: str, section_id: str) -> dict[str, Any] | None:
    row = session.execute(
        select(award_notices.c.notice).where(
            award_notices.c.tender_id == tender_id, award_notices.c.section_id == section_id
        )
    ).first()
    return None if row is None else dict(row.notice)


def contract(session: Session, tender_id: str, section_id: str) -> dict[str, Any] | None:
    """The contract of a section with its supplier and the awarded rank, as signed."""
    row = (
        session.execute(
            select(contracts).where(
                contracts.c.tender_id == tender_id, contracts.c.section_id == section_id
            )
        )
        .mappings()
        .first()
    )
    notice = award_notice(session, tender_id, section_id)
    if row is None or notice is None:
        return None
    return {
        "section_id": section_id,
        "section_name": notice["section"]["name"],
        "rank": notice["rank"],
        "supplier": {"name": notice["winner"]["name"], "uscc": notice["winner"]["uscc"]},
        "value": row["value"],
        "signed_on": row["signed_on"].isoformat(),
        "starts_on": row["starts_on"].isoformat(),
        "ends_on": row["ends_on"].isoformat(),
        "countersigned": row["countersigned_at"] is not None,
    }


def listing_snapshot(session: Session, listing_id: str) -> dict[str, Any] | None:
    """A listing as announced (never its reserve, never its registrations), or None for a draft."""
    row = session.execute(select(listings).where(listings.c.id == listing_id)).mappings().first()
    if row is None or row["announced_at"] is None:
        return None
    seller = _org(session, row["seller_org_id"])
    if seller is None:
        return None
    return {
        "id": row["id"],
        "code": row["code"],
        "title": row["title"],
        "kind": row["kind"],
        "method": row["method"],
        "conditions": row["conditions"],
        "seller": seller,
        "start_price": row["start_price"],
        "opens_at": row["opens_at"],
        "listing_ends_at": row["listing_ends_at"],
        "confirmation": row["confirmation"],
    }


def process_codes(session: Session, project_id: str, tender_id: str) -> list[str]:
    """The codes that name the project's tenders up to this one, oldest first: the deal code for
    the first, ``<deal code>-<n>`` for the n-th (a re-tender, 重新招标, is a new contracting
    process of the same deal, so it needs an ocid of its own)."""
    rows = session.execute(
        select(tenders.c.id, tenders.c.deal_code)
        .where(tenders.c.project_id == project_id)
        .order_by(tenders.c.created_at, tenders.c.id)
    ).all()
    codes = []
    for n, row in enumerate(rows, start=1):
        codes.append(row.deal_code if n == 1 else f"{row.deal_code}-{n}")
        if row.id == tender_id:
            break
    return codes


def tender_ocid(session: Session, prefix: str, tender_id: str) -> str | None:
    """The ocid a public tender's releases carry (None for a sandbox tender or an unknown id)."""
    row = session.execute(
        select(tenders.c.project_id, tenders.c.sandbox).where(tenders.c.id == tender_id)
    ).first()
    if row is None or row.sandbox:
        return None
    return f"ocds-{prefix}-{process_codes(session, row.project_id, tender_id)[-1]}"
