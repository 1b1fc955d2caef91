"""Violation records from a referred collusion case, in one action: one per organisation the
case's evidence names (the case workflow is ``prex.analytics.cases``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prex.credit.model import CreditRecord, Source, SubjectKind, text
from prex.credit.service import Subject, find_subject, record_violation_within
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import Action, Resource, authorize
from prex.shared.errors import InvalidInput, NotFound

SUBJECT_GROUPS = ("Tenderer", "Bidder")


def case_organisations(session: Session, case: Any) -> list[Subject]:
    """The organisations a case's hits name: the subject of a bidder-level hit, and every bidder
    listed in a hit's evidence (``detail.bidders``, as the collusion rules give) — those known
    on this platform by id or credit code, in order of first mention."""
    from prex.analytics.risk.orm import flag_hits

    hit_ids = [e.hit_id for e in case.evidence if e.hit_id]
    keys: list[str] = []
    for hit in session.execute(select(flag_hits).where(flag_hits.c.id.in_(hit_ids))):
        if hit.grp in SUBJECT_GROUPS:
            keys.append(str(hit.subject_id))
        detail = hit.detail if isinstance(hit.detail, dict) else {}
        listed = detail.get("bidders")
        if isinstance(listed, list):  # (some rules give a count there, not the bidders)
            keys += [b for b in listed if isinstance(b, str)]
    found: dict[str, Subject] = {}
    for key in dict.fromkeys(keys):
        try:
            subject = find_subject(session, SubjectKind.ORGANISATION, key)
        except NotFound:
            continue  # imported data: an organisation not registered here
        found.setdefault(subject.id, subject)
    return list(found.values())


def records_from_case(
    uow: SqlUnitOfWork,
    case_id: str,
    *,
    basis: str,
    facts: str = "",
    org_ids: list[str] | None = None,
    publish: bool = False,
) -> list[CreditRecord]:
    """One action for a referred case: a violation record for each organisation its evidence
    names (or those of ``org_ids`` among them), source ``case``. Unpublished by default: a
    referral is not yet the competent authority's decision; publish each once it is."""
    from prex.analytics.cases.model import CaseStatus
    from prex.analytics.cases.repository import load_case

    with uow:
        case = load_case(uow, case_id)
        authorize(uow.actor, Action.CASE_READ, Resource("case", case.id, centre_id=case.centre_id))
        if case.status is not CaseStatus.REFERRED:
            raise InvalidInput(
                f"case {case_id} is {case.status.value}: records come from a referred case",
                field="case_id",
            )
        subjects = case_organisations(uow.session, case)
        if org_ids is not None:
            wanted = set(org_ids)
            subjects = [s for s in subjects if s.id in wanted or s.code in wanted]
        if not subjects:
            raise InvalidInput(
                f"case {case_id}'s evidence names no organisation registered here",
                field="org_ids",
            )
        summary = (
            text(facts, "facts", required=False)
            or (f"{case.title} — 移送: {case.decision_reason}")[:4000]
        )
        records = [
            record_violation_within(
                uow,
                subject=s.id,
                basis=basis,
                facts=summary,
                source=Source.CASE.value,
                source_id=case.id,
                publish=publish,
                centre_id=case.centre_id,
            )
            for s in subjects
        ]
        uow.commit()
    return records
