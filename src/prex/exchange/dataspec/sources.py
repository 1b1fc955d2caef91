"""Reading a deal's public facts from the database into the builders' snapshots.

This is the one place that decides what is public when: nothing of a draft or sandbox tender;
bidders only once the bids are opened; candidates and the committee only once the result is
published (the committee's names are secret until then, Bidding Law art. 37).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from prex.auctions.orm import listing_registrations, listings
from prex.award.orm import award_notices, evaluation_reports, result_objections
from prex.bidding.orm import bids
from prex.exchange.dataspec.model import (
    CandidateFacts,
    CreditFacts,
    ExpertFacts,
    ListingFacts,
    NoticeFacts,
    ObjectionFacts,
    OpenedBidFacts,
    OpeningFacts,
    Party,
    ResultFacts,
    SectionFacts,
    TenderFacts,
)
from prex.exchange.dataspec.orm import dataspec_listing_codes
from prex.experts.committee_orm import committee_draws
from prex.identity.orm import organisations
from prex.opening.orm import opened_bids, opening_statements, openings
from prex.shared.clock import ensure_utc
from prex.tenders.orm import projects, sections, tenders

_HIDDEN = ("draft",)


def _party(session: Session, org_id: str | None) -> Party | None:
    if org_id is None:
        return None
    row = session.execute(
        select(organisations.c.name, organisations.c.uscc).where(organisations.c.id == org_id)
    ).first()
    return None if row is None else Party(row.name, row.uscc)


def _utc(value: Any) -> datetime:
    return ensure_utc(value)


def tender_facts(session: Session, tender_id: str) -> TenderFacts | None:
    """The tender's public facts, or None while nothing of it is public."""
    t = session.execute(select(tenders).where(tenders.c.id == tender_id)).first()
    if t is None or t.sandbox or t.published_at is None or t.status in _HIDDEN:
        return None
    project = session.execute(select(projects.c.name).where(projects.c.id == t.project_id)).one()
    tenderer = _party(session, t.tenderer_org_id)
    assert tenderer is not None  # registration checks the tenderer exists
    lots = tuple(
        SectionFacts(s.id, s.number, s.name, s.budget, s.ceiling_price, s.duration_days)
        for s in session.execute(
            select(sections).where(sections.c.tender_id == tender_id).order_by(sections.c.number)
        )
    )
    return TenderFacts(
        deal_code=t.deal_code,
        procurement=str(t.transaction_type) == "procurement",
        open_method=str(t.method) == "open",
        title=t.title,
        project_name=project.name,
        region_code=t.region_code,
        tenderer=tenderer,
        agency=_party(session, t.agency_org_id),
        budget=t.total_budget,
        published_at=_utc(t.published_at),
        bid_deadline=_utc(t.bid_deadline),
        status=str(t.status),
        status_changed_at=_utc(t.status_changed_at),
        status_note=t.status_note,
        sections=lots,
        opening=_opening(session, tender_id),
        result=_result(session, tender_id),
        notices=_notices(session, tender_id),
        objections=_objections(session, tender_id),
        redraws=_redraws(session, tender_id),
    )


def _opening(session: Session, tender_id: str) -> OpeningFacts | None:
    row = session.execute(select(openings).where(openings.c.tender_id == tender_id)).first()
    if row is None or row.opened_at is None:
        return None
    found = []
    for r in session.execute(
        select(opened_bids, bids.c.received_at, organisations.c.name, organisations.c.uscc)
        .join(bids, bids.c.id == opened_bids.c.bid_id)
        .join(organisations, organisations.c.id == opened_bids.c.bidder_org_id)
        .where(opened_bids.c.tender_id == tender_id)
        .order_by(opened_bids.c.section_id, organisations.c.uscc)
    ):
        form = r.form or {}
        price = form.get("price")
        found.append(
            OpenedBidFacts(
                section_id=r.section_id,
                bidder=Party(r.name, r.uscc),
                price=None if price is None else Decimal(str(price)),
                duration_days=form.get("duration_days"),
                bond_kind=(form.get("bond") or {}).get("kind"),
                submitted_at=_utc(r.received_at),
                outcome=r.outcome,
            )
        )
    return OpeningFacts(_utc(row.opened_at), row.record_sha256, tuple(found))


def _result(session: Session, tender_id: str) -> ResultFacts | None:
    row = session.execute(
        select(evaluation_reports).where(evaluation_reports.c.tender_id == tender_id)
    ).first()
    if row is None or row.outcome is None:
        return None
    report = row.report
    candidates = []
    for section in report["sections"]:
        chosen = set(section["candidates"])
        for c in section["ranking"]:
            if c["bid_id"] in chosen:
                candidates.append(
                    CandidateFacts(
                        section_id=section["section_id"],
                        order=int(c["rank"]),
                        bidder=Party(c["bidder_name"], c["bidder_uscc"]),
                        price=Decimal(c["price"]),
                        evaluated_price=Decimal(c["evaluated_price"]),
                    )
                )
    committee = tuple(
        ExpertFacts(i, m["name"], m["specialty"], m["venue"])
        for i, m in enumerate(report["committee"], start=1)
    )
    published = row.publicity_from or row.created_at
    until = row.publicity_until
    return ResultFacts(
        _utc(published), None if until is None else _utc(until), tuple(candidates), committee
    )


