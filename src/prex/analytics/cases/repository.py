"""Loading and saving the case aggregate with the unit of work's session.

Saving writes the case row (checking ``version``, so a concurrent decision is a conflict),
inserts the notes and evidence not yet stored, and hands the case's events to the unit of work,
which writes them to the audit log and the outbox in the same transaction.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, insert, select, update

from prex.analytics.cases.model import Case, CaseStatus, Evidence, EvidenceKind, Note
from prex.analytics.cases.orm import case_evidence, case_notes, cases
from prex.db.uow import SqlUnitOfWork
from prex.shared.errors import Conflict, NotFound


def load_case(uow: SqlUnitOfWork, case_id: str) -> Case:
    session = uow.session
    row = session.execute(select(cases).where(cases.c.id == case_id)).first()
    if row is None:
        raise NotFound(f"no case {case_id}", case_id=case_id)
    case = Case(
        id=row.id,
        centre_id=row.centre_id,
        title=row.title,
        tender_id=row.tender_id,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        status=CaseStatus(row.status),
        status_changed_at=row.status_changed_at,
        decision_reason=row.decision_reason,
        version=row.version,
    )
    case.notes = [
        Note(n.id, n.author_id, n.author_label, n.text, n.at)
        for n in session.execute(
            select(case_notes).where(case_notes.c.case_id == case_id).order_by(case_notes.c.at)
        )
    ]
    case.evidence = [
        Evidence(
            e.id,
            EvidenceKind(e.kind),
            e.added_by,
            e.at,
            hit_id=e.hit_id,
            filename=e.filename,
            sha256=e.sha256,
            size=e.size,
            media_type=e.media_type,
        )
        for e in session.execute(
            select(case_evidence)
            .where(case_evidence.c.case_id == case_id)
            .order_by(case_evidence.c.at, case_evidence.c.id)
        )
    ]
    case.stored_ids = {n.id for n in case.notes} | {e.id for e in case.evidence}
    return case


def save_case(uow: SqlUnitOfWork, case: Case) -> None:
    session = uow.session
    fields = {
        "centre_id": case.centre_id,
        "title": case.title,
        "tender_id": case.tender_id,
        "status": case.status.value,
        "opened_by": case.opened_by,
        "opened_at": case.opened_at,
        "status_changed_at": case.status_changed_at,
        "decision_reason": case.decision_reason,
    }
    stored = case.stored_ids or set()
    if case.stored_ids is None:
        session.execute(insert(cases).values(id=case.id, version=case.version, **fields))
    else:
        changed = session.execute(
            update(cases)
            .where(cases.c.id == case.id, cases.c.version == case.version)
            .values(version=case.version + 1, **fields)
        )
        if cast(CursorResult[Any], changed).rowcount != 1:
            raise Conflict(f"case {case.id} was changed by someone else meanwhile; reload")
        case.version += 1
    notes = [n for n in case.notes if n.id not in stored]
    if notes:
        session.execute(
            insert(case_notes),
            [
                {
                    "id": n.id,
                    "case_id": case.id,
                    "author_id": n.author_id,
                    "author_label": n.author_label,
                    "text": n.text,
                    "at": n.at,
                }
                for n in notes
            ],
        )
    evidence = [e for e in case.evidence if e.id not in stored]
    if evidence:
        session.execute(
            insert(case_evidence),
            [
                {
                    "id": e.id,
                    "case_id": case.id,
                    "kind": e.kind.value,
                    "added_by": e.added_by,
                    "at": e.at,
                    "hit_id": e.hit_id,
                    "filename": e.filename,
                    "sha256": e.sha256,
                    "size": e.size,
                    "media_type": e.media_type,
                }
                for e in evidence
            ],
        )
    case.stored_ids = stored | {n.id for n in notes} | {e.id for e in evidence}
    for event in case.events:
        uow.record(event)
    case.events = []
