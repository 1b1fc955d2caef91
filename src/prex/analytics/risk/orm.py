"""Tables of recorded red flags, risk scores and alerts.

``flag_runs`` has one row per recorded run; ``flag_hits`` one row per finding (rule, subject,
tender, lot — the ``hit_key`` digest of those), kept across runs: a run that finds it again
moves ``last_seen_at`` and refreshes its value and evidence, a run of its rule that no longer
finds it sets ``resolved_at`` (cleared if it comes back). ``risk_scores`` holds the current
score and level of each tender and bidder per centre (``centre_id`` '' when the tender belongs
to no centre here, as imported OCDS), ``risk_alerts`` every rise of a level.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, Float, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import UTCDateTime

flag_runs = Table(
    "flag_runs",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("source", String(200), nullable=False),  # what was scanned (the warehouse's path …)
    Column("rules", JSON, nullable=False),  # the codes that ran: only their hits may resolve
    Column("hits", Integer, nullable=False),
    Column("new_hits", Integer, nullable=False),
    Column("resolved_hits", Integer, nullable=False),
    Column("alerts", Integer, nullable=False),
)

flag_hits = Table(
    "flag_hits",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("hit_key", String(64), nullable=False, unique=True),
    Column("rule_code", String(16), nullable=False),
    Column("family", String(16), nullable=False),
    # The rule's names when it last found the hit: a hit stays readable if its rule changes.
    Column("title", String(300), nullable=False),
    Column("title_zh", String(300), nullable=False),
    Column("grp", String(20), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("tender_id", String(200), nullable=True),
    Column("lot_id", String(200), nullable=True),
    Column("centre_id", String(26), nullable=True),
    Column("value", Float, nullable=False),
    Column("severity", String(8), nullable=False),
    Column("detail", JSON, nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("first_run_id", String(26), nullable=False),
    Column("last_run_id", String(26), nullable=False),
    Column("resolved_at", UTCDateTime, nullable=True),
)
Index("ix_flag_hits_tender", flag_hits.c.tender_id)
Index("ix_flag_hits_centre", flag_hits.c.centre_id, flag_hits.c.last_seen_at)
Index("ix_flag_hits_subject", flag_hits.c.grp, flag_hits.c.subject_id)

risk_scores = Table(
    "risk_scores",
    metadata,
    Column("kind", String(8), primary_key=True),  # tender | bidder
    Column("subject_id", String(200), primary_key=True),
    Column("centre_id", String(26), primary_key=True),  # '' for none
    Column("score", Float, nullable=False),
    Column("level", Integer, nullable=True),  # AlertLevel; None below the fourth
    Column("hits", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

risk_alerts = Table(
    "risk_alerts",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("centre_id", String(26), nullable=True),
    Column("level", Integer, nullable=False),
    Column("previous_level", Integer, nullable=True),
    Column("score", Float, nullable=False),
    Column("run_id", String(26), nullable=False),
    Column("raised_at", UTCDateTime, nullable=False),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("acknowledged_by", String(26), nullable=True),
    Column("acknowledged_note", Text, nullable=True),
)
Index("ix_risk_alerts_centre", risk_alerts.c.centre_id, risk_alerts.c.raised_at)
