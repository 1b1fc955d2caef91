"""Events of the bidding context."""

from __future__ import annotations

from dataclasses import dataclass

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
