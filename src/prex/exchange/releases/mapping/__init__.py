"""prex's public facts as OCDS 1.1 releases: pure functions from plain snapshots to release dicts.

One release per public event (see ``docs/ocds.md`` for the table): a tender's publication,
amendments and cancellation, its published opening record (the bids extension), the published
candidates and the award notice, the contract; a listing's announcement, cancellation and result.
The snapshots are built by :mod:`prex.exchange.releases.sources`, which is where secrecy is
decided (nothing sealed, no expert, no reserve, no listing bidder but the buyer); these functions
only shape what they are given. No database, no clock, no settings: the caller passes the ocid
prefix and the event's seq and time.

Parties carry every role known so far in each release, because the merge replaces a party's
``roles`` array wholesale: a bidder who wins is ``tenderer`` *and* ``supplier``.
"""

from prex.exchange.releases.mapping.awards import (
    award_notified,
    candidates_published,
    contract_signed,
)
from prex.exchange.releases.mapping.common import (
    CURRENCY,
    IDENTIFIER_SCHEME,
    LANGUAGE,
    money,
    ocid_for,
    org_ref,
    party,
    party_id,
    release,
    rfc3339,
)
from prex.exchange.releases.mapping.listings import (
    LISTING_KINDS,
    LISTING_METHODS,
    listing_announced,
    listing_ended,
    listing_sold,
)
from prex.exchange.releases.mapping.tenders import (
    BID_STATUS,
    CATEGORIES,
    DOCUMENT_TYPES,
    METHODS,
    bid_id,
    buyer_parties,
    opening_published,
    tender_amended,
    tender_block,
    tender_published,
    tender_status,
    verdicts,
)

__all__ = [
    "BID_STATUS",
    "CATEGORIES",
    "CURRENCY",
    "DOCUMENT_TYPES",
    "IDENTIFIER_SCHEME",
    "LANGUAGE",
    "LISTING_KINDS",
    "LISTING_METHODS",
    "METHODS",
    "award_notified",
    "bid_id",
    "buyer_parties",
    "candidates_published",
    "contract_signed",
    "listing_announced",
    "listing_ended",
    "listing_sold",
    "money",
    "ocid_for",
    "opening_published",
    "org_ref",
    "party",
    "party_id",
    "release",
    "rfc3339",
    "tender_amended",
    "tender_block",
    "tender_published",
    "tender_status",
    "verdicts",
]
