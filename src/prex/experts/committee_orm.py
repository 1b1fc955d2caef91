"""Tables of committee draws: the committed seed (escrowed, never in the clear before it is
revealed), the spec, the published record, and each drawn expert's place and response.

A committee dissolved by an interruption (评标中断) is redrawn in the same ``committee_draws``
row, whose ``round`` counts up; the dissolved round's record is kept in ``committee_rounds``
and its members stay in ``committee_members`` with their ``round`` (status ``dissolved`` for
those who sat), so that the old committee's sheets, keyed by member, stay auditable."""

from __future__ import annotations

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

committee_draws = Table(
    "committee_draws",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    # committed | drawn | revealed; dissolved: the redraw after a dissolution failed
    Column("status", String(16), nullable=False),
    Column("round", Integer, nullable=False, server_default="1"),  # the current round
    Column("spec", JSON, nullable=False),
    # published when the spec is defined; a redraw's own seed digest is in its record
    Column("seed_sha256", String(64), nullable=False),
    Column("sealed_seed", LargeBinary, nullable=False),  # the seed, to the escrow key
    Column("defined_at", UTCDateTime, nullable=False),
    Column("defined_by", String(26), nullable=True),
    Column("record", JSON, nullable=True),  # the draw record, without the seed until revealed
    Column("record_sha256", String(64), nullable=True),
    Column("drawn_at", UTCDateTime, nullable=True),
    Column("revealed_at", UTCDateTime, nullable=True),
)

committee_members = Table(
    "committee_members",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("expert_id", String(26), ForeignKey("experts.id"), nullable=False),
    Column("venue", String(26), nullable=False),  # centre id
    Column("specialty", String(16), nullable=False),
    Column("role", String(16), nullable=False),  # member | standby (as drawn)
    Column("draw_order", Integer, nullable=False),  # counts on across rounds
    # drawn | confirmed | refused | absent | seated | dissolved (sat on a dissolved committee)
    Column("status", String(16), nullable=False),
    Column("round", Integer, nullable=False, server_default="1"),  # the draw it came from
    Column("pseudonym", String(32), nullable=False),
    Column("note", Text, nullable=True),
    Column("replaces", String(26), nullable=True),  # the member this standby replaced
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_committee_members_tender", committee_members.c.tender_id)
Index(
    "uq_committee_members_expert",
    committee_members.c.tender_id,
    committee_members.c.expert_id,
    unique=True,
)

# A dissolved round: its published record (the seed added when the tender's seeds are
# revealed) and why and when it was dissolved.
committee_rounds = Table(
    "committee_rounds",
    metadata,
    Column("tender_id", String(26), ForeignKey("tenders.id"), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("seed_sha256", String(64), nullable=False),
    Column("public_input", String(200), nullable=False),
    Column("record", JSON, nullable=False),
    Column("record_sha256", String(64), nullable=False),
    Column("drawn_at", UTCDateTime, nullable=False),
    Column("dissolved_at", UTCDateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("paused_at", UTCDateTime, nullable=True),  # the interruption that dissolved it
)
