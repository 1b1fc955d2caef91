"""HTTP API of the bidding on a listing: place a signed bid; the live book (the server's clock
and price, the countdown, accepted bids by bidder number); the result and the signed
confirmation of the deal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from prex.auctions import bidding, views
from prex.identity.policy import Action
from prex.web.api.auction_live import HUB
from prex.web.deps import ServicesDep, UowDep, acts, require

router = APIRouter(tags=["auctions"])


class BidIn(BaseModel):
    """A bid and the bidder's signature over
    ``{"act":"listing-bid","amount":…,"listing_id":…,"number":…}`` in canonical JSON."""

    model_config = ConfigDict(extra="forbid")
    amount: str = Field(min_length=1, max_length=20, pattern=r"^[0-9]+(\.[0-9]{1,2})?$")
    signature: str = Field(min_length=16, max_length=90000)


@router.post(
    "/listings/{listing_id}/bids",
    status_code=201,
    openapi_extra=acts(Action.LISTING_BID),
    dependencies=[Depends(require(Action.LISTING_BID))],
)
def place_bid(listing_id: str, body: BidIn, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Accepted (its sequence number and the new countdown) or refused with the current price
    and the minimum (problem ``bid-refused``); either way the decision is audited."""
    result = bidding.place_bid(uow, services, listing_id, body.amount, body.signature)
    HUB.notify(listing_id)  # the live channels of this process push it at once
    return result


@router.get("/listings/{listing_id}/book", openapi_extra=acts(Action.PUBLIC_READ))
def read_book(listing_id: str, services: ServicesDep) -> dict[str, Any]:
    return views.book_view(services, listing_id)


@router.get("/listings/{listing_id}/result", openapi_extra=acts(Action.PUBLIC_READ))
def read_result(listing_id: str, services: ServicesDep) -> dict[str, Any]:
    return views.result_view(services, listing_id)
