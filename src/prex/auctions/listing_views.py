"""Reading listings: the row, its policy resource, and what each actor sees of it.

The public sees announced listings without the reserve (only whether there is one, and its
commitment) and without anything of the bidders — not even how many registered — until bidding
closes (or the listing is cancelled). The count tells would-be colluders (围标、串标) whether
competition is thin and tells a lone bidder it may hold back; land-listing practice keeps the
bidders' list confidential until the result, so the count waits with it. The centre's operators
and supervisors see drafts and the registrations' counts; nobody sees the reserve in clear
before the close.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prex.auctions.model import PUBLIC, TERMINAL, ListingStatus
from prex.auctions.orm import listing_registrations, listings
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, is_allowed
from prex.shared.errors import NotFound

if TYPE_CHECKING:
    from prex.bootstrap import Services


def conditions_of(text: str) -> dict[str, Any]:
    """The stored conditions (canonical JSON ``{eligibility, pre_emption}``) as data."""
    try:
        value = json.loads(text)
    except ValueError:
        return {"eligibility": text, "pre_emption": []}
    return value if isinstance(value, dict) else {"eligibility": text, "pre_emption": []}


def resource_of(row: Any) -> Resource:
    return Resource("listing", row.id, row.centre_id)


def load(session: Session, listing_id: str, *, lock: bool = False) -> Any:
    """The listing's row (``lock``: ``SELECT … FOR UPDATE``), or NotFound."""
    query = select(listings).where(listings.c.id == listing_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no listing '{listing_id}'", listing_id=listing_id)
    return row


def _counts(session: Session, listing_id: str) -> dict[str, int]:
    r = listing_registrations.c
    rows = session.execute(
        select(r.eligibility, r.deposit_status, r.continuing).where(r.listing_id == listing_id)
    ).all()
    return {
        "applied": len(rows),
        "pending": sum(1 for x in rows if x.eligibility == "pending"),
        "approved": sum(1 for x in rows if x.eligibility == "approved"),
        "refused": sum(1 for x in rows if x.eligibility == "refused"),
        "deposits_confirmed": sum(1 for x in rows if x.deposit_status != "unpaid"),
        "continuing": sum(1 for x in rows if x.continuing),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def public_view(row: Any, seller_name: str, registrations: int | None = None) -> dict[str, Any]:
    """What anyone may see: never the reserve before the close, never who registered; the
    number of registrations only once bidding has closed (``registrations``)."""
    closed = row.status in TERMINAL
    return {
        "id": row.id,
        "code": row.code,
        "title": row.title,
        "kind": row.kind,
        "method": row.method,
        "rule_pack_id": row.rule_pack_id,
        "centre_id": row.centre_id,
        "asset": row.asset,
        "conditions": conditions_of(row.conditions),
        "documents": row.documents,
        "seller": {"id": row.seller_org_id, "name": seller_name},
        "start_price": row.start_price,
        "increment": row.increment,
        "deposit": row.deposit,
        "has_reserve": row.reserve_commitment is not None,
        "reserve_commitment": row.reserve_commitment,
        "reserve": row.reserve if closed else None,
        "countdown_seconds": row.countdown_seconds,
        "status": row.status,
        "announced_at": _iso(row.announced_at),
        "opens_at": row.opens_at.isoformat(),
        "listing_ends_at": row.listing_ends_at.isoformat(),
        "best": row.best,
        "seq": row.seq,
        "round_ends_at": _iso(row.round_ends_at),
        "closed_at": _iso(row.closed_at),
        "outcome": row.outcome if closed else None,
        "result_until": _iso(row.result_until),
        "registrations": registrations if closed else None,
    }


def operator_view(row: Any, seller_name: str, counts: dict[str, int]) -> dict[str, Any]:
    """The centre's view: the public one, drafts included, with the registrations' counts (the
    bidders themselves: ``GET …/registrations``). Still no reserve in clear."""
    view = public_view(row, seller_name)
    return {
        **view,
        "registrations": counts,
        "next_check": _iso(row.next_check),
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def _seller_name(session: Session, org_id: str) -> str:
    name = session.execute(
        select(organisations.c.name).where(organisations.c.id == org_id)
    ).scalar_one_or_none()
    return name or ""


def view_for(session: Session, actor: Actor, row: Any) -> dict[str, Any]:
    """The operator's view for the centre's operators and supervisors, else the public one (a
    draft is not found for anyone else)."""
    resource = resource_of(row)
    seller = _seller_name(session, row.seller_org_id)
    if is_allowed(actor, Action.LISTING_MANAGE, resource) or is_allowed(
        actor, Action.LISTING_READ_BIDDERS, resource
    ):
        return operator_view(row, seller, _counts(session, row.id))
    if row.status not in PUBLIC:
        raise NotFound(f"no listing '{row.id}'", listing_id=row.id)
    count = _counts(session, row.id)["applied"] if row.status in TERMINAL else None
    return public_view(row, seller, count)


def listing_for(services: Services, actor: Actor, listing_id: str) -> dict[str, Any]:
    with services.read_session() as session:
        return view_for(session, actor, load(session, listing_id))


def public_listings(
    services: Services,
    actor: Actor,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Announced (and later) listings, newest opening first; the centre's operators see their
    drafts too."""
    query = select(listings).order_by(listings.c.opens_at.desc(), listings.c.id)
    if status is not None:
        query = query.where(listings.c.status == status)
    if kind is not None:
        query = query.where(listings.c.kind == kind)
    manages = is_allowed(actor, Action.LISTING_MANAGE, Resource("listing", None, actor.centre_id))
    if not manages or actor.centre_id is None:
        query = query.where(listings.c.status != ListingStatus.DRAFT.value)
    else:
        query = query.where(
            (listings.c.status != ListingStatus.DRAFT.value)
            | (listings.c.centre_id == actor.centre_id)
        )
    with services.read_session() as session:
        rows = session.execute(query.limit(limit).offset(offset)).all()
        return [view_for(session, actor, row) for row in rows]


def document_of(
    services: Services, actor: Actor, listing_id: str, document_id: str
) -> dict[str, Any]:
    """A listed document's description (for download), if the actor may see the listing."""
    view = listing_for(services, actor, listing_id)
    for document in view["documents"]:
        if document["id"] == document_id:
            return dict(document)
    raise NotFound(f"no document '{document_id}' in listing '{listing_id}'", listing_id=listing_id)
