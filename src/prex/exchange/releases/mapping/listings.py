"""Releases of a listing or auction (a sale of rights or property): the announcement, its
cancellation or failure, and the confirmed deal with its buyer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from prex.exchange.releases.mapping.common import (
    money,
    org_ref,
    party,
    release,
    rfc3339,
    status_reason,
)

LISTING_METHODS = {
    "listing": ("open", "挂牌出让 (listing with a timed bidding round)"),
    "auction": ("open", "拍卖出让 (English ascending auction)"),
}

LISTING_KINDS = {
    "land_use": "国有建设用地使用权出让 (land-use right)",
    "mining": "矿业权出让 (mining right)",
    "equity": "国有产权转让 (state-owned property right)",
}


def _eligibility(conditions: str) -> str:
    """Who may bid, from the listing's conditions (JSON with ``eligibility``, or plain text)."""
    try:
        parsed = json.loads(conditions)
    except ValueError:
        return conditions
    return str(parsed.get("eligibility", "")) if isinstance(parsed, dict) else conditions


def _listing_tender(listing: dict[str, Any], status: str) -> dict[str, Any]:
    method, details = LISTING_METHODS.get(listing["method"], ("open", listing["method"]))
    block = {
        "id": listing["id"],
        "title": listing["title"],
        "description": f"{LISTING_KINDS.get(listing['kind'], listing['kind'])} {listing['code']}",
        "status": status,
        "procuringEntity": org_ref(listing["seller"]),
        # A sale: the start price is the least the seller accepts to hear (the reserve stays
        # sealed and is never published here).
        "minValue": money(listing["start_price"]),
        "procurementMethod": method,
        "procurementMethodDetails": details,
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": rfc3339(listing["opens_at"]),
            "endDate": rfc3339(listing["listing_ends_at"]),
        },
    }
    eligibility = _eligibility(listing["conditions"])
    if eligibility:
        block["eligibilityCriteria"] = eligibility
    return block


def _seller(listing: dict[str, Any]) -> dict[str, Any]:
    # The seller offers the asset and receives the price.
    return party(listing["seller"], ["procuringEntity", "payee"])


def listing_announced(ocid: str, seq: int, at: datetime, listing: dict[str, Any]) -> dict[str, Any]:
    """Tag ``tender``: the listing's announcement (出让公告)."""
    return release(
        ocid,
        seq,
        at,
        ["tender"],
        parties=[_seller(listing)],
        tender=_listing_tender(listing, "active"),
    )


def listing_ended(
    ocid: str, seq: int, at: datetime, listing: dict[str, Any], *, status: str, reason: str
) -> dict[str, Any]:
    """Tag ``tenderCancellation`` (终止) or ``tenderUpdate`` (流拍: unsuccessful)."""
    block = _listing_tender(listing, status)
    block["amendments"] = status_reason(seq, at, status, reason)
    tag = "tenderCancellation" if status == "cancelled" else "tenderUpdate"
    return release(ocid, seq, at, [tag], parties=[_seller(listing)], tender=block)


def listing_sold(
    ocid: str, seq: int, at: datetime, listing: dict[str, Any], confirmation: dict[str, Any]
) -> dict[str, Any]:
    """Tag ``award``: the confirmation of the deal (成交确认书): the buyer and the price. The
    other bidders are never published."""
    buyer = confirmation["buyer"]
    award = {
        "id": f"{listing['id']}-deal",
        "title": "成交确认书",
        "status": "active",
        "date": rfc3339(confirmation["closed_at"]),
        "value": money(confirmation["price"]),
        "suppliers": [org_ref(buyer)],
    }
    block = _listing_tender(listing, "complete")
    block.pop("tenderPeriod")
    return release(
        ocid,
        seq,
        at,
        ["award"],
        parties=[_seller(listing), party(buyer, ["tenderer", "supplier"])],
        tender=block,
        awards=[award],
    )
