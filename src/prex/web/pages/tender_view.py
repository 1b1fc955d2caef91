"""Showing one tender: the public page and the parties' manage page, with only the actions
the reader may take.

Which actions a page offers is decided here, once, from the policy table
(:func:`~prex.identity.policy.is_allowed` on the tender as a resource) and the tender's status;
the services check both again when a form is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from prex.analytics.risk.queries import tender_risk
from prex.award.awarding import published_or_none
from prex.bootstrap import Services
from prex.complaints import service as complaints
from prex.identity.policy import Action, Actor, is_allowed
from prex.shared.clock import ensure_utc
from prex.tenders import service
from prex.tenders.model import (
    OPEN_FOR_BIDS,
    Method,
    Tender,
    TenderStatus,
    allowed_transitions,
)
from prex.web.api.tenders import view_for
from prex.web.pages.common import Problem, organisation_names
from prex.web.pages.forms import input_datetime, section_values
from prex.web.pages.render import render
from prex.web.schemas.tenders import EnquiryPrivate


@dataclass(frozen=True)
class TenderActions:
    """What the reader may do to a tender now (each: the policy allows it and the status)."""

    manage: bool = False  # open the manage page (a party, or the centre, may read drafts)
    edit: bool = False  # change the draft's fields and sections
    upload: bool = False  # attach a document to the draft
    publish: bool = False
    amend: bool = False  # issue a clarification or amendment while open for bids
    cancel: bool = False
    answer: bool = False  # answer bidders' enquiries
    obtain: bool = False  # a bidder obtains the documents (within the issue window)
    ask: bool = False  # a bidder asks a question or raises an objection
    bid: bool = False  # a bidder seals and submits a bid (before the deadline)
    archive: bool = False  # download the ended transaction's archive (电子档案)
    obtained_at: datetime | None = None  # when the reader's organisation obtained them

    @property
    def any_party_action(self) -> bool:
        return self.edit or self.upload or self.publish or self.amend or self.cancel


def tender_actions(actor: Actor, tender: Tender, now: datetime) -> TenderActions:
    """The actions to offer ``actor`` on ``tender`` at ``now`` (the tender's own clock)."""
    resource = service.tender_resource(tender)

    def may(action: Action) -> bool:
        return is_allowed(actor, action, resource)

    draft = tender.status is TenderStatus.DRAFT
    open_for_bids = tender.status in OPEN_FOR_BIDS
    obtained_at = next(
        (i.obtained_at for i in tender.interests if actor.org_id and i.org_id == actor.org_id),
        None,
    )
    invited = tender.method is not Method.INVITED or actor.org_id in tender.invitee_org_ids
    issue_from = ensure_utc(tender.documents_from) if tender.documents_from else now
    in_window = issue_from <= now <= ensure_utc(tender.documents_until)
    return TenderActions(
        manage=may(Action.TENDER_READ_DRAFT),
        edit=draft and may(Action.TENDER_EDIT),
        upload=draft and may(Action.DOCUMENT_UPLOAD),
        publish=draft and may(Action.TENDER_PUBLISH),
        amend=open_for_bids and may(Action.TENDER_AMEND),
        cancel=TenderStatus.CANCELLED in allowed_transitions(tender.status)
        and may(Action.TENDER_CANCEL),
        answer=not tender.status.terminal and may(Action.ENQUIRY_ANSWER),
        obtain=open_for_bids
        and invited
        and in_window
        and obtained_at is None
        and actor.org_id is not None
        and may(Action.DOCUMENT_OBTAIN),
        ask=open_for_bids and actor.org_id is not None and may(Action.ENQUIRY_ASK),
        bid=open_for_bids
        and invited
        and now < ensure_utc(tender.bid_deadline)
        and actor.org_id is not None
        and may(Action.BID_SUBMIT),
        archive=tender.status.terminal and may(Action.ARCHIVE_READ),
        obtained_at=obtained_at,
    )


def draft_values(tender: Tender) -> dict[str, Any]:
    """The edit form's fields, filled from the draft (strings, times in Beijing time)."""
    return {
        "title": tender.title,
        "description": tender.description,
        "qualification": tender.qualification,
        "evaluation_method": tender.evaluation_method.value,
        "bid_deadline": input_datetime(tender.bid_deadline),
        "documents_until": input_datetime(tender.documents_until),
        "opening_place": tender.opening_place,
        "invitee_org_ids": "\n".join(tender.invitee_org_ids),
        "sections": section_values(tender.sections),
    }


def flag_panel(services: Services, actor: Actor, tender: Tender) -> dict[str, Any] | None:
    """The red flags and risk of the tender, for its centre's supervisors only (None: no panel;
    the policy table decides, so bidders, experts and the public never get one)."""
    with services.read_session() as session:
        return tender_risk(session, actor, tender.id, tender.centre_id)


def show_tender(
    request: Request,
    services: Services,
    actor: Actor,
    tender: Tender,
    *,
    manage: bool = False,
    problem: Problem | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render the tender's public page, or its manage page when asked and the reader may.

    ``values`` are a refused form's fields to show again (``{form name: {field: value}}``)."""
    can = tender_actions(actor, tender, tender.clock(services.clock).now())
    view = view_for(tender, actor)
    askers = {e.org_id for e in view.enquiries if isinstance(e, EnquiryPrivate)}
    context: dict[str, Any] = {
        "tender": view,
        "org_names": organisation_names(services, askers),
        "can": can,
        "problem": problem,
        "values": values or {},
        "max_document_mb": max(1, services.settings.max_document_bytes // (1024 * 1024)),
    }
    # The suspension and published decisions (everyone); the reader's own complaints (parties).
    context["complaints"] = complaints.public_of(services, tender)
    context["own_complaints"] = (
        complaints.of_tender(services, actor, tender.id)["complaints"]
        if is_allowed(actor, Action.COMPLAINT_READ)
        else []
    )
    if manage and can.manage:
        pack = services.rule_packs.get(tender.rule_pack_id)
        context["draft"] = draft_values(tender)
        context["pack"] = {
            "name": pack.name,
            "notice_days": pack.period("clarification.min-days-before-deadline").amount,
        }
        context["page_url"] = f"/workbench/tenders/{tender.id}"
        return render(request, "tender_manage.html", status_code, **context)
    context["page_url"] = f"/tenders/{tender.id}"
    context["result"] = published_or_none(services, tender.id)
    context["risk"] = flag_panel(services, actor, tender)

    return render(request, "tender_detail.html", status_code, **context)
