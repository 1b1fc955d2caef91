"""Tables of listings and auctions. Money is decimal text in yuan (never a float). The reserve
price is stored only sealed — wrapped to the platform's escrow certificate like a bid's content
key — with a SHA-256 commitment published at announcement; it is unsealed when bidding closes.

The bidding book (``best``, ``leader_id``, ``seq``, ``round_ends_at``, ``in_round``) lives on the
listing row, which every bid locks: bids are applied one at a time in server order, on SQLite
(the write lock) and PostgreSQL (``SELECT … FOR UPDATE``) alike.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime

listings = Table(
    "listings",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=False),
    Column("rule_pack_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # land_use | mining | equity
    Column("method", String(16), nullable=False),  # listing | auction
    Column("code", String(40), nullable=False),  # the listing's public number
    Column("title", String(200), nullable=False),
    Column("asset", JSON, nullable=False),  # location, area, use, term … as announced
    Column("conditions", Text, nullable=False),  # who may bid (竞买人资格), pre-emption rights
    Column("documents", JSON, nullable=False),  # [{name, sha256, size}] in the blob store
    Column("seller_org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("start_price", String(24), nullable=False),
    Column("increment", String(24), nullable=False),
    Column("deposit", String(24), nullable=False),
    Column("reserve_sealed", LargeBinary, nullable=True),  # None: no reserve price
    Column("reserve_commitment", String(64), nullable=True),  # SHA-256 published in advance
    Column("reserve", String(24), nullable=True),  # revealed when bidding closes
    Column("countdown_seconds", Integer, nullable=False),
    Column("announced_at", UTCDateTime, nullable=True),
    Column("opens_at", UTCDateTime, nullable=False),  # listing period / auction start
    Column("listing_ends_at", UTCDateTime, nullable=False),
    Column(
        "status", String(16), nullable=False
    ),  # draft|announced|listing|round|sold|failed|cancelled
    Column("best", String(24), nullable=True),
    Column("leader_id", String(26), nullable=True),  # a listing_registrations id
    Column("seq", Integer, nullable=False, default=0),
    Column("round_ends_at", UTCDateTime, nullable=True),
    Column("in_round", JSON, nullable=False),  # registration ids in the timed round
    Column("outcome", JSON, nullable=True),
    Column("confirmation", JSON, nullable=True),  # 成交确认书, canonical JSON
    Column("confirmation_sha256", String(64), nullable=True),
    Column("confirmation_signature", Text, nullable=True),  # base64 platform CMS
    Column("confirmation_timestamp", Text, nullable=True),  # base64 RFC 3161 token
    Column("closed_at", UTCDateTime, nullable=True),
    Column("result_until", UTCDateTime, nullable=True),  # results published at least until
    Column("next_check", UTCDateTime, nullable=True),  # the worker's next timed transition
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(26), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_listings_next_check", listings.c.next_check)
Index("uq_listings_code", listings.c.code, unique=True)

# A bidder's registration (竞买申请): signed with its certificate; reviewed for eligibility by
# the centre; its deposit confirmed before it may bid. Others see it only by its number.
listing_registrations = Table(
    "listing_registrations",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("listing_id", String(26), ForeignKey("listings.id"), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("number", String(8), nullable=False),  # 竞买号: what the other bidders see
    Column("certificate_sha256", String(64), nullable=False),
    Column("signature", LargeBinary, nullable=False),  # over the application's canonical JSON
    Column("applied_at", UTCDateTime, nullable=False),
    Column("eligibility", String(16), nullable=False),  # pending | approved | refused
    Column("eligibility_reason", Text, nullable=True),
    Column("reviewed_at", UTCDateTime, nullable=True),
    Column("reviewed_by", String(26), nullable=True),
    Column("deposit_status", String(16), nullable=False),  # unpaid|confirmed|released|applied
    Column("deposit_amount", String(24), nullable=True),
    Column("payer_name", String(200), nullable=True),
    Column("payer_account", String(64), nullable=True),
    Column("deposit_reference", String(64), nullable=True),  # the bank's transaction reference
    Column("deposit_source", String(80), nullable=True),  # the adapter, or statement:<sha256>
    Column("deposit_confirmed_at", UTCDateTime, nullable=True),
    Column("continuing", Boolean, nullable=False, default=False),  # joins the timed round
    Column("updated_at", UTCDateTime, nullable=False),
)
Index(
    "uq_listing_registrations_org",
    listing_registrations.c.listing_id,
    listing_registrations.c.org_id,
    unique=True,
)
Index(
    "uq_listing_registrations_number",
    listing_registrations.c.listing_id,
    listing_registrations.c.number,
    unique=True,
)
Index(
    "uq_listing_registrations_deposit_reference",
    listing_registrations.c.deposit_reference,
    unique=True,
)

# Accepted bids, totally ordered by ``seq`` (1, 2, 3 … without gaps); each signed by the
# bidder's certificate and timestamped. Refused bids are audit entries, not rows.
listing_bids = Table(
    "listing_bids",
    metadata,
    Column("listing_id", String(26), ForeignKey("listings.id"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("registration_id", String(26), ForeignKey("listing_registrations.id"), nullable=False),
    Column("amount", String(24), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("phase", String(16), nullable=False),  # listing | round
    Column("round_ends_at", UTCDateTime, nullable=True),  # the countdown this bid set
    Column("signature", LargeBinary, nullable=False),
    Column("certificate_sha256", String(64), nullable=False),
    Column("timestamp", Text, nullable=False),  # base64 RFC 3161 token over the bid's digest
)
