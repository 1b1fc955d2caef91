"""The online bid opening hall (不见面开标大厅): one public page, kept live.

The page is the hall's snapshot (:func:`prex.opening.hall.snapshot`) rendered on the server, so
that it reads without scripts. ``/static/opening.js`` then follows the hall's WebSocket
(``/api/v1/tenders/{id}/opening/live``), keeps a clock on the server's time (never the
browser's), and offers the reader's actions — a bidder checks in, confirms or objects; the host
opens, answers objections and publishes the record — as ``fetch()`` POSTs to the opening API
with the session cookie: the same endpoints and checks as any API client (the cookie is
SameSite=Lax, so no other site can post with it). Which actions are offered follows the
snapshot's ``you``; the API decides again.

Custodians release their shares with ``prex opening release`` on their own machine (the share
must never be readable by the browser or the server in transit), and where the rule pack lets
bidders open their own bids they run ``prex opening decrypt``; the page shows them the command.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from prex.identity.policy import Action, is_allowed
from prex.opening import hall
from prex.tenders import service
from prex.tenders.model import TenderStatus
from prex.web.api.tenders import view_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.i18n import N_, translations
from prex.web.pages import labels
from prex.web.pages.render import locale_of, render, render_error

router = APIRouter(include_in_schema=False)

PHASE = {
    "before-deadline": N_("Before the bid deadline"),
    "decrypting": N_("Decrypting the bids"),
    "opened": N_("Bids opened: price reading"),
    "closed": N_("Opening record published"),
    "ended": N_("The opening hall is closed"),
}
#: What became of each committed envelope (E-bidding Measures art. 31 for the two refusals).
OUTCOME = {
    "opened": N_("Opened"),
    "withdrawn": N_("Deemed withdrawn"),
    "revoked": N_("Deemed revoked"),
    "unopened": N_("Not opened: too few bidders in the section"),
}
BOND_KIND = {
    "cash": N_("Cash deposit"),
    "bank_guarantee": N_("Bank guarantee"),
    "e_guarantee": N_("Electronic guarantee"),
    "insurance": N_("Bond insurance"),
}
STATEMENT_KIND = {"confirmation": N_("Confirms the reading"), "objection": N_("Objection")}
KEY_MODE = {
    "custodians": N_("Opened with the custodians' shares"),
    "bidder_or_custodians": N_("Each bidder decrypts its own bid, or the custodians open it"),
    "bidder_only": N_("Each bidder decrypts its own bid"),
}
#: Headings of the API's refusals, by problem slug (the API's ``detail`` follows).
PROBLEM = {
    **labels.PROBLEM,
    "not-enough-shares": N_("Not enough key shares have been released to open"),
    "bad-share": N_("A released key share was refused"),
    "release-refused": N_("The released key was refused"),
    "malformed-json": N_("The request was refused"),
    "internal-error": N_("Something went wrong on the platform"),
}
#: Words the script writes into the page, passed to it translated (``data-msg`` spans).
SCRIPT_TEXT = {
    "countdown_deadline": N_("Time to the bid deadline"),
    "countdown_deadline_passed": N_("The bid deadline has passed: the opening begins shortly"),
    "countdown_window": N_("The decryption window closes in"),
    "countdown_window_passed": N_("The decryption window has closed"),
    "days": N_("%(n)s d"),
    "live": N_("Live"),
    "connecting": N_("Connecting…"),
    "reconnecting": N_("Disconnected: reconnecting in %(n)s s…"),
    "gone": N_("This opening hall is not available."),
    "after_deadline": N_("Known after the deadline"),
    "sign_in": N_("Sign in"),
    "refused": N_("The request was refused"),
    "network": N_("The platform could not be reached; try again."),
    "awaiting_answer": N_("Awaiting the host's answer"),
    "answer": N_("Answer"),
    "answer_label": N_("Your answer to this objection"),
    "answer_send": N_("Answer the objection"),
    "no_reading": N_("The price reading is shown here once the bids are opened."),
    "no_statements": N_("No confirmations or objections yet."),
    "need_text": N_("State the grounds of the objection."),
    "need_answer": N_("Write the answer first."),
    "done_checkin": N_("You have checked in."),
    "done_confirmation": N_("Your confirmation has been recorded."),
    "done_objection": N_("Your objection has been recorded; the host will answer it here."),
    "done_open": N_(
        "The bids have been opened: %(opened)s opened, %(withdrawn)s deemed "
        "withdrawn, %(revoked)s deemed revoked."
    ),
    "done_answer": N_("The answer has been recorded."),
    "done_record": N_("The opening record has been signed and published."),
}


def yuan(amount: str | None) -> str:
    """A price as read out: thousands separators, at least two decimals, exactly the digits
    sealed (never rounded; ``opening.js`` formats the same way)."""
    if amount is None:
        return ""
    sign, digits = ("-", amount[1:]) if amount.startswith("-") else ("", amount)
    whole, _, fraction = digits.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        return amount
    return f"{sign}{int(whole):,}.{fraction.ljust(2, '0')}"


def countdown(remaining: timedelta, days: str) -> str:
    """``H:MM:SS`` left (``days`` is the translated "%(n)s d" for whole days), as the script
    shows it; nothing left reads 00:00:00."""
    seconds = max(0, int(-(-remaining.total_seconds() // 1)))  # whole seconds, rounded up
    d, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days % {'n': d}} {clock}" if d else clock


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _timer(state: dict[str, Any], now: datetime, days: str) -> dict[str, str] | None:
    """The countdown the board shows in this phase: its label's key and its value."""
    phase = state["phase"]
    if phase == "before-deadline":
        target, key = _when(state["bid_deadline"]), "countdown_deadline"
    elif phase == "decrypting":
        target, key = _when(state["window_closes_at"]), "countdown_window"
    else:
        return None
    assert target is not None
    left = target - now
    return {
        "key": key if left.total_seconds() > 0 else f"{key}_passed",
        "value": countdown(left, days),
    }


