"""Evaluation rounds: a complaint decision that orders the evaluation redone (重新评审) closes the
current round and the tender runs a new one, to a new report, publicity and award.

The current tables (``evaluations``, the committee's sheets, ``evaluation_reports``,
``report_signatures``, ``report_refusals``, ``result_objections``) hold one round only: the one
being run. :func:`supersede` moves everything of the round into one ``evaluation_rounds`` row,
in the decision's transaction, and marks the evaluation ``dissolved`` — the status after which
:func:`prex.evaluation.service.start_evaluation` starts afresh. Moving the round aside, rather
than keying every table by a round number, leaves every use case of the evaluation and award
untouched: each reads "the tender's report", which is the current round's.

The same committee re-evaluates (原评标委员会重新评审, 《招标投标法实施条例》第七十一条 and
财政部令第87号 第四十四条): its draw and members stay; only their sheets are moved aside, so
that the new round starts from nothing. The old round stays readable to whoever may read the
report (:func:`rounds_of`, ``GET /api/v1/tenders/{id}/evaluation/rounds``); its PDF stays in the
blob store under its SHA-256 and its signatures verify offline against the report kept with it.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select, update

from prex.audit.chain import canonical_json
from prex.award import events as ev
from prex.award.access import tender_for
from prex.award.orm import (
    evaluation_reports,
    report_refusals,
    report_signatures,
    result_objections,
)
from prex.award.report import report_bytes
from prex.award.reporting import only_sitting_experts
from prex.db.uow import SqlUnitOfWork
from prex.evaluation.orm import (
    evaluation_explanations,
    evaluation_justifications,
    evaluation_marks,
    evaluation_rounds,
    evaluation_scores,
    evaluations,
)
from prex.evaluation.room import EvaluationStatus
from prex.evaluation.rounds import current_round
from prex.experts.committee_orm import committee_draws, committee_members
from prex.identity.policy import Action, Actor
from prex.shared.clock import iso_utc

if TYPE_CHECKING:
    from prex.bootstrap import Services


def _plain(value: Any) -> Any:
    """A column value as JSON: instants and days in ISO form, DER in base64."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _rows(session: Any, query: Any) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in session.execute(query)]


def supersede(
    uow: SqlUnitOfWork,
    tender_id: str,
    *,
    reason: str,
    complaint_id: str | None = None,
    decision_sha256: str | None = None,
) -> dict[str, Any] | None:
    """Close the current round in the caller's transaction: snapshot it into
    ``evaluation_rounds``, clear it from the current tables, and mark the evaluation dissolved.
    Returns the round's summary, or None when there was nothing to close (no evaluation)."""
    session = uow.session
    evaluation = session.execute(
        select(evaluations).where(evaluations.c.tender_id == tender_id).with_for_update()
    ).first()
    if evaluation is None:
        return None
    committee_round = (
        session.execute(
            select(committee_draws.c.round).where(committee_draws.c.tender_id == tender_id)
        ).scalar()
        or 1
    )
    members = select(committee_members.c.id).where(
        committee_members.c.tender_id == tender_id,
        committee_members.c.round == committee_round,
    )
    sheet_tables = {
        "marks": evaluation_marks,
        "scores": evaluation_scores,
        "justifications": evaluation_justifications,
    }
    sheets: dict[str, Any] = {
        name: _rows(
            session,
            select(table)
            .where(table.c.tender_id == tender_id, table.c.member_id.in_(members))
            .order_by(*table.primary_key.columns),
        )
        for name, table in sheet_tables.items()
    }
    sheets["explanations"] = _rows(
        session,
        select(evaluation_explanations)
        .where(evaluation_explanations.c.tender_id == tender_id)
        .order_by(evaluation_explanations.c.bid_id),
    )
    reports = _rows(
        session, select(evaluation_reports).where(evaluation_reports.c.tender_id == tender_id)
    )
    report = reports[0] if reports else None
    signatures = _rows(
        session,
        select(report_signatures)
        .where(report_signatures.c.tender_id == tender_id)
        .order_by(report_signatures.c.signed_at, report_signatures.c.member_id),
    )
    refusals = _rows(
        session,
        select(report_refusals)
        .where(report_refusals.c.tender_id == tender_id)
        .order_by(report_refusals.c.recorded_at, report_refusals.c.member_id),
    )
    objections = _rows(
        session,
        select(result_objections)
        .where(result_objections.c.tender_id == tender_id)
        .order_by(result_objections.c.filed_at, result_objections.c.id),
    )
    snapshot = {
        "evaluation": {k: _plain(v) for k, v in evaluation._mapping.items()},
        "sheets": sheets,
        "report": report,
        "signatures": signatures,
        "refusals": refusals,
        "objections": objections,
    }
    digest = hashlib.sha256(canonical_json(snapshot)).hexdigest()
    number = current_round(session, tender_id)
    now = uow.clock.now()
    session.execute(
        insert(evaluation_rounds).values(
            tender_id=tender_id,
            round=number,
            committee_round=committee_round,
            report_sha256=None if report is None else report["sha256"],
            snapshot_sha256=digest,
            reason=reason,
            complaint_id=complaint_id,
            decision_sha256=decision_sha256,
            superseded_at=now,
            superseded_by=uow.actor.user_id,
            **snapshot,
        )
    )
    for table in (report_signatures, report_refusals, result_objections, evaluation_reports):
        session.execute(delete(table).where(table.c.tender_id == tender_id))
    for table in sheet_tables.values():
        session.execute(
            delete(table).where(table.c.tender_id == tender_id, table.c.member_id.in_(members))
        )
    session.execute(
        delete(evaluation_explanations).where(evaluation_explanations.c.tender_id == tender_id)
    )
    session.execute(
        update(evaluations)
        .where(evaluations.c.tender_id == tender_id)
        .values(status=EvaluationStatus.DISSOLVED.value, updated_at=now)
    )
    uow.record(
        ev.EvaluationRoundSuperseded(
            "tender",
            tender_id,
            now,
            round=number,
            committee_round=committee_round,
            previous_status=evaluation.status,
            report_sha256=None if report is None else report["sha256"],
            snapshot_sha256=digest,
            reason=reason,
            complaint_id=complaint_id,
            decision_sha256=decision_sha256,
        )
    )
    return {"round": number, "snapshot_sha256": digest, "committee_round": committee_round}


