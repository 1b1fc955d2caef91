"""What every award use case checks first: the tender, the policy, and the parties' rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from prex.award.orm import evaluation_reports
from prex.bidding.orm import bids as bids_table
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, authorize
from prex.shared.errors import Conflict, NotFound, PermissionDenied
from prex.tenders.model import Tender
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services


def resource(tender: Tender) -> Resource:
    return Resource("award", tender.id, tender.centre_id, tender.party_org_ids)


def tender_for(services: Services, actor: Actor, tender_id: str, action: Action) -> Tender:
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, action, resource(tender))
    return tender


def organisation(session: Any, org_id: str | None) -> Any:
    """The organisation row (uscc, name) an actor acts for; PermissionDenied without one."""
    row = (
        None
        if org_id is None
        else session.execute(
            select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
                organisations.c.id == org_id
            )
        ).first()
    )
    if row is None:
        raise PermissionDenied("this act is signed for an organisation; the account has none")
    return row


def require_bidder(session: Any, tender_id: str, org_id: str | None) -> None:
    """Only an organisation that bid on the tender may object to its result."""
    bid = session.execute(
        select(bids_table.c.id).where(
            bids_table.c.tender_id == tender_id, bids_table.c.bidder_org_id == org_id
        )
    ).first()
    if bid is None:
        raise PermissionDenied(
            "only a bidder of this tender may object to its result", tender_id=tender_id
        )


def report_row(session: Any, tender_id: str, *, lock: bool = False) -> Any:
    query = select(evaluation_reports).where(evaluation_reports.c.tender_id == tender_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"tender {tender_id} has no evaluation report yet", tender_id=tender_id)
    return row


def require_published(row: Any) -> None:
    if row.outcome is None:
        raise Conflict("the result is not published yet", tender_id=row.tender_id)
