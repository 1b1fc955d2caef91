"""Use cases of supervision cases: open one from hits, move it, add notes and evidence, read.

Each writer is ``verb_noun(uow, …)``: inside the unit of work it loads the case, asks the policy
(``CASE_MANAGE`` on the case's centre), calls the aggregate's verb and saves; the events go to
the audit log with the actor and the network address. Evidence files are put in the blob store
(by SHA-256, like every document) only after the actor was allowed to add them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select

from prex.analytics.cases.model import (
    Case,
    CaseStatus,
    Evidence,
    EvidenceKind,
    allowed_transitions,
)
from prex.analytics.cases.orm import cases
from prex.analytics.cases.repository import load_case, save_case
from prex.analytics.risk.orm import flag_hits
from prex.analytics.risk.queries import PAGE_SIZE, hit_view, visible
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import Action, Actor, Resource, authorize
from prex.shared.blobs import BlobStore, safe_filename
from prex.shared.errors import InvalidInput, NotFound
from prex.shared.events import to_jsonable
from prex.shared.upload_checks import UploadLimits, checked

MAX_HITS = 200


def case_resource(case: Case) -> Resource:
    return Resource("case", case.id, centre_id=case.centre_id)


def _hit_rows(uow: SqlUnitOfWork, hit_ids: list[str]) -> list[Any]:
    if not hit_ids:
        raise InvalidInput("name at least one hit", field="hit_ids")
    if len(hit_ids) > MAX_HITS:
        raise InvalidInput(f"at most {MAX_HITS} hits at once", field="hit_ids")
    rows = {
        r.id: r for r in uow.session.execute(select(flag_hits).where(flag_hits.c.id.in_(hit_ids)))
    }
    missing = [h for h in hit_ids if h not in rows]
    if missing:
        raise NotFound(f"no hit {missing[0]}", hit_id=missing[0])
    return [rows[h] for h in dict.fromkeys(hit_ids)]


def open_case(uow: SqlUnitOfWork, hit_ids: list[str], title: str = "") -> Case:
    """Open a case from hits of one centre; they become its first evidence."""
    with uow:
        rows = _hit_rows(uow, hit_ids)
        for row in rows:
            authorize(
                uow.actor, Action.FLAGS_READ, Resource("hit", row.id, centre_id=row.centre_id)
            )
        centres = {r.centre_id for r in rows}
        if len(centres) > 1:
            raise InvalidInput(
                "the hits belong to different centres: open one case each", field="hit_ids"
            )
        centre_id = centres.pop()
        authorize(uow.actor, Action.CASE_MANAGE, Resource("case", centre_id=centre_id))
        tenders = {r.tender_id for r in rows}
        tender_id = tenders.pop() if len(tenders) == 1 else None
        if not title.strip():
            codes = ", ".join(sorted({r.rule_code for r in rows}))
            subjects = ", ".join(sorted({r.subject_id for r in rows})[:3])
            title = f"{codes} · {tender_id or subjects}"
        case = Case.open(
            clock=uow.clock,
            centre_id=centre_id,
            title=title[:300],
            tender_id=tender_id,
            hit_ids=[r.id for r in rows],
            opened_by=uow.actor.user_id,
        )
        save_case(uow, case)
        uow.commit()
    return case


def _load_for(uow: SqlUnitOfWork, case_id: str, action: Action) -> Case:
    case = load_case(uow, case_id)
    authorize(uow.actor, action, case_resource(case))
    return case


def transition_case(uow: SqlUnitOfWork, case_id: str, target: str, reason: str = "") -> Case:
    """Move the case to ``target`` (under_review, dismissed, referred); decisions need a reason."""
    try:
        status = CaseStatus(target)
    except ValueError:
        choices = ", ".join(s.value for s in CaseStatus if s is not CaseStatus.OPEN)
        raise InvalidInput(f"status is one of {choices}", field="status") from None
    with uow:
        case = _load_for(uow, case_id, Action.CASE_MANAGE)
        case.transition(uow.clock, status, uow.actor.user_id, reason)
        save_case(uow, case)
        uow.commit()
    return case


def add_note(uow: SqlUnitOfWork, case_id: str, text: str) -> Case:
    with uow:
        case = _load_for(uow, case_id, Action.CASE_MANAGE)
        case.add_note(uow.clock, uow.actor.user_id, uow.actor.label, text)
        save_case(uow, case)
        uow.commit()
    return case


def link_hits(uow: SqlUnitOfWork, case_id: str, hit_ids: list[str]) -> Case:
    """Add hits of the case's centre as evidence."""
    with uow:
        case = _load_for(uow, case_id, Action.CASE_MANAGE)
        for row in _hit_rows(uow, hit_ids):
            if row.centre_id != case.centre_id:
                raise InvalidInput(f"hit {row.id} belongs to another centre", field="hit_ids")
            case.link_hit(uow.clock, row.id, uow.actor.user_id)
        save_case(uow, case)
        uow.commit()
    return case


