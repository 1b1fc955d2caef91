"""The bidder's page of a tender: seal a bid in the browser (WebCrypto) and submit it.

Nothing of a bid passes through this module. The page shows the tender, its deadline and the
server's time, the sections and the bid form; ``/static/seal.js`` reads the form, the documents
and the bidder's certificate and private key from local files, seals them into a prex envelope
inside the browser (docs/envelope-format.md, "Sealing in the browser") and uploads only the
envelope to ``POST /api/v1/tenders/{id}/bids`` with the session cookie — the same endpoint and
the same checks as an envelope made with ``prex bid seal``. The form has no action and its
fields have no names, so even with scripts off nothing typed or picked can be posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from prex import extensions
from prex.bidding.opening_keys import bid_parameters
from prex.bidding.submissions import bids_of
from prex.bootstrap import Services
from prex.envelope.container import opening_key_id
from prex.envelope.parameters import TenderParameters
from prex.guarantees.service import GROUP, RequestGuarantee, guarantees_of, request_guarantee
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor
from prex.sealing.client import BOND_KINDS
from prex.shared.clock import ensure_utc
from prex.shared.errors import DomainError, NotFound
from prex.tenders import service
from prex.tenders.model import Method, Tender, TenderStatus
from prex.web.api.tenders import view_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.i18n import N_
from prex.web.pages.common import Problem, gate, problem_of, see_other
from prex.web.pages.render import render

router = APIRouter(include_in_schema=False)

#: The only suite WebCrypto can seal: SM2 and SM4 are not in any browser.
BROWSER_SUITE = "P256-AES256GCM"

BOND_KIND = {
    "cash": N_("Cash deposit"),
    "bank_guarantee": N_("Bank guarantee"),
    "e_guarantee": N_("Electronic guarantee"),
    "insurance": N_("Bond insurance"),
}

BID_STATUS = {
    "live": N_("Valid"),
    "replaced": N_("Replaced by a later envelope"),
    "withdrawn": N_("Withdrawn"),
}


@dataclass(frozen=True)
class Organisation:
    name: str
    uscc: str


def refusal(
    tender: Tender,
    actor: Actor,
    now: datetime,
    params: TenderParameters | None,
) -> str | None:
    """Why the page offers no form (a message id), or None. The server checks all of this
    again, by its own clock, when an envelope arrives."""
    if actor.org_id is None:
        return N_("Only a member of a bidding organisation can submit a bid.")
    if tender.status is not TenderStatus.PUBLISHED:
        return N_("This tender does not accept bids now.")
    if now >= ensure_utc(tender.bid_deadline):
        return N_("The bid deadline has passed: late bids are refused (Bidding Law, art. 28).")
    if tender.method is Method.INVITED and actor.org_id not in tender.invitee_org_ids:
        return N_("Only the invited bidders may bid in an invited tender.")
    if params is None:
        return N_("This tender has no opening key yet.")
    if params.suite != BROWSER_SUITE:
        return N_(
            "This tender is sealed with the national algorithms SM2 and SM4, which browsers do "
            "not provide: seal your bid with prex bid seal and upload the envelope."
        )
    return None


def _organisation(services: Services, org_id: str | None) -> Organisation | None:
    if org_id is None:
        return None
    with services.read_session() as session:
        row = session.execute(
            select(organisations.c.name, organisations.c.uscc).where(organisations.c.id == org_id)
        ).first()
    return None if row is None else Organisation(str(row.name), str(row.uscc))


def _mine(services: Services, tender_id: str, org_id: str | None) -> list[dict[str, Any]]:
    if org_id is None:
        return []
    with services.read_session() as session:
        rows = bids_of(session, tender_id, org_id)
    return [{**row, "received_at": ensure_utc(row["received_at"])} for row in rows]


@router.get(
    "/tenders/{tender_id}/bid", response_class=HTMLResponse, openapi_extra=acts(Action.BID_SUBMIT)
)
def bid_page(
    request: Request, tender_id: str, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> Response:
    """Seal and submit a bid in the browser; the organisation's envelopes and receipts."""
    refused = gate(request, actor, Action.BID_SUBMIT)
    if refused is not None:
        return refused
    return _bid_page(request, tender_id, uow, services, actor)


def _bid_page(
    request: Request,
    tender_id: str,
    uow: UowDep,
    services: ServicesDep,
    actor: ActorDep,
    *,
    problem: Problem | None = None,
    status_code: int = 200,
) -> Response:
    tender = service.get_tender_for(uow, tender_id)
    now = tender.clock(services.clock).now()
    params: TenderParameters | None = None
    try:
        params = bid_parameters(services, tender)
    except NotFound:
        params = None
    sections = {s.id: s.name for s in params.sections} if params else {}
    return render(
        request,
        "bid_seal.html",
        status_code=status_code,
        tender=view_for(tender, actor),
        deadline=ensure_utc(tender.bid_deadline),
        now=now,
        organisation=_organisation(services, actor.org_id),
        params=params,
        sections=sections,
        opening_key=opening_key_id(params.opening_public_point) if params else None,
        max_envelope_mb=params.max_envelope_bytes // (1024 * 1024) if params else 0,
        refusal=refusal(tender, actor, now, params),
        mine=_mine(services, tender.id, actor.org_id),
        bond_kinds=[(kind, BOND_KIND[kind]) for kind in BOND_KINDS],  # the CLI's kinds
        bid_status=BID_STATUS,
        page_url=f"/tenders/{tender.id}/bid",
        guarantees=guarantees_of(services, actor, tender.id) if actor.org_id else [],
        guarantee_status=GUARANTEE_STATUS,
        providers=[i.name for i in extensions.installed(GROUP)],
        problem=problem,
    )


GUARANTEE_STATUS = {
    "requested": N_("Requested from the guarantor"),
    "accepted": N_("Verified and recorded as the bid bond"),
    "releasing": N_("Being released"),
    "released": N_("Released"),
    "claiming": N_("Being claimed"),
    "claimed": N_("Claimed"),
    "refused": N_("Refused"),
}


@router.post(
    "/tenders/{tender_id}/bid/guarantee",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.GUARANTEE_REQUEST),
)
def request_guarantee_page(
    request: Request,
    tender_id: str,
    uow: UowDep,
    services: ServicesDep,
    actor: ActorDep,
    section_id: Annotated[str, Form()] = "",
    provider: Annotated[str, Form()] = "",
) -> Response:
    """The bond panel's button: ask an installed provider for an electronic guarantee, which
    prex verifies and records as the organisation's bid bond for the section."""
    page = f"/tenders/{tender_id}/bid"
    refused = gate(request, actor, Action.GUARANTEE_REQUEST, back_to=page)
    if refused is not None:
        return refused
    try:
        request_guarantee(
            uow,
            services,
            RequestGuarantee(
                tender_id=tender_id, section_id=section_id[:26], provider=provider[:64] or None
            ),
        )
    except DomainError as exc:
        problem = problem_of(exc, request, form="guarantee")
        return _bid_page(
            request, tender_id, uow, services, actor, problem=problem, status_code=exc.status
        )
    return see_other(f"{page}?done=guarantee_accepted")
