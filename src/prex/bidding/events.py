"""Events of the bidding context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class CustodianRegistered(DomainEvent):
    centre_id: str
    user_id: str
    fingerprint: str
    subject: str


@dataclass(frozen=True)
class CustodianRemoved(DomainEvent):
    centre_id: str
    user_id: str
    fingerprint: str


@dataclass(frozen=True)
class OpeningKeyCreated(DomainEvent):
    suite: str
    public_key: str  # hex, uncompressed point
    threshold: int
    custodian_ids: list[str]


@dataclass(frozen=True)
class BidReceived(DomainEvent):
    tender_id: str
    section_id: str
    bidder_org_id: str
    envelope_sha256: str
    envelope_bytes: int
    replaces: str | None


@dataclass(frozen=True)
class BidWithdrawn(DomainEvent):
    tender_id: str
    section_id: str
    bidder_org_id: str
    envelope_sha256: str


@dataclass(frozen=True)
class BidsCommitted(DomainEvent):
    """At the deadline: the envelopes that will be opened, and the hash that fixes them."""

    sha256: str
    entries: list[dict[str, str]]
    bidders_by_section: dict[str, int]


@dataclass(frozen=True)
class BondRecorded(DomainEvent):
    """A bidder recorded how it provided its bid bond for a section (投标保证金)."""

    tender_id: str
    section_id: str
    bidder_org_id: str
    bond: dict[str, Any]  # kind, amount and the kind's own fields, as stored


@dataclass(frozen=True)
class BondChanged(DomainEvent):
    """A bidder changed its bond record; ``previous`` is what it said before."""

    tender_id: str
    section_id: str
    bidder_org_id: str
    bond: dict[str, Any]
    previous: dict[str, Any]


@dataclass(frozen=True)
class BondRemoved(DomainEvent):
    tender_id: str
    section_id: str
    bidder_org_id: str
    previous: dict[str, Any]