def check_case_manage(uow: SqlUnitOfWork, case_id: str) -> None:
    """Refuse before an upload's bytes are read when the actor may not add evidence."""
    with uow:
        case = _load_for(uow, case_id, Action.CASE_MANAGE)
        if case.status.decided:
            raise InvalidInput(f"case {case_id} is {case.status.value}", field="status")


def add_file(
    uow: SqlUnitOfWork,
    blobs: BlobStore,
    case_id: str,
    *,
    filename: str,
    media_type: str,
    chunks: Iterable[bytes],
    max_bytes: int,
    limits: UploadLimits | None = None,
) -> Evidence:
    """Store a file (content-addressed) and attach it to the case as evidence."""
    name = safe_filename(filename)
    check_case_manage(uow, case_id)
    limits = limits or UploadLimits(max_bytes)
    ref = blobs.put(
        checked(chunks, filename=name, media_type=media_type, limits=limits),
        max_bytes=limits.max_bytes,
        min_bytes=1,
    )
    with uow:
        case = _load_for(uow, case_id, Action.CASE_MANAGE)
        evidence = case.add_file(
            uow.clock,
            uow.actor.user_id,
            filename=name,
            sha256=ref.sha256,
            size=ref.size,
            media_type=media_type or "application/octet-stream",
        )
        save_case(uow, case)
        uow.commit()
    return evidence


def case_summary(row: Any) -> dict[str, Any]:
    return {k: to_jsonable(v) for k, v in row._mapping.items() if k != "version"}


def case_view(uow: SqlUnitOfWork, case: Case) -> dict[str, Any]:
    """The case with its notes, evidence (hits expanded) and the moves it may make next."""
    hit_ids = [e.hit_id for e in case.evidence if e.hit_id]
    hits = {
        r.id: hit_view(r)
        for r in uow.session.execute(select(flag_hits).where(flag_hits.c.id.in_(hit_ids)))
    }
    return {
        "id": case.id,
        "centre_id": case.centre_id,
        "title": case.title,
        "tender_id": case.tender_id,
        "status": case.status.value,
        "opened_by": case.opened_by,
        "opened_at": to_jsonable(case.opened_at),
        "status_changed_at": to_jsonable(case.status_changed_at),
        "decision_reason": case.decision_reason,
        "next": sorted(s.value for s in allowed_transitions(case.status)),
        "notes": [to_jsonable(n) for n in case.notes],
        "evidence": [
            {**to_jsonable(e), "hit": hits.get(e.hit_id) if e.hit_id else None}
            for e in case.evidence
        ],
    }


def read_case(uow: SqlUnitOfWork, case_id: str) -> dict[str, Any]:
    with uow:
        return case_view(uow, _load_for(uow, case_id, Action.CASE_READ))


@dataclass(frozen=True)
class StoredFile:
    """A file of a case's evidence as a download needs it."""

    filename: str
    sha256: str
    size: int
    media_type: str


def evidence_file(uow: SqlUnitOfWork, case_id: str, evidence_id: str) -> StoredFile:
    """A file of the case's evidence, for download by those who may read the case."""
    with uow:
        case = _load_for(uow, case_id, Action.CASE_READ)
    for e in case.evidence:
        if e.id == evidence_id and e.kind is EvidenceKind.FILE and e.sha256 and e.filename:
            return StoredFile(e.filename, e.sha256, e.size or 0, e.media_type or "")
    raise NotFound(f"no file {evidence_id} in case {case_id}", evidence_id=evidence_id)


def list_cases(
    session: Any, actor: Actor, *, status: str | None = None, page: int = 1
) -> dict[str, Any]:
    """The cases the actor may see, most recently moved first."""
    conditions = [visible(actor, Action.CASE_READ, cases.c.centre_id)]
    if status:
        try:
            conditions.append(cases.c.status == CaseStatus(status).value)
        except ValueError:
            choices = ", ".join(s.value for s in CaseStatus)
            raise InvalidInput(f"status is one of {choices}", field="status") from None
    query = select(cases).where(and_(*conditions))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(cases.c.status_changed_at.desc(), cases.c.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return {"total": int(total), "page": max(page, 1), "items": [case_summary(r) for r in rows]}