def _notices(session: Session, tender_id: str) -> tuple[NoticeFacts, ...]:
    return tuple(
        NoticeFacts(
            r.section_id,
            Party(r.notice["winner"]["name"], r.notice["winner"]["uscc"]),
            Decimal(r.notice["price"]),
            _utc(r.issued_at),
        )
        for r in session.execute(
            select(award_notices)
            .where(award_notices.c.tender_id == tender_id)
            .order_by(award_notices.c.section_id)
        )
    )


def _objections(session: Session, tender_id: str) -> tuple[ObjectionFacts, ...]:
    found = [
        ObjectionFacts(
            r.id,
            "result",
            Party(r.name, r.uscc),
            _utc(r.filed_at),
            None if r.answered_at is None else _utc(r.answered_at),
        )
        for r in session.execute(
            select(result_objections, organisations.c.name, organisations.c.uscc)
            .join(organisations, organisations.c.id == result_objections.c.org_id)
            .where(result_objections.c.tender_id == tender_id)
        )
    ]
    found += [
        ObjectionFacts(
            r.id,
            "opening",
            Party(r.name, r.uscc),
            _utc(r.made_at),
            None if r.answered_at is None else _utc(r.answered_at),
        )
        for r in session.execute(
            select(opening_statements, organisations.c.name, organisations.c.uscc)
            .join(organisations, organisations.c.id == opening_statements.c.org_id)
            .where(
                opening_statements.c.tender_id == tender_id,
                opening_statements.c.kind == "objection",
            )
        )
    ]
    return tuple(sorted(found, key=lambda o: (o.filed_at, o.id)))


def _redraws(session: Session, tender_id: str) -> tuple[datetime, ...]:
    row = session.execute(
        select(committee_draws.c.round, committee_draws.c.drawn_at).where(
            committee_draws.c.tender_id == tender_id
        )
    ).first()
    if row is None or row.round <= 1 or row.drawn_at is None:
        return ()
    return (_utc(row.drawn_at),) * (int(row.round) - 1)


def listing_facts(session: Session, listing_id: str, deal_code: str) -> ListingFacts | None:
    """The announced listing's public facts (and its outcome once closed), or None."""
    row = session.execute(select(listings).where(listings.c.id == listing_id)).first()
    if row is None or row.announced_at is None:
        return None
    seller = _party(session, row.seller_org_id)
    assert seller is not None
    outcome = row.outcome if row.status in ("sold", "failed") else None
    buyer = None
    if outcome and outcome.get("winner"):
        reg = session.execute(
            select(listing_registrations.c.org_id).where(
                listing_registrations.c.id == outcome["winner"]
            )
        ).first()
        buyer = None if reg is None else _party(session, reg.org_id)
    return ListingFacts(
        deal_code=deal_code,
        kind=row.kind,
        method=row.method,
        code=row.code,
        title=row.title,
        seller=seller,
        start_price=Decimal(row.start_price),
        increment=Decimal(row.increment),
        deposit=Decimal(row.deposit),
        announced_at=_utc(row.announced_at),
        opens_at=_utc(row.opens_at),
        listing_ends_at=_utc(row.listing_ends_at),
        result=None if outcome is None else outcome["result"],
        buyer=buyer,
        price=None if not outcome or outcome.get("price") is None else Decimal(outcome["price"]),
        closed_at=None if row.closed_at is None else _utc(row.closed_at),
    )


def listing_deal_code(session: Session, listing_id: str, allocate: Any) -> str | None:
    """The listing's unified deal code, allocated (``allocate(seller_uscc, day)``) the first
    time it is needed: listings carry none of their own."""
    found = session.execute(
        select(dataspec_listing_codes.c.deal_code).where(
            dataspec_listing_codes.c.listing_id == listing_id
        )
    ).scalar_one_or_none()
    if found is not None:
        return str(found)
    row = session.execute(
        select(listings.c.seller_org_id, listings.c.announced_at).where(listings.c.id == listing_id)
    ).first()
    if row is None or row.announced_at is None:
        return None
    seller = _party(session, row.seller_org_id)
    assert seller is not None
    code = str(allocate(seller.uscc, _utc(row.announced_at).date()))
    session.execute(insert(dataspec_listing_codes).values(listing_id=listing_id, deal_code=code))
    return code


def credit_facts(session: Session, record_id: str) -> CreditFacts | None:
    """A credit record's public snapshot: an organisation's, published at some time (a record
    revoked before it was ever published was never public and is never sent)."""
    from prex.credit.orm import credit_records as c

    row = session.execute(select(c).where(c.c.id == record_id)).first()
    if row is None or row.subject_kind != "organisation" or row.published_at is None:
        return None
    return CreditFacts(
        id=row.id,
        kind=row.kind,
        subject=Party(row.subject_name, row.subject_code),
        authority=row.authority,
        basis=row.basis,
        facts=row.facts,
        valid_from=row.valid_from.isoformat(),
        valid_until=None if row.valid_until is None else row.valid_until.isoformat(),
        scope=row.scope,
        scope_value=row.scope_value,
        grade=row.grade,
        published_at=_utc(row.published_at),
        revoked_at=None if row.revoked_at is None else _utc(row.revoked_at),
        revoke_reason=row.revoke_reason,
    )
