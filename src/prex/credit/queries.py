"""Reading credit records: the one check every entry point asks before a bidder acts, the
experts a credit blacklist keeps out of the draw, and the views (public and supervisors').

:func:`refuse_if_blacklisted` is the **only** place that decides whether a blacklist bars an
organisation: obtaining tender documents (registering for a tender), applying to a listing or
an auction, submitting a bid and having an auction deposit confirmed all call it, each naming
its act, and each refusal quotes the record (id, authority, basis, period, scope).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from prex.credit.errors import CreditBlacklisted
from prex.credit.model import (
    CreditRecord,
    RecordKind,
    RecordStatus,
    SubjectKind,
    Where,
    scope_covers,
)
from prex.credit.orm import credit_records
from prex.credit.repository import from_row
from prex.identity.orm import centres, organisations
from prex.shared.clock import Clock, iso_utc

CHINA = ZoneInfo("Asia/Shanghai")
PAGE_SIZE = 50
r = credit_records.c


def local_date(clock: Clock) -> date:
    """Today in China by the injected clock: periods are local dates, both ends inclusive."""
    return clock.now().astimezone(CHINA).date()


def _in_force(day: date) -> Any:
    return and_(
        r.status != RecordStatus.REVOKED.value,
        r.valid_from <= day,
        or_(r.valid_until.is_(None), r.valid_until >= day),
    )


def centre_line(session: Session, centre_id: str) -> list[str]:
    """The centre and its parents up to the root (a centre scope covers the centres below)."""
    line: list[str] = []
    current: str | None = centre_id
    while current is not None and current not in line:
        line.append(current)
        current = session.execute(
            select(centres.c.parent_id).where(centres.c.id == current)
        ).scalar_one_or_none()
    return line


def blacklisting(session: Session, org_id: str, where: Where, day: date) -> CreditRecord | None:
    """The blacklist record in force on ``day`` whose scope covers an act of ``org_id`` at
    ``where`` (the earliest recorded when several do), or None."""
    rows = session.execute(
        select(credit_records)
        .where(
            r.subject_kind == SubjectKind.ORGANISATION.value,
            r.subject_id == org_id,
            r.kind == RecordKind.BLACKLIST.value,
            _in_force(day),
        )
        .order_by(r.recorded_at, r.id)
    ).all()
    for row in rows:
        record = from_row(row)
        if scope_covers(record.scope, record.scope_value, where, lambda c: centre_line(session, c)):
            return record
    return None


def refuse_if_blacklisted(
    session: Session, org_id: str, where: Where, clock: Clock, act: str
) -> None:
    """Raise :class:`CreditBlacklisted`, quoting the record, when a blacklist in force today
    (local date) covers ``act`` of ``org_id`` at ``where``."""
    record = blacklisting(session, org_id, where, local_date(clock))
    if record is None:
        return
    until = record.valid_until.isoformat() if record.valid_until else "until revoked"
    scope = record.scope.value + (f" {record.scope_value}" if record.scope_value else "")
    raise CreditBlacklisted(
        f"{record.subject_name} is blacklisted by credit record {record.id} "
        f"({record.authority}; basis: {record.basis}; from {record.valid_from.isoformat()} "
        f"to {until} inclusive; scope {scope}): it may not {act}",
        record=record.quote(),
        act=act,
    )


def where_of_listing(session: Session, centre_id: str, kind: str) -> Where:
    """Where a listing's acts happen: its centre's region, its kind as the transaction type."""
    region = session.execute(
        select(centres.c.division_code).where(centres.c.id == centre_id)
    ).scalar_one()
    return Where(centre_id, region, kind)


def blacklisted_experts(session: Session, expert_ids: Any, day: date) -> dict[str, str]:
    """Experts among ``expert_ids`` (a collection or a subquery) with a credit blacklist in
    force on ``day`` → the record's id (the draw excludes them as ``blacklisted``)."""
    found: dict[str, str] = {}
    for expert_id, record_id in session.execute(
        select(r.subject_id, r.id)
        .where(
            r.subject_kind == SubjectKind.EXPERT.value,
            r.kind == RecordKind.BLACKLIST.value,
            r.subject_id.in_(expert_ids),
            _in_force(day),
        )
        .order_by(r.recorded_at, r.id)
    ):
        found.setdefault(expert_id, record_id)
    return found


def expert_points(session: Session, expert_id: str, since: date, day: date) -> int:
    """Points deducted from an expert by violations in force on ``day`` recorded since
    ``since`` (the deduction table's window)."""
    total = session.execute(
        select(func.coalesce(func.sum(r.points), 0)).where(
            r.subject_kind == SubjectKind.EXPERT.value,
            r.subject_id == expert_id,
            r.kind == RecordKind.VIOLATION.value,
            r.valid_from >= since,
            _in_force(day),
        )
    ).scalar_one()
    return int(total)


