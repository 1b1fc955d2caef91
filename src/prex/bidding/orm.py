"""Tables of the bidding context."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from prex.db.base import metadata
from prex.db.types import UTCDateTime, Yuan

# People who each hold one share of every opening key of their centre's tenders (开标密钥保管人).
opening_custodians = Table(
    "opening_custodians",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=False),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False),
    Column("fingerprint", String(64), nullable=False),  # of the encryption certificate
    Column("certificate", LargeBinary, nullable=False),  # DER; shares are encrypted to it
    Column("subject", Text, nullable=False),
    Column("key_kind", String(16), nullable=False),
    Column("not_after", UTCDateTime, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("removed_at", UTCDateTime, nullable=True),
)
Index("ix_opening_custodians_centre", opening_custodians.c.centre_id, opening_custodians.c.active)
Index(
    "uq_opening_custodians_certificate",
    opening_custodians.c.centre_id,
    opening_custodians.c.fingerprint,
    unique=True,
)

# A tender's opening key: only the public half and the Feldman commitments are kept; the
# private half exists nowhere whole, only as shares each encrypted to one custodian.
tender_opening_keys = Table(
    "tender_opening_keys",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("suite", String(32), nullable=False),
    Column("key_mode", String(32), nullable=False),
    Column("public_point", LargeBinary, nullable=False),
    Column("commitments", JSON, nullable=False),
    Column("threshold", Integer, nullable=False),
    Column("custodians", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

opening_key_shares = Table(
    "opening_key_shares",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("share_index", Integer, primary_key=True),
    Column("custodian_id", String(26), ForeignKey("opening_custodians.id"), nullable=False),
    Column("sealed_share", LargeBinary, nullable=False),  # encrypted to the custodian
)

# Envelopes received. Only the envelope (ciphertext) is kept, in the blob store under its
# SHA-256; the receipt given to the bidder is kept verbatim.
bids = Table(
    "bids",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("section_id", String(26), nullable=False),
    Column("bidder_org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("submitted_by", String(26), ForeignKey("users.id"), nullable=False),
    Column("envelope_sha256", String(64), nullable=False),
    Column("envelope_bytes", BigInteger, nullable=False),  # up to the 4096 MiB cap
    Column("signer_fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # live | replaced | withdrawn
    Column("idempotency_key", String(100), nullable=False),
    Column("receipt", JSON, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("address", String(64), nullable=True),
    Column("ended_at", UTCDateTime, nullable=True),
)
Index("ix_bids_tender", bids.c.tender_id, bids.c.status)
Index("uq_bids_idempotency", bids.c.bidder_org_id, bids.c.idempotency_key, unique=True)

# The commitment made at the deadline: every live envelope, hashed and written to the audit chain.
bid_commitments = Table(
    "bid_commitments",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("entries", JSON, nullable=False),  # [{section_id, bidder_uscc, envelope_sha256}]
    Column("sha256", String(64), nullable=False),
    Column("bidders_by_section", JSON, nullable=False),
    Column("committed_at", UTCDateTime, nullable=False),
)

# Resumable uploads of envelopes (docs/decisions/0008-resumable-uploads.md). The bytes received
# so far are in the spool area (``<upload id>.upload`` beside the blob store's temporary files),
# never in the blob store and never a bid: a row is transport state only. ``received`` is the
# committed offset: every byte below it is on disk (fsynced) and will not change; bytes beyond
# it in the spool file are discarded by the next append. Whether the upload became a bid is
# not stored here: the bid with the upload's key (in ``bids``) is the only record of that.
bid_uploads = Table(
    "bid_uploads",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("org_id", String(26), ForeignKey("organisations.id"), nullable=False),  # the owner
    Column("created_by", String(26), ForeignKey("users.id"), nullable=False),
    Column("idempotency_key", String(100), nullable=False),
    Column("length", BigInteger, nullable=False),  # declared total, bytes
    Column("sha256", String(64), nullable=False),  # declared digest of the whole envelope
    Column("received", BigInteger, nullable=False),  # the committed offset
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),  # extended by every append
)
Index("uq_bid_uploads_key", bid_uploads.c.org_id, bid_uploads.c.idempotency_key, unique=True)
Index("ix_bid_uploads_expires", bid_uploads.c.expires_at)

# How each bidder provided its bid bond (投标保证金) for a section: one record per tender, section
# and bidder, changed in place (every change is in the audit chain). Confidential before the
# opening: the tender's centre operators see them all, a bidder only its own. The payer account
# is stored normalised (digits only; names NFKC, spaces collapsed) so that the collusion screen
# can find one account paying for two bidders.
bid_bonds = Table(
    "bid_bonds",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("section_id", String(26), nullable=False),
    Column("bidder_org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # cash | bank_guarantee | e_guarantee | insurance
    Column("amount", Yuan, nullable=False),  # fen
    Column("payer_account_name", Text, nullable=True),  # cash only
    Column("payer_account_number", String(40), nullable=True),  # cash only, digits
    Column("payer_bank", Text, nullable=True),  # cash only
    Column("guarantor", Text, nullable=True),  # guarantees and insurance
    Column("guarantee_number", String(100), nullable=True),
    Column("valid_from", Date, nullable=True),
    Column("valid_until", Date, nullable=True),
    Column("recorded_by", String(26), ForeignKey("users.id"), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index(
    "uq_bid_bonds_bidder",
    bid_bonds.c.tender_id,
    bid_bonds.c.section_id,
    bid_bonds.c.bidder_org_id,
    unique=True,
)
Index("ix_bid_bonds_payer_account", bid_bonds.c.payer_account_number)
