"""Tables of the tenders context and the imperative mapping of its domain classes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.orm import relationship

from prex.db.base import mapper_registry, metadata
from prex.db.types import StrEnumType, UTCDateTime, Yuan
from prex.tenders import model as m

projects = Table(
    "projects",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("deal_code", String(33), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("transaction_type", StrEnumType(m.TransactionType), nullable=False),
    Column("centre_id", String(26), nullable=False),
    Column("region_code", String(6), nullable=False),
    Column("tenderer_org_id", String(26), nullable=False),
    Column("agency_org_id", String(26), nullable=True),
    Column("budget", Yuan, nullable=False),
    Column("funding_source", String(200), nullable=False),
    Column("approval_ref", String(200), nullable=False),
    Column("sandbox", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Serial numbers for the unified deal code, per tenderer and day.
deal_serials = Table(
    "deal_serials",
    metadata,
    Column("tenderer_uscc", String(18), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

tenders = Table(
    "tenders",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("project_id", String(26), ForeignKey("projects.id"), nullable=False),
    Column("deal_code", String(33), nullable=False),
    Column("centre_id", String(26), nullable=False),
    Column("region_code", String(6), nullable=False),
    Column("transaction_type", StrEnumType(m.TransactionType), nullable=False),
    Column("method", StrEnumType(m.Method), nullable=False),
    Column("rule_pack_id", String(64), nullable=False),
    Column("tenderer_org_id", String(26), nullable=False),
    Column("agency_org_id", String(26), nullable=True),
    Column("title", String(300), nullable=False),
    Column("description", Text, nullable=False),
    Column("qualification", Text, nullable=False),
    Column("evaluation_method", StrEnumType(m.EvaluationMethod), nullable=False),
    Column("bid_deadline", UTCDateTime, nullable=False),
    Column("documents_from", UTCDateTime, nullable=True),
    Column("documents_until", UTCDateTime, nullable=False),
    Column("opening_place", String(300), nullable=False),
    Column("invitee_org_ids", JSON, nullable=False),
    Column("sandbox", Boolean, nullable=False),
    Column("sandbox_epoch", UTCDateTime, nullable=True),
    Column("acceleration", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", StrEnumType(m.TenderStatus), nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    Column("status_changed_at", UTCDateTime, nullable=False),
    Column("status_note", Text, nullable=False),
    Column("next_check", UTCDateTime, nullable=True),
    # A complaint's suspension (prex.complaints): the complaint, its number, why, since when.
    Column("suspended_by_complaint", String(26), nullable=True),
    Column("suspension_ref", String(64), nullable=False, server_default=""),
    Column("suspension_reason", Text, nullable=False, server_default=""),
    Column("suspended_at", UTCDateTime, nullable=True),
    Column("total_budget", Yuan, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
# The portal's list: public tenders newest first, filtered by type, region and status.
Index("ix_tenders_public", tenders.c.sandbox, tenders.c.published_at, tenders.c.id)
Index("ix_tenders_type_published", tenders.c.transaction_type, tenders.c.published_at)
Index("ix_tenders_region_published", tenders.c.region_code, tenders.c.published_at)
Index("ix_tenders_status_published", tenders.c.status, tenders.c.published_at)
Index("ix_tenders_next_check", tenders.c.next_check)
Index("ix_tenders_parties", tenders.c.tenderer_org_id, tenders.c.agency_org_id)

sections = Table(
    "tender_sections",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("name", String(300), nullable=False),
    Column("budget", Yuan, nullable=False),
    Column("ceiling_price", Yuan, nullable=True),
    Column("qualification", Text, nullable=False),
    Column("duration_days", Integer, nullable=True),
)

documents = Table(
    "tender_documents",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False, index=True),
    Column("kind", StrEnumType(m.DocumentKind), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Column("amendment_id", String(26), nullable=True),
)

amendments = Table(
    "tender_amendments",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("kind", StrEnumType(m.AmendmentKind), nullable=False),
    Column("text", Text, nullable=False),
    Column("affects_bids", Boolean, nullable=False),
    Column("old_deadline", UTCDateTime, nullable=False),
    Column("new_deadline", UTCDateTime, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
)

enquiries = Table(
    "tender_enquiries",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False, index=True),
    Column("kind", StrEnumType(m.EnquiryKind), nullable=False),
    Column("org_id", String(26), nullable=False),
    Column("text", Text, nullable=False),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("answer_due", UTCDateTime, nullable=True),
    Column("answer", Text, nullable=True),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answer_published", Boolean, nullable=False),
)

announcements = Table(
    "tender_announcements",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False, index=True),
    Column("kind", StrEnumType(m.AnnouncementKind), nullable=False),
    Column("title", String(400), nullable=False),
    Column("body", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
)

interests = Table(
    "tender_interests",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("tender_id", String(26), ForeignKey("tenders.id"), nullable=False, index=True),
    Column("org_id", String(26), nullable=False),
    Column("obtained_at", UTCDateTime, nullable=False),
)

_mapped = False


def start_mappers() -> None:
    """Map the domain classes onto the tables (once per process)."""
    global _mapped
    if _mapped:
        return
    _mapped = True
    mapper_registry.map_imperatively(m.Project, projects)
    children: dict[str, tuple[type[Any], Table, Any]] = {
        "sections": (m.Section, sections, sections.c.number),
        "documents": (m.TenderDocument, documents, documents.c.uploaded_at),
        "amendments": (m.Amendment, amendments, amendments.c.number),
        "enquiries": (m.Enquiry, enquiries, enquiries.c.asked_at),
        "announcements": (m.Announcement, announcements, announcements.c.published_at),
        "interests": (m.Interest, interests, interests.c.obtained_at),
    }
    properties: dict[str, Any] = {}
    for name, (cls, table, order) in children.items():
        mapper_registry.map_imperatively(cls, table)
        properties[name] = relationship(
            cls, order_by=order, cascade="all, delete-orphan", lazy="selectin"
        )
    mapper_registry.map_imperatively(
        m.Tender,
        tenders,
        properties=properties,
        version_id_col=tenders.c.version,
    )

    @event.listens_for(m.Tender, "load")
    @event.listens_for(m.Project, "load")
    def _fresh_events(target: Any, _context: Any) -> None:
        target.events = []
