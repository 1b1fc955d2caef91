"""The remote evaluation room (远程异地评标室): one page per tender for its sitting committee
members and the centre's operators and supervisors, kept live.

The page is the room as :func:`prex.evaluation.service.room_of` gives it to the reader (with
the opened bids' documents listed), rendered on the server so that it reads without scripts.
``/static/evaluation.js`` then follows the room's WebSocket
(``/api/v1/tenders/{id}/evaluation/live``), keeps a clock on the server's time (never the
browser's), and sends the member's review sheet, score sheet and justifications as ``fetch()``
calls to the evaluation API with the session cookie (SameSite=Lax: no other site can send it) —
the same endpoints and checks as any API client. While the centre has the room paused, the page
is locked (the API refuses every entry then anyway).

Members are shown by their per-tender pseudonym only; a sitting member's own name is not shown
either (the header names the reader by pseudonym here), so that a screen shared with the
remote venue's supervision camera names nobody.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from prex.evaluation import assistance
from prex.evaluation.documents import room_with_documents
from prex.identity.policy import Action
from prex.shared.errors import DomainError, NotFound, PermissionDenied
from prex.tenders import service
from prex.web.api.tenders import view_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.i18n import N_, translations
from prex.web.pages import labels
from prex.web.pages.common import gate
from prex.web.pages.opening import yuan
from prex.web.pages.render import locale_of, render, render_error

router = APIRouter(include_in_schema=False)

STATUS = {
    "open": N_("Evaluation in progress"),
    "paused": N_("Evaluation paused"),
    "complete": N_("Evaluation complete"),
    "dissolved": N_("Committee dissolved: the evaluation starts again with a new committee"),
}
#: The dissolved status after a complaint decision ordered the evaluation redone.
REDO_STATUS = N_("Closed by a complaint decision: the same committee evaluates again")
STAGE = {"qualification": N_("Qualification review"), "compliance": N_("Compliance review")}
#: Headings of the API's refusals, by problem slug (the API's ``detail`` follows).
PROBLEM = {
    **labels.PROBLEM,
    "malformed-json": N_("The request was refused"),
    "internal-error": N_("Something went wrong on the platform"),
}
#: Words the script writes into the page, passed to it translated (``data-msg`` spans).
SCRIPT_TEXT = {
    "live": N_("Live"),
    "connecting": N_("Connecting…"),
    "reconnecting": N_("Disconnected: reconnecting in %(n)s s…"),
    "gone": N_("This evaluation room is not available to you."),
    "sign_in": N_("Sign in"),
    "refused": N_("The request was refused"),
    "network": N_("The platform could not be reached; try again."),
    "passed": N_("Pass"),
    "failed": N_("Fail"),
    "yes": N_("Submitted"),
    "no": N_("Not yet"),
    "you": N_("(you)"),
    "nobody": N_("Nobody"),
    "no_sheets": N_("No finished sheet yet."),
    "no_blocking": N_("Nothing: the centre may complete the evaluation."),
    "need_reason": N_("Give the reason for every fail."),
    "need_score": N_("Enter a score for every bid and criterion."),
    "need_justification": N_("Write the justification first."),
    "done_review": N_("Your review sheet has been recorded."),
    "done_scores": N_("Your score sheet has been recorded."),
    "done_justification": N_("Your justification has been recorded."),
    "justified": N_("Justified"),
    "justify": N_("Justify this score"),
    "justification_label": N_("Your justification"),
    "deviation": N_(
        "Your score %(score)s of %(bidder)s on “%(criterion)s” lies more than %(limit)s points "
        "from the mean %(reference)s: justify it or change it."
    ),
    "failed_marks": N_("Fails"),
    "all_pass": N_("Every bid passes every item."),
    "bidder": N_("Bidder"),
    "review_items": N_("Review"),
}


def _mine(state: dict[str, Any]) -> str | None:
    """The reader's pseudonym, when the reader sits on the committee."""
    return next((m["pseudonym"] for m in state["members"] if m["me"]), None)


@router.get(
    "/tenders/{tender_id}/evaluation",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.EVALUATION_READ),
)
def evaluation_room(
    request: Request, tender_id: str, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> Response:
    """The evaluation room of a tender: sitting members enter their sheets; the centre
    follows. Anyone else is refused (an anonymous visitor is sent to sign in)."""
    refused = gate(request, actor, Action.EVALUATION_READ)
    if refused is not None:
        return refused
    tender = service.get_tender_for(uow, tender_id)
    gettext = translations(locale_of(request)).gettext
    try:
        state = room_with_documents(services, actor, tender.id)
    except PermissionDenied:
        return render_error(
            request,
            403,
            gettext("Not allowed"),
            gettext("Only the sitting members of the committee and the centre see this room."),
        )
    except NotFound:
        return render_error(
            request,
            404,
            gettext("The evaluation has not started"),
            gettext("The centre opens the evaluation room after the opening record is published."),
        )
    me = _mine(state)
    if me is not None:
        # In the room a member is the pseudonym: the header does not show the expert's name.
        request.state.actor = dataclasses.replace(actor, label=me)
    method = state["method"]
    subjective = [c for c in method["criteria"] if c["kind"] == "subjective"]
    sheet = next((s for s in state["sheets"] if s["member"] == me), None)
    marks = {(m["bid_id"], m["item"]): m for m in sheet["marks"]} if sheet else {}
    scores = {(s["bid_id"], s["criterion"]): s["score"] for s in sheet["scores"]} if sheet else {}
    sections = {s.id: s.name for s in tender.sections}
    bids = [
        {**b, "price_text": yuan(b["price"]), "section": sections.get(b["section_id"], "")}
        for b in state["bids"]
    ]
    deviations = [
        d for s in state["sections"] for d in s.get("deviations", []) if d["member"] == me
    ]
    try:
        advice = assistance.advice_of(services, actor, tender.id)
    except DomainError:  # advice never keeps the room from showing
        advice = {"assistants": [], "findings": [], "errors": []}
    return render(
        request,
        "evaluation_room.html",
        tender=view_for(tender, actor),
        room=state,
        now=datetime.fromisoformat(state["server_time"]),
        me=me,
        bids=bids,
        bidder_names={b["bid_id"]: b["bidder_name"] for b in bids},
        method=method,
        subjective=subjective,
        marks=marks,
        scores=scores,
        valid=state["to_score"],
        scores_open=bool(state["to_score"]),
        deviations=deviations,
        advice=advice,
        criterion_names={c["id"]: c["name"] for c in method["criteria"]},
        review_names={r["id"]: r["name"] for r in method["review"]},
        statuses={**STATUS, "dissolved": REDO_STATUS} if state.get("redo") else STATUS,
        stages=STAGE,
        problems=PROBLEM,
        script_text=SCRIPT_TEXT,
        page_url=f"/tenders/{tender.id}/evaluation",
    )