# ---- views ------------------------------------------------------------------------------------


def full_view(record: CreditRecord, day: date | None = None) -> dict[str, Any]:
    """Every field, for supervisors and the issuing centre."""
    return {
        **record.quote(),
        "subject_kind": record.subject_kind.value,
        "subject_id": record.subject_id,
        "subject_code": record.subject_code,
        "subject_name": record.subject_name,
        "centre_id": record.centre_id,
        "facts": record.facts,
        "points": record.points,
        "grade": None if record.grade is None else record.grade.value,
        "source": record.source.value,
        "source_id": record.source_id,
        "status": record.status.value,
        "recorded_by": record.recorded_by,
        "recorded_at": iso_utc(record.recorded_at),
        "published_at": iso_utc(record.published_at),
        "revoked_at": iso_utc(record.revoked_at),
        "revoke_reason": record.revoke_reason,
        "updated_at": iso_utc(record.updated_at),
        "in_force": None if day is None else record.in_force(day),
    }


def public_view(record: CreditRecord, day: date) -> dict[str, Any]:
    """What the public sees of a published record: the subject by name and credit code, the
    authority, the basis, the facts as published, the period and scope. Not who entered it,
    not where it came from (a case or a complaint file is not public), no internal ids."""
    return {
        "id": record.id,
        "kind": record.kind.value,
        "subject_code": record.subject_code,
        "subject_name": record.subject_name,
        "authority": record.authority,
        "basis": record.basis,
        "facts": record.facts,
        "grade": None if record.grade is None else record.grade.value,
        "scope": record.scope.value,
        "scope_value": record.scope_value,
        "valid_from": record.valid_from.isoformat(),
        "valid_until": None if record.valid_until is None else record.valid_until.isoformat(),
        "published_at": iso_utc(record.published_at),
        "in_force": record.in_force(day),
    }


def _public_conditions(day: date) -> list[Any]:
    """Published, about an organisation, and not yet over (a record whose period ended no
    longer shows; a record that starts later shows already, as published)."""
    return [
        r.status == RecordStatus.PUBLISHED.value,
        r.subject_kind == SubjectKind.ORGANISATION.value,
        or_(r.valid_until.is_(None), r.valid_until >= day),
    ]


def public_records(
    session: Session,
    day: date,
    *,
    kind: str | None = None,
    q: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """The public credit list: published records of organisations still in their period,
    newest first; ``q`` searches the name or the credit code."""
    conditions = _public_conditions(day)
    if kind:
        conditions.append(r.kind == RecordKind(kind).value)
    if q and q.strip():
        needle = q.strip()
        conditions.append(
            or_(r.subject_name.contains(needle, autoescape=True), r.subject_code == needle.upper())
        )
    query = select(credit_records).where(*conditions)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(r.published_at.desc(), r.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return {
        "total": int(total),
        "page": max(page, 1),
        "items": [public_view(from_row(row), day) for row in rows],
    }


def organisation_credit(session: Session, key: str, day: date) -> dict[str, Any] | None:
    """An organisation's public credit page, by id or credit code: who it is and its published
    records still in their period (None: no such organisation)."""
    org = session.execute(
        select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
            or_(organisations.c.id == key, organisations.c.uscc == key.upper())
        )
    ).first()
    if org is None:
        return None
    rows = session.execute(
        select(credit_records)
        .where(*_public_conditions(day), r.subject_id == org.id)
        .order_by(r.published_at.desc(), r.id)
    ).all()
    records = [public_view(from_row(row), day) for row in rows]
    return {
        "uscc": org.uscc,
        "name": org.name,
        "blacklisted": any(x["kind"] == "blacklist" and x["in_force"] for x in records),
        "records": records,
    }


def records_of_centres(
    session: Session,
    centre_ids: Collection[str] | None,
    day: date,
    *,
    subject_id: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """Every record issued by ``centre_ids`` (None: every centre), for supervisors."""
    conditions: list[Any] = []
    if centre_ids is not None:
        conditions.append(r.centre_id.in_(sorted(centre_ids)))
    if subject_id:
        conditions.append(r.subject_id == subject_id)
    if kind:
        conditions.append(r.kind == RecordKind(kind).value)
    if status:
        conditions.append(r.status == RecordStatus(status).value)
    query = select(credit_records).where(*conditions)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(r.recorded_at.desc(), r.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    ).all()
    return {
        "total": int(total),
        "page": max(page, 1),
        "items": [full_view(from_row(row), day) for row in rows],
    }
