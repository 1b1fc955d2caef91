"""The live bidding page of a listing (网络竞价): public, read-only for watchers; a bid form for
a registered bidder. ``/listings`` lists the announced listings, each linking to its page.

The page is the book (:func:`prex.auctions.views.book_view`) rendered on the server, so that it
reads without scripts. ``/static/auction.js`` then follows the listing's WebSocket
(``/api/v1/listings/{id}/live``): the book on every change, every accepted bid in order, the
server's clock (never the browser's) for the countdown; after a dropped connection it resumes
from the last sequence number it saw. A bidder's bid is signed in the browser with its
organisation's certificate and key (``seal.js``'s CMS signer; the key never leaves the page)
and sent over the same WebSocket, which answers each bid once: accepted, or refused with the
current price. Others see bidders only by number.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from prex.auctions import listing_views, live, views
from prex.identity.policy import Action, is_allowed
from prex.web.deps import ActorDep, ServicesDep, acts
from prex.web.i18n import N_, translations
from prex.web.pages.opening import countdown, yuan
from prex.web.pages.render import locale_of, render

router = APIRouter(include_in_schema=False)

#: The listing's status as the page names its phase.
PHASE = {
    "announced": N_("Announced: bidding has not started"),
    "listing": N_("Listing period"),
    "round": N_("Timed final round"),
    "sold": N_("Sold"),
    "failed": N_("Failed: no sale"),
    "cancelled": N_("Cancelled"),
}
#: Why a bid was refused (``bid-refused`` reasons of prex.auctions.bidding).
REASON = {
    "not-open": N_("Bidding has not started."),
    "closed": N_("Bidding is over."),
    "listing-ended": N_("The listing period is over."),
    "round-ended": N_("The countdown had run out when the bid arrived: the server's time decides."),
    "too-low": N_("The bid does not reach the minimum."),
    "leading": N_("You already hold the best bid."),
    "not-in-round": N_("Only the bidders who joined the timed round may bid in it."),
}
#: Words the script writes into the page, passed to it translated (``data-msg`` spans).
SCRIPT_TEXT = {
    "countdown_opens": N_("Bidding opens in"),
    "countdown_listing": N_("The listing period ends in"),
    "countdown_round": N_("The countdown ends in"),
    "countdown_over": N_("Time is up: the server is deciding"),
    "days": N_("%(n)s d"),
    "live": N_("Live"),
    "connecting": N_("Connecting…"),
    "reconnecting": N_("Disconnected: reconnecting in %(n)s s…"),
    "gone": N_("This listing is not available."),
    "refused": N_("The request was refused"),
    "network": N_("The platform could not be reached; try again."),
    "sign_in": N_("Sign in"),
    "no_bids": N_("No bids yet."),
    "no_price": N_("No bid yet"),
    "mine": N_("(you)"),
    "signing": N_("Signing the bid…"),
    "sending": N_("Bid sent; waiting for the server's decision…"),
    "accepted": N_("Your bid of %(amount)s yuan was accepted (no. %(seq)s)."),
    "refused_bid": N_(
        "Your bid was refused: %(reason)s The current price is %(best)s yuan; "
        "the minimum now is %(minimum)s yuan."
    ),
    "lost": N_(
        "The connection dropped before the server answered: "
        "see the bid history for whether the bid was taken."
    ),
    "need_amount": N_("Enter an amount in yuan, with at most two decimal places."),
    "need_files": N_("Choose your organisation's certificate and private key first."),
    "key_error": N_("The certificate or key could not be used to sign: %(detail)s"),
    "offline": N_("Not connected: wait until the page is live again, then bid."),
}


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def timer(book: dict[str, Any], now: datetime, days: str) -> dict[str, str] | None:
    """The countdown shown in this phase: its label's key and its value (``auction.js`` does
    the same from the server's clock)."""
    status = book["status"]
    if status == "announced":
        target, key = _when(book["opens_at"]), "countdown_opens"
    elif status == "listing":
        target, key = _when(book["listing_ends_at"]), "countdown_listing"
    elif status == "round":
        target, key = _when(book["round_ends_at"]), "countdown_round"
    else:
        return None
    if target is None:
        return None
    left: timedelta = target - now
    return {
        "key": key if left.total_seconds() > 0 else "countdown_over",
        "value": countdown(left, days),
    }


@router.get("/listings", response_class=HTMLResponse, openapi_extra=acts(Action.PUBLIC_READ))
def listing_list(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    """The announced listings (挂牌、拍卖), newest opening first, with their live pages."""
    items = listing_views.public_listings(services, actor, limit=100)
    return render(
        request,
        "listings.html",
        items=[i for i in items if i["status"] != "draft"],
        yuan=yuan,
        phases=PHASE,
    )


@router.get(
    "/listings/{listing_id}/live",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.PUBLIC_READ),
)
def auction_live(
    request: Request, listing_id: str, services: ServicesDep, actor: ActorDep
) -> Response:
    """The listing's bidding, live: open to the public; a registered bidder may bid."""
    book = views.book_view(services, listing_id)
    you = live.bidder_view(services, listing_id, actor.org_id)
    now = datetime.fromisoformat(book["server_time"])
    days = translations(locale_of(request)).gettext(SCRIPT_TEXT["days"])
    bids = [{**b, "amount_text": yuan(b["amount"]), "when": _when(b["at"])} for b in book["bids"]]
    return render(
        request,
        "auction_live.html",
        book=book,
        you=you,
        bidder=you["number"] is not None and is_allowed(actor, Action.LISTING_BID),
        now=now,
        timer=timer(book, now, days),
        bids=bids,
        yuan=yuan,
        phases=PHASE,
        reasons=REASON,
        script_text=SCRIPT_TEXT,
    )
