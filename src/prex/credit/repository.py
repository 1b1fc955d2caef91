"""Loading and saving credit records with the unit of work's session; saving hands the record's
events to the unit of work (audit log and outbox, same transaction)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.orm import Session

from prex.credit.errors import CreditRecordNotFound
from prex.credit.model import (
    CreditRecord,
    Grade,
    RecordKind,
    RecordStatus,
    ScopeKind,
    Source,
    SubjectKind,
)
from prex.credit.orm import credit_records
from prex.db.uow import SqlUnitOfWork
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict

_FIELDS = (
    "kind",
    "subject_kind",
    "subject_id",
    "subject_code",
    "subject_name",
    "centre_id",
    "authority",
    "basis",
    "facts",
    "scope",
    "scope_value",
    "valid_from",
    "valid_until",
    "points",
    "grade",
    "source",
    "source_id",
    "status",
    "recorded_by",
    "recorded_at",
    "published_at",
    "revoked_at",
    "revoke_reason",
    "updated_at",
)


def _utc(value: Any) -> Any:
    return None if value is None else ensure_utc(value)


def from_row(row: Any) -> CreditRecord:
    record = CreditRecord(
        id=row.id,
        kind=RecordKind(row.kind),
        subject_kind=SubjectKind(row.subject_kind),
        subject_id=row.subject_id,
        subject_code=row.subject_code,
        subject_name=row.subject_name,
        centre_id=row.centre_id,
        authority=row.authority,
        basis=row.basis,
        facts=row.facts,
        scope=ScopeKind(row.scope),
        scope_value=row.scope_value,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        points=row.points,
        grade=None if row.grade is None else Grade(row.grade),
        source=Source(row.source),
        source_id=row.source_id,
        recorded_by=row.recorded_by,
        recorded_at=ensure_utc(row.recorded_at),
        status=RecordStatus(row.status),
        published_at=_utc(row.published_at),
        revoked_at=_utc(row.revoked_at),
        revoke_reason=row.revoke_reason,
        updated_at=ensure_utc(row.updated_at),
        version=row.version,
    )
    record.stored = True
    return record


def get_record(session: Session, record_id: str, *, lock: bool = False) -> CreditRecord:
    query = select(credit_records).where(credit_records.c.id == record_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise CreditRecordNotFound(record_id)
    return from_row(row)


def _values(record: CreditRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _FIELDS}
    for name in ("kind", "subject_kind", "scope", "source", "status", "grade"):
        value = values[name]
        values[name] = None if value is None else value.value
    return values


def save_record(uow: SqlUnitOfWork, record: CreditRecord) -> None:
    session = uow.session
    if not record.stored:
        session.execute(
            insert(credit_records).values(id=record.id, version=record.version, **_values(record))
        )
        record.stored = True
    else:
        changed = session.execute(
            update(credit_records)
            .where(credit_records.c.id == record.id, credit_records.c.version == record.version)
            .values(version=record.version + 1, **_values(record))
        )
        if cast(CursorResult[Any], changed).rowcount != 1:
            raise Conflict(f"credit record {record.id} was changed meanwhile; reload")
        record.version += 1
    for event in record.events:
        uow.record(event)
    record.events = []
