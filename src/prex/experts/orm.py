"""Tables of the experts context.

An expert's resident identity number is never stored: ``id_digest`` (keyed, see
``fields.id_digest``) finds the expert again on re-import, ``id_masked`` is what is shown.
Blacklist entries are lifted, never deleted, and declared interests withdrawn, never deleted,
so that what a past draw excluded can be explained afterwards; unavailable dates are a plain
calendar (every change is in the audit chain all the same).
"""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from prex.db.base import metadata
from prex.db.types import StrEnumType, UTCDateTime
from prex.experts.model import Title

experts = Table(
    "experts",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("centre_id", String(26), ForeignKey("centres.id"), nullable=False),  # home centre
    Column("name", String(50), nullable=False),
    Column("id_digest", String(64), nullable=False),
    Column("id_masked", String(18), nullable=False),
    Column("phone", String(20), nullable=False),
    Column("employer_uscc", String(18), nullable=True),  # None: retired, no employer
    Column("title", StrEnumType(Title), nullable=False),
    Column("years_of_practice", Integer, nullable=False),
    Column("credit_score", Integer, nullable=False),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=True),  # its account, if any
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("uq_experts_id_digest", experts.c.id_digest, unique=True)
Index("uq_experts_user", experts.c.user_id, unique=True)
Index("ix_experts_centre", experts.c.centre_id)
Index("ix_experts_employer", experts.c.employer_uscc)

# Codes of the specialty list (codes.py); an expert has one to ten.
expert_specialties = Table(
    "expert_specialties",
    metadata,
    Column("expert_id", String(26), ForeignKey("experts.id"), primary_key=True),
    Column("code", String(8), primary_key=True),
)
Index("ix_expert_specialties_code", expert_specialties.c.code)

expert_blacklist = Table(
    "expert_blacklist",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("expert_id", String(26), ForeignKey("experts.id"), nullable=False),
    Column("reason", Text, nullable=False),
    Column("source", String(200), nullable=False),  # who decided: a decision's reference
    Column("start", Date, nullable=False),
    Column("until", Date, nullable=True),  # inclusive; None: until lifted
    Column("created_at", UTCDateTime, nullable=False),
    Column("lifted_at", UTCDateTime, nullable=True),
    Column("lift_reason", Text, nullable=True),
)
Index("ix_expert_blacklist_expert", expert_blacklist.c.expert_id)

expert_unavailability = Table(
    "expert_unavailability",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("expert_id", String(26), ForeignKey("experts.id"), nullable=False),
    Column("start", Date, nullable=False),
    Column("until", Date, nullable=False),  # inclusive
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index(
    "ix_expert_unavailability_expert",
    expert_unavailability.c.expert_id,
    expert_unavailability.c.until,
)

# Organisations an expert declared an interest in (回避申报), by credit code: registered on the
# platform or not.
expert_interests = Table(
    "expert_interests",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("expert_id", String(26), ForeignKey("experts.id"), nullable=False),
    Column("uscc", String(18), nullable=False),
    Column("reason", Text, nullable=False),
    Column("declared_at", UTCDateTime, nullable=False),
    Column("withdrawn_at", UTCDateTime, nullable=True),
)
Index("ix_expert_interests_expert", expert_interests.c.expert_id)
Index("ix_expert_interests_uscc", expert_interests.c.uscc)

# Evaluations served: the draw counts them per tenderer within the rule pack's period.
expert_services = Table(
    "expert_services",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("expert_id", String(26), ForeignKey("experts.id"), nullable=False),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False),
    Column("tenderer_org_id", String(26), ForeignKey("organisations.id"), nullable=False),
    Column("tenderer_uscc", String(18), nullable=False),  # the organisation's, at the time
    Column("served_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)
Index(
    "uq_expert_services_tender",
    expert_services.c.expert_id,
    expert_services.c.tender_id,
    unique=True,
)
Index("ix_expert_services_served", expert_services.c.expert_id, expert_services.c.served_on)