@router.get(
    "/tenders/{tender_id}/opening",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.PUBLIC_READ),
)
def opening_hall(
    request: Request, tender_id: str, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> Response:
    """The opening hall of a published tender: open to the public, live; with the actions
    the reader may take."""
    tender = service.get_tender_for(uow, tender_id)
    if tender.status is TenderStatus.DRAFT:
        gettext = translations(locale_of(request)).gettext
        return render_error(
            request,
            409,
            gettext("The opening hall is not open yet"),
            gettext("The opening hall opens when the tender is published."),
        )
    state = hall.snapshot(services, actor, tender.id)
    now = datetime.fromisoformat(state["server_time"])
    days = translations(locale_of(request)).gettext(SCRIPT_TEXT["days"])
    sections = {s.id: s.name for s in tender.sections}
    reading = [
        {**row, "price_text": yuan(row["price"]), "section": sections.get(row["section_id"], "")}
        for row in state["reading"]
    ]
    statements = [
        {**s, "made": _when(s["made_at"]), "answered": _when(s["answered_at"])}
        for s in state["statements"]
    ]
    return render(
        request,
        "opening_hall.html",
        tender=view_for(tender, actor),
        hall=state,
        now=now,
        deadline=_when(state["bid_deadline"]),
        window_closes=_when(state["window_closes_at"]),
        timer=_timer(state, now, days),
        reading=reading,
        statements=statements,
        sections=sections,
        attendee=is_allowed(actor, Action.OPENING_ATTEND),
        phases=PHASE,
        outcomes=OUTCOME,
        bond_kinds=BOND_KIND,
        statement_kinds=STATEMENT_KIND,
        key_modes=KEY_MODE,
        problems=PROBLEM,
        script_text=SCRIPT_TEXT,
        server=str(request.base_url).rstrip("/"),
        page_url=f"/tenders/{tender.id}/opening",
    )
