"""Use cases of credit records: record, publish, correct, revoke; a violation from a decision
(:func:`record_violation`, for the complaints context). Records from a referred case are in
``from_cases``, experts' deductions from their behaviour in ``experts``.

Writers are ``verb_noun(uow, …)``: inside the unit of work they ask the policy
(``credit.manage`` on the issuing centre: the supervisor's own), act on the aggregate and save;
the events go to the audit log and the outbox with the actor and the address.
``*_within`` variants do the same inside a unit of work the caller has opened and commits (a
complaint decision and its credit records in one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from prex.credit.model import (
    CreditRecord,
    Grade,
    RecordKind,
    ScopeKind,
    Source,
    SubjectKind,
)
from prex.credit.orm import credit_records
from prex.credit.queries import local_date
from prex.credit.repository import from_row, get_record, save_record
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import centres, organisations
from prex.identity.policy import SYSTEM, Action, Resource, authorize
from prex.shared.errors import InvalidInput, NotFound

E = TypeVar("E", bound=StrEnum)


def choice(enum: type[E], value: str | None, field_name: str) -> E:
    """``value`` as a member of ``enum``, or an InvalidInput listing the choices."""
    try:
        return enum(value or "")
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{field_name} is one of {choices}", field=field_name) from None


def record_resource(centre_id: str | None, record_id: str | None = None) -> Resource:
    return Resource("credit_record", record_id, centre_id=centre_id)


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: str
    code: str | None
    name: str


def find_subject(session: Session, kind: SubjectKind, key: str) -> Subject:
    """An organisation by id or credit code, or an expert by id."""
    key = (key or "").strip()
    if kind is SubjectKind.ORGANISATION:
        org = session.execute(
            select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
                (organisations.c.id == key) | (organisations.c.uscc == key.upper())
            )
        ).first()
        if org is None:
            raise NotFound(f"no organisation {key}", subject=key)
        return Subject(kind, org.id, org.uscc, org.name)
    from prex.experts.orm import experts  # the expert's name stays in the supervisors' view

    expert = session.execute(
        select(experts.c.id, experts.c.name).where(experts.c.id == key)
    ).first()
    if expert is None:
        raise NotFound(f"no expert {key}", subject=key)
    return Subject(kind, expert.id, None, expert.name)


@dataclass(frozen=True)
class RecordCredit:
    """A supervisor's order to record a credit fact (the API's and the CLI's body)."""

    kind: str
    subject_kind: str
    subject: str  # organisation id or USCC; expert id
    basis: str
    facts: str
    valid_from: date | None = None  # None: today (local)
    valid_until: date | None = None  # inclusive; None: until revoked
    authority: str = ""  # None: the supervisor's centre's name
    scope: str = ScopeKind.ALL.value
    scope_value: str | None = None
    points: int = 0
    grade: str | None = None
    publish: bool = True
    source: str = Source.MANUAL.value
    source_id: str | None = None


def _centre_name(session: Session, centre_id: str) -> str:
    name = session.execute(select(centres.c.name).where(centres.c.id == centre_id)).scalar()
    return str(name or centre_id)


def existing(
    session: Session, source: Source, source_id: str | None, subject: Subject
) -> CreditRecord | None:
    if source_id is None:
        return None
    row = session.execute(
        select(credit_records).where(
            credit_records.c.source == source.value,
            credit_records.c.source_id == source_id,
            credit_records.c.subject_kind == subject.kind.value,
            credit_records.c.subject_id == subject.id,
        )
    ).first()
    return None if row is None else from_row(row)