def _round_view(row: Any) -> dict[str, Any]:
    report = row.report
    return {
        "round": row.round,
        "committee_round": row.committee_round,
        "superseded_at": iso_utc(row.superseded_at),
        "reason": row.reason,
        "complaint_id": row.complaint_id,
        "decision_sha256": row.decision_sha256,
        "snapshot_sha256": row.snapshot_sha256,
        "evaluation": {
            "status": (row.evaluation or {}).get("status"),
            "result": (row.evaluation or {}).get("result"),
            "result_sha256": (row.evaluation or {}).get("result_sha256"),
        },
        "report": None
        if report is None
        else {
            "sha256": report["sha256"],
            "pdf_sha256": report["pdf_sha256"],
            "outcome": report["outcome"],
            "publicity_from": report["publicity_from"],
            "publicity_until": report["publicity_until"],
            "report": report["report"],
            "to_sign": base64.b64encode(report_bytes(report["report"])).decode(),
        },
        "signatures": [
            {
                "member_id": s["member_id"],
                "signed_at": s["signed_at"],
                "scheme": s["scheme"],
                "signature": s["signature"],
                "dissent": s["dissent"],
            }
            for s in row.signatures
        ],
        "refusals": [
            {"member_id": r["member_id"], "note": r["note"], "recorded_at": r["recorded_at"]}
            for r in row.refusals
        ],
        "objections": [
            {
                "id": o["id"],
                "org_id": o["org_id"],
                "text": o["text"],
                "filed_at": o["filed_at"],
                "answer": o["answer"],
                "answered_at": o["answered_at"],
            }
            for o in row.objections
        ],
    }


def rounds_of(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The superseded rounds, oldest first, for those who may read the tender's report (its
    parties and the centre): each with its report, signatures, refusals and objections."""
    tender = tender_for(services, actor, tender_id, Action.REPORT_READ)
    with services.read_session() as session:
        rows = session.execute(
            select(evaluation_rounds)
            .where(evaluation_rounds.c.tender_id == tender.id)
            .order_by(evaluation_rounds.c.round)
        ).all()
        current = len(rows) + 1
    if rows:  # of the experts, only the committee's sitting members read what it wrote
        only_sitting_experts(services, actor, tender)
    return {
        "tender_id": tender.id,
        "current_round": current,
        "superseded": [_round_view(r) for r in rows],
    }
