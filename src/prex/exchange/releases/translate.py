"""Which outbox events are public OCDS events, and the release each one becomes.

Every other event (bids received, keys released, experts drawn, deposits, refused bids …) gives
no release: it is either secret until a later public act or of no public interest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from prex.exchange.releases import mapping as m
from prex.exchange.releases import sources


@dataclass(frozen=True)
class Origin:
    """Who publishes: the ocid prefix and where documents are downloaded."""

    prefix: str
    base_url: str


Handler = Callable[[Session, Any, Origin], dict[str, Any] | None]


def _tender(
    build: Callable[[str, dict[str, Any]], dict[str, Any] | None],
) -> Handler:
    """Wrap a tender event: no release for sandbox or unpublished tenders."""

    def handler(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
        tender = sources.tender_snapshot(session, row["object_id"])
        if tender is None:
            return None
        return build(m.ocid_for(origin.prefix, tender["process_codes"][-1]), tender)

    return handler


def _published(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    return _tender(
        lambda ocid, t: m.tender_published(
            ocid,
            row["seq"],
            row["at"],
            t,
            row["payload"],
            origin.base_url,
            tuple(m.ocid_for(origin.prefix, code) for code in t["process_codes"][:-1]),
        )
    )(session, row, origin)


def _amended(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    return _tender(
        lambda ocid, t: m.tender_amended(
            ocid, row["seq"], row["at"], t, row["payload"], origin.base_url
        )
    )(session, row, origin)


def _cancelled(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    return _tender(
        lambda ocid, t: m.tender_status(
            ocid,
            row["seq"],
            row["at"],
            t,
            status="cancelled",
            reason=str(row["payload"]["reason"]),
            base=origin.base_url,
        )
    )(session, row, origin)


def _status_changed(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    if row["payload"]["status"] != "failed":
        return None
    return _tender(
        lambda ocid, t: m.tender_status(
            ocid,
            row["seq"],
            row["at"],
            t,
            status="unsuccessful",
            reason=f"流标: {row['payload']['note']}",
            base=origin.base_url,
            evaluated=sources.evaluated_bids(session, row["object_id"]),
        )
    )(session, row, origin)


def _opening(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    record = sources.opening_record(session, row["object_id"])
    if record is None:
        return None
    return _tender(lambda ocid, t: m.opening_published(ocid, row["seq"], row["at"], t, record))(
        session, row, origin
    )


def _candidates(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    published = sources.published_candidates(session, row["object_id"])
    if not published:
        return None
    evaluated = sources.evaluated_bids(session, row["object_id"])
    return _tender(
        lambda ocid, t: m.candidates_published(ocid, row["seq"], row["at"], t, published, evaluated)
    )(session, row, origin)


def _notice(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    section_id = row["payload"]["section_id"]
    notice = sources.award_notice(session, row["object_id"], section_id)
    published = sources.published_candidates(session, row["object_id"]) or []
    section = next((s for s in published if s["section_id"] == section_id), None)
    if notice is None or section is None:
        return None
    return _tender(
        lambda ocid, t: m.award_notified(ocid, row["seq"], row["at"], t, section, notice)
    )(session, row, origin)


def _contract(countersigned: bool) -> Handler:
    def handler(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
        found = sources.contract(session, row["object_id"], row["payload"]["section_id"])
        if found is None:
            return None
        # The release says what the event said, even when the worker reads it later.
        found = {**found, "countersigned": countersigned}
        return _tender(lambda ocid, t: m.contract_signed(ocid, row["seq"], row["at"], t, found))(
            session, row, origin
        )

    return handler


def _listing(
    build: Callable[[str, dict[str, Any]], dict[str, Any] | None],
) -> Handler:
    def handler(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
        listing = sources.listing_snapshot(session, row["object_id"])
        if listing is None:
            return None
        return build(m.ocid_for(origin.prefix, listing["code"]), listing)

    return handler


def _listing_announced(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    return _listing(lambda ocid, li: m.listing_announced(ocid, row["seq"], row["at"], li))(
        session, row, origin
    )


def _listing_cancelled(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    return _listing(
        lambda ocid, li: m.listing_ended(
            ocid,
            row["seq"],
            row["at"],
            li,
            status="cancelled",
            reason=str(row["payload"]["reason"]),
        )
    )(session, row, origin)


def _bidding_closed(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    if row["payload"]["result"] == "sold":
        return None  # the confirmation of the deal, in the same transaction, is the award
    return _listing(
        lambda ocid, li: m.listing_ended(
            ocid,
            row["seq"],
            row["at"],
            li,
            status="unsuccessful",
            reason=f"流拍: {row['payload']['result']}",
        )
    )(session, row, origin)


def _deal(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    def build(ocid: str, listing: dict[str, Any]) -> dict[str, Any] | None:
        confirmation = listing["confirmation"]
        if not confirmation:
            return None
        return m.listing_sold(ocid, row["seq"], row["at"], listing, confirmation)

    return _listing(build)(session, row, origin)


HANDLERS: dict[tuple[str, str], Handler] = {
    ("tender", "TenderPublished"): _published,
    ("tender", "TenderAmended"): _amended,
    ("tender", "TenderCancelled"): _cancelled,
    ("tender", "TenderStatusChanged"): _status_changed,
    ("tender", "OpeningRecordPublished"): _opening,
    ("tender", "CandidatesPublished"): _candidates,
    ("tender", "AwardNoticeIssued"): _notice,
    ("tender", "ContractRecorded"): _contract(False),
    ("tender", "ContractCountersigned"): _contract(True),
    ("listing", "ListingAnnounced"): _listing_announced,
    ("listing", "ListingCancelled"): _listing_cancelled,
    ("listing", "BiddingClosed"): _bidding_closed,
    ("listing", "DealConfirmed"): _deal,
}


def release_for(session: Session, row: Any, origin: Origin) -> dict[str, Any] | None:
    """The release an outbox row becomes, or None when the event is not a public OCDS event."""
    handler = HANDLERS.get((row["object_type"], row["event"]))
    return None if handler is None else handler(session, row, origin)