def record_within(uow: SqlUnitOfWork, cmd: RecordCredit, *, centre_id: str | None = None) -> Any:
    """Record ``cmd`` in the caller's open unit of work (not committed). The issuing centre is
    ``centre_id`` or the actor's; a record with the same source, source id and subject is
    returned as it is (a retry records nothing twice)."""
    centre = centre_id or uow.actor.centre_id
    if centre is None:
        raise InvalidInput("a credit record is issued by a centre's supervisor", field="centre")
    if uow.actor != SYSTEM:  # the platform's own deductions, driven by events it recorded
        authorize(uow.actor, Action.CREDIT_MANAGE, record_resource(centre))
    kind = choice(RecordKind, cmd.kind, "kind")
    source = choice(Source, cmd.source, "source")
    subject = find_subject(
        uow.session, choice(SubjectKind, cmd.subject_kind, "subject_kind"), cmd.subject
    )
    found = existing(uow.session, source, cmd.source_id, subject)
    if found is not None:
        return found
    scope = choice(ScopeKind, cmd.scope, "scope")
    scope_value = cmd.scope_value
    if scope is ScopeKind.CENTRE and scope_value:
        known = uow.session.execute(
            select(centres.c.id).where(centres.c.id == scope_value.strip())
        ).first()
        if known is None:
            raise InvalidInput(f"no centre {scope_value}", field="scope_value")
    record = CreditRecord.record(
        clock=uow.clock,
        kind=kind,
        subject_kind=subject.kind,
        subject_id=subject.id,
        subject_code=subject.code,
        subject_name=subject.name,
        centre_id=centre,
        authority=cmd.authority.strip() or _centre_name(uow.session, centre),
        basis=cmd.basis,
        facts=cmd.facts,
        valid_from=cmd.valid_from or local_date(uow.clock),
        valid_until=cmd.valid_until,
        scope=scope,
        scope_value=scope_value,
        points=cmd.points,
        grade=None if cmd.grade is None else choice(Grade, cmd.grade, "grade"),
        source=source,
        source_id=cmd.source_id,
        by=uow.actor.user_id,
    )
    if cmd.publish:
        record.publish(uow.clock, uow.actor.user_id)
    save_record(uow, record)
    return record


def record_credit(uow: SqlUnitOfWork, cmd: RecordCredit) -> CreditRecord:
    """A supervisor records a credit fact of their centre (manual entry, by default)."""
    with uow:
        record: CreditRecord = record_within(uow, cmd)
        uow.commit()
    return record


def record_violation_within(
    uow: SqlUnitOfWork,
    *,
    subject: str,
    basis: str,
    facts: str,
    source: str,
    source_id: str,
    subject_kind: str = SubjectKind.ORGANISATION.value,
    authority: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    publish: bool = True,
    centre_id: str | None = None,
) -> CreditRecord:
    """A violation record from a decision (``source`` complaint or case, with its id), inside the
    caller's open unit of work. Idempotent per (source, source id, subject)."""
    cmd = RecordCredit(
        kind=RecordKind.VIOLATION.value,
        subject_kind=subject_kind,
        subject=subject,
        basis=basis,
        facts=facts,
        valid_from=valid_from,
        valid_until=valid_until,
        authority=authority,
        publish=publish,
        source=source,
        source_id=source_id,
    )
    record: CreditRecord = record_within(uow, cmd, centre_id=centre_id)
    return record


def record_violation(uow: SqlUnitOfWork, **kwargs: Any) -> CreditRecord:
    """:func:`record_violation_within` in its own transaction (committed)."""
    with uow:
        record = record_violation_within(uow, **kwargs)
        uow.commit()
    return record


def _load_to_manage(uow: SqlUnitOfWork, record_id: str) -> CreditRecord:
    record = get_record(uow.session, record_id, lock=True)
    authorize(uow.actor, Action.CREDIT_MANAGE, record_resource(record.centre_id, record.id))
    return record


def publish_record(uow: SqlUnitOfWork, record_id: str) -> CreditRecord:
    with uow:
        record = _load_to_manage(uow, record_id)
        record.publish(uow.clock, uow.actor.user_id)
        save_record(uow, record)
        uow.commit()
    return record


def revoke_record(uow: SqlUnitOfWork, record_id: str, reason: str) -> CreditRecord:
    """Revoke (撤销) a record with a reason; it stays on file with no effect."""
    with uow:
        record = _load_to_manage(uow, record_id)
        record.revoke(uow.clock, uow.actor.user_id, reason)
        save_record(uow, record)
        uow.commit()
    return record


def correct_record(
    uow: SqlUnitOfWork, record_id: str, reason: str, changes: dict[str, Any]
) -> CreditRecord:
    """Correct (更正) fields of a record with a reason; values are already typed by the caller
    except enums, which are checked here."""
    typed = dict(changes)
    if "scope" in typed:
        typed["scope"] = choice(ScopeKind, typed["scope"], "scope")
    if typed.get("grade") is not None:
        typed["grade"] = choice(Grade, typed["grade"], "grade")
    with uow:
        record = _load_to_manage(uow, record_id)
        record.correct(uow.clock, uow.actor.user_id, reason, typed)
        save_record(uow, record)
        uow.commit()
    return record


def read_record(uow: SqlUnitOfWork, record_id: str) -> CreditRecord:
    """A record, for those who may read its centre's records."""
    with uow:
        record = get_record(uow.session, record_id)
    authorize(uow.actor, Action.CREDIT_READ, record_resource(record.centre_id, record.id))
    return record
