"""Tables of the opening context.

Nothing here is plaintext key material: released shares and content keys are stored only
encrypted to the platform's opening escrow key (decision 0009) and deleted once used.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

# One row per tender once its opening has begun; the record once it is published.
openings = Table(
    "openings",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("status", String(16), nullable=False),  # decrypting | opened | closed
    Column("opened_at", UTCDateTime, nullable=True),
    Column("opened_by", String(26), nullable=True),
    Column("shares_used", JSON, nullable=True),  # indices of the custodians' shares combined
    Column("closed_at", UTCDateTime, nullable=True),
    Column("record", JSON, nullable=True),
    Column("record_sha256", String(64), nullable=True),
    Column("record_signature", Text, nullable=True),  # base64 detached CMS
    Column("record_timestamp", Text, nullable=True),  # base64 RFC 3161 token
)

# A custodian's share, released after the deadline, escrowed; deleted when the bids are opened.
share_releases = Table(
    "share_releases",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("share_index", Integer, primary_key=True),
    Column("custodian_id", String(26), ForeignKey("opening_custodians.id"), nullable=False),
    Column("escrowed", LargeBinary, nullable=False),
    Column("released_at", UTCDateTime, nullable=False),
    Column("address", String(64), nullable=True),
)

# A bidder's own decryption: its content key, escrowed; deleted when the bid is opened.
content_key_releases = Table(
    "content_key_releases",
    metadata,
    Column("bid_id", String(26), ForeignKey("bids.id"), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("escrowed", LargeBinary, nullable=False),
    Column("released_at", UTCDateTime, nullable=False),
    Column("address", String(64), nullable=True),
)
Index("ix_content_key_releases_tender", content_key_releases.c.tender_id)

# Bidders present in the opening hall (签到).
opening_checkins = Table(
    "opening_checkins",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("org_id", String(26), ForeignKey("organisations.id"), primary_key=True),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("checked_in_at", UTCDateTime, nullable=False),
    Column("address", String(64), nullable=True),
)

# The outcome of each committed envelope. ``form`` is what is read out (唱标) and published;
# ``fingerprint`` and ``documents`` are for evaluators and supervision only; the content key
# is kept escrowed so evaluators can read documents later without any plaintext at rest.
opened_bids = Table(
    "opened_bids",
    metadata,
    Column("bid_id", String(26), ForeignKey("bids.id"), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("section_id", String(26), nullable=False),
    Column("bidder_org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("envelope_sha256", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # opened | revoked | withdrawn (art. 31)
    Column("fault", String(16), nullable=True),  # bidder | platform, for a failed decryption
    Column("reason", Text, nullable=True),
    Column("decrypted_by", String(16), nullable=True),  # custodians | bidder
    Column("form", JSON, nullable=True),
    Column("fingerprint", JSON, nullable=True),
    Column("documents", JSON, nullable=True),
    Column("signer_subject", Text, nullable=True),
    Column("escrowed_content_key", LargeBinary, nullable=True),
    Column("opened_at", UTCDateTime, nullable=False),
)
Index("ix_opened_bids_tender", opened_bids.c.tender_id)

# Bidders' confirmations of, and objections to, the opening, and the host's answers.
opening_statements = Table(
    "opening_statements",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # confirmation | objection
    Column("text", Text, nullable=False),
    Column("made_at", UTCDateTime, nullable=False),
    Column("address", String(64), nullable=True),
    Column("answer", Text, nullable=True),
    Column("answered_by", String(26), nullable=True),
    Column("answered_at", UTCDateTime, nullable=True),
)
Index("ix_opening_statements_tender", opening_statements.c.tender_id)
