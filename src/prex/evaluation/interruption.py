"""An interruption longer than the rule pack allows dissolves the committee (评标中断, issue 5).

A room paused for more than ``[experts] interruption_minutes`` (of the rule pack the evaluation
was started under) is dissolved: its status becomes ``dissolved``, the committee's sitting
members ``dissolved``, and the next round of the committee is drawn
(:mod:`prex.experts.committee_redraw`) — all in one transaction holding the evaluation row's
lock. It happens

* in the worker's pass (:func:`dissolve_interrupted`), idempotent and safe beside another
  worker: every candidate is re-read under the row lock, and a second worker finds it
  dissolved already;
* when the centre tries to resume the room after the limit
  (:func:`prex.evaluation.service.resume_evaluation`): the room is dissolved and committed
  first, then the resume is refused with a Conflict naming the rule — the refusal does not undo
  the dissolution, and the worker would have done the same at its next pass.

The pause is measured from ``evaluations.updated_at``: it is stamped by the pause and nothing
writes the row while the room is paused (entries are refused), so no extra column is needed.

What becomes of the old evaluation: the ``evaluations`` row stays (status ``dissolved``) until
the centre starts the evaluation again with the new committee, which resets it; the old
members' marks, scores and justifications stay in their tables under their member ids, which
belong to the dissolved round and so count for nobody (:func:`prex.evaluation.room.load` reads
the current round's members only); the explanation rows, one per bid, are copied in full into
the ``EvaluationDissolved`` audit entry and cleared, so that the new committee decides afresh.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update

from prex.db.uow import SqlUnitOfWork
from prex.evaluation import events as ev
from prex.evaluation import room as rooms
from prex.evaluation.orm import evaluation_explanations, evaluations
from prex.evaluation.room import EvaluationStatus
from prex.experts.committee_redraw import dissolve_and_redraw
from prex.identity.policy import SYSTEM
from prex.shared.errors import InvalidTransition

if TYPE_CHECKING:
    from prex.bootstrap import Services

RULE = "[experts] interruption_minutes"


def expiry(paused_at: datetime, limit_minutes: int) -> datetime:
    """The last instant the paused room may still be resumed."""
    return paused_at + timedelta(minutes=limit_minutes)


def interrupted_too_long(paused_at: datetime, limit_minutes: int, now: datetime) -> bool:
    """Paused *longer* than the limit: a resume exactly at the limit is still allowed."""
    return now > expiry(paused_at, limit_minutes)


def dissolve_room(
    uow: SqlUnitOfWork, services: Services, row: Any, limit_minutes: int
) -> dict[str, Any]:
    """Dissolve the paused room ``row`` (the evaluations row, locked and re-read by the
    caller) and draw the next committee, in the caller's transaction; returns the outcome."""
    tender_id, paused_at = str(row.tender_id), row.updated_at
    if not rooms.may_move(EvaluationStatus(row.status), EvaluationStatus.DISSOLVED):
        raise InvalidTransition("evaluation", tender_id, row.status, "dissolved")
    now = uow.clock.now()
    minutes = int((now - paused_at).total_seconds() // 60)
    reason = (
        f"评标中断: the evaluation room was paused for {minutes} minutes, longer than the rule "
        f"pack's {RULE} = {limit_minutes}"
    )
    explanations = [
        {
            "bid_id": e.bid_id,
            "requested_by": e.requested_by,
            "requested_at": e.requested_at.isoformat(),
            "explanation": e.explanation,
            "accepted": e.accepted,
            "reason": e.reason,
            "decided_by": e.decided_by,
            "decided_at": None if e.decided_at is None else e.decided_at.isoformat(),
        }
        for e in uow.session.execute(
            select(evaluation_explanations)
            .where(evaluation_explanations.c.tender_id == tender_id)
            .order_by(evaluation_explanations.c.bid_id)
        )
    ]
    uow.session.execute(
        delete(evaluation_explanations).where(evaluation_explanations.c.tender_id == tender_id)
    )
    uow.session.execute(
        update(evaluations)
        .where(evaluations.c.tender_id == tender_id)
        .values(status=EvaluationStatus.DISSOLVED.value, updated_at=now)
    )
    rules = services.rule_packs.get(row.rule_pack_id).experts
    outcome = dissolve_and_redraw(
        uow, services, tender_id, rules, reason=reason, paused_at=paused_at
    )
    uow.record(
        ev.EvaluationDissolved(
            "tender",
            tender_id,
            now,
            committee_round=outcome["dissolved_round"],
            paused_at=paused_at.isoformat(),
            paused_minutes=minutes,
            limit_minutes=limit_minutes,
            explanations=explanations,
        )
    )
    return {"tender_id": tender_id, "reason": reason, **outcome}


def limit_of(services: Services, rule_pack_id: str) -> int:
    return services.rule_packs.get(rule_pack_id).experts.interruption_minutes


def dissolve_interrupted(services: Services, *, limit: int = 100) -> int:
    """The worker's sweep: dissolve every room paused beyond its rule pack's limit; returns
    how many were dissolved. Each is re-read under its row lock (the database write lock on
    SQLite), so two workers never dissolve the same room twice."""
    now = services.clock.now()
    with services.read_session() as session:
        paused = session.execute(
            select(evaluations.c.tender_id, evaluations.c.rule_pack_id, evaluations.c.updated_at)
            .where(evaluations.c.status == EvaluationStatus.PAUSED.value)
            .order_by(evaluations.c.updated_at)
        ).all()
    due = [
        r.tender_id
        for r in paused
        if interrupted_too_long(r.updated_at, limit_of(services, r.rule_pack_id), now)
    ][:limit]
    dissolved = 0
    for tender_id in due:
        uow = services.uow(SYSTEM)
        with uow:
            row = uow.session.execute(
                select(evaluations).where(evaluations.c.tender_id == tender_id).with_for_update()
            ).first()
            if row is None or row.status != EvaluationStatus.PAUSED.value:
                continue  # resumed, or dissolved by another worker, since the probe
            minutes = limit_of(services, row.rule_pack_id)
            if not interrupted_too_long(row.updated_at, minutes, uow.clock.now()):
                continue
            dissolve_room(uow, services, row, minutes)
            uow.commit()
            dissolved += 1
    return dissolved
