"""Use cases of the centre in the evaluation room (issue 5), and reading it.

The centre starts a tender's evaluation once the opening record is published (the benchmark
coefficient, for average-based methods, is derived from that record's SHA-256), pauses and
resumes it, and freezes the result when :func:`prex.evaluation.pipeline.evaluate` says it is
complete. What the sitting committee members enter is in :mod:`prex.evaluation.entries`; the
checks every use case starts with in :mod:`prex.evaluation.access`.

Refusals: ``NotFound`` (no evaluation, no such bid), ``PermissionDenied`` (not a sitting member
nor the centre), ``InvalidInput`` (an entry the arithmetic refuses, naming the bid and
criterion), ``Conflict`` (the wrong status, or what is still missing).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from prex.db.uow import SqlUnitOfWork
from prex.evaluation import events as ev
from prex.evaluation import interruption, views
from prex.evaluation import room as rooms
from prex.evaluation.access import (
    clean_text,
    locked_room,
    require_open,
    resource,
    tender_for,
)
from prex.evaluation.methods import PriceRuleKind
from prex.evaluation.orm import evaluations
from prex.evaluation.room import EvaluationStatus, Room
from prex.evaluation.rounds import current_round, superseded_while
from prex.experts.committee_orm import committee_draws, committee_members, committee_rounds
from prex.identity.policy import Action, Actor, Role, is_allowed
from prex.opening.orm import openings
from prex.shared.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from prex.tenders.model import TenderStatus

if TYPE_CHECKING:
    from prex.bootstrap import Services


# -- the centre ---------------------------------------------------------------------------------


def start_evaluation(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Open the room once the opening record is published: snapshot the rule pack's method
    and, for an average-based price rule, draw the coefficient from the record's SHA-256."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_MANAGE)
    if tender.status is not TenderStatus.EVALUATION:
        raise Conflict(
            f"tender {tender.id} is {tender.status.value}: the evaluation starts after the "
            "opening record is published",
            tender_id=tender.id,
        )
    pack = services.rule_packs.get(tender.rule_pack_id)
    if pack.evaluation is None or pack.evaluation_table is None:
        raise Conflict(f"rule pack {pack.id} has no [evaluation] method", rule_pack=pack.id)
    rule = pack.evaluation.price
    with uow:
        record = uow.session.execute(
            select(openings.c.status, openings.c.record_sha256).where(
                openings.c.tender_id == tender.id
            )
        ).first()
        if record is None or record.status != "closed" or record.record_sha256 is None:
            raise Conflict("the opening record is not published yet", tender_id=tender.id)
        exists = uow.session.execute(
            select(evaluations.c.status)
            .where(evaluations.c.tender_id == tender.id)
            .with_for_update()
        ).first()
        again = exists is not None and exists.status == EvaluationStatus.DISSOLVED.value
        if exists is not None and not again:
            raise Conflict(f"the evaluation of tender {tender.id} has started already")
        committee = uow.session.execute(
            select(committee_draws.c.status, committee_draws.c.round).where(
                committee_draws.c.tender_id == tender.id
            )
        ).first()
        # After a complaint decision ordering the evaluation redone (prex.award.rounds), the
        # same committee evaluates again: its draw stays (revealed, if the result was out).
        redo = (
            again
            and committee is not None
            and superseded_while(uow.session, tender.id, committee.round)
        )
        if again and not redo and (committee is None or committee.status != "drawn"):
            raise Conflict(
                f"the committee of tender {tender.id} was dissolved and no new one is drawn yet",
                tender_id=tender.id,
            )
        if again and not rooms.load(uow.session, tender.id).members:
            raise Conflict(
                f"no member of the {'' if redo else 'new '}committee of tender {tender.id} "
                "is sitting",
                tender_id=tender.id,
            )
        coefficient = None
        if rule is not None and rule.kind is PriceRuleKind.AVERAGE_BENCHMARK:
            coefficient = rooms.draw_coefficient(rule.coefficients, tender.id, record.record_sha256)
        now = uow.clock.now()
        values = {
            "status": EvaluationStatus.OPEN.value,
            "rule_pack_id": pack.id,
            "method": pack.evaluation_table,
            "coefficient": None if coefficient is None else str(coefficient),
            "opening_sha256": record.record_sha256,
            "started_at": now,
            "started_by": uow.actor.user_id,
            "updated_at": now,
            "result": None,
            "result_sha256": None,
            "completed_at": None,
        }
        if again:
            # A new evaluation in the dissolved one's row: after an interruption with the new
            # committee, the old sheets staying under the dissolved members' ids (see
            # evaluation/interruption.py); after a decision to redo it with the same committee,
            # the old round moved to evaluation_rounds (prex.award.rounds).
            assert committee is not None
            uow.session.execute(
                update(evaluations).where(evaluations.c.tender_id == tender.id).values(**values)
            )
            uow.record(
                ev.EvaluationRestarted(
                    "tender",
                    tender.id,
                    now,
                    committee_round=committee.round,
                    rule_pack_id=pack.id,
                    coefficient=values["coefficient"],
                    opening_sha256=record.record_sha256,
                )
            )
        else:
            uow.session.execute(insert(evaluations).values(tender_id=tender.id, **values))
            uow.record(
                ev.EvaluationStarted(
                    "tender",
                    tender.id,
                    now,
                    rule_pack_id=pack.id,
                    coefficient=values["coefficient"],
                    opening_sha256=record.record_sha256,
                )
            )
        uow.commit()
    return {
        "tender_id": tender.id,
        "status": EvaluationStatus.OPEN.value,
        "coefficient": None if coefficient is None else str(coefficient),
        "opening_sha256": record.record_sha256,
    }


def _move(uow: SqlUnitOfWork, room: Room, target: EvaluationStatus, **values: Any) -> None:
    if not rooms.may_move(room.status, target):
        raise InvalidTransition("evaluation", room.tender_id, room.status.value, target.value)
    uow.session.execute(
        update(evaluations)
        .where(evaluations.c.tender_id == room.tender_id)
        .values(status=target.value, updated_at=uow.clock.now(), **values)
    )


def pause_evaluation(
    uow: SqlUnitOfWork, services: Services, tender_id: str, reason: str
) -> dict[str, Any]:
    """Stop the room (no entries) until the centre resumes it; the reason is audited."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_MANAGE)
    reason = clean_text(reason, "reason")
    with uow:
        room = locked_room(uow, tender.id)
        _move(uow, room, EvaluationStatus.PAUSED)
        uow.record(ev.EvaluationPaused("tender", tender.id, uow.clock.now(), reason=reason))
        uow.commit()
    return {"tender_id": tender.id, "status": EvaluationStatus.PAUSED.value}


def resume_evaluation(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Reopen a paused room — within the rule pack's ``interruption_minutes`` of the pause.
    Later, the room is dissolved and a new committee drawn (committed first, as the worker
    would), and the resume refused with a Conflict naming the rule."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_MANAGE)
    with uow:
        room = locked_room(uow, tender.id)
        row = uow.session.execute(
            select(evaluations).where(evaluations.c.tender_id == tender.id)
        ).one()
        limit = interruption.limit_of(services, row.rule_pack_id)
        late = room.status is EvaluationStatus.PAUSED and interruption.interrupted_too_long(
            row.updated_at, limit, uow.clock.now()
        )
        if not late:
            _move(uow, room, EvaluationStatus.OPEN)
            uow.record(ev.EvaluationResumed("tender", tender.id, uow.clock.now()))
            uow.commit()
            return {"tender_id": tender.id, "status": EvaluationStatus.OPEN.value}
        outcome = interruption.dissolve_room(uow, services, row, limit)
        uow.commit()
    raise Conflict(
        f"the evaluation of tender {tender.id} was paused at {row.updated_at.isoformat()}, "
        f"longer than the rule pack's {interruption.RULE} = {limit}: the committee of round "
        f"{outcome['dissolved_round']} is dissolved and "
        + (
            f"round {outcome['round']} drawn; start the evaluation again with it"
            if outcome["redrawn"]
            else f"the redraw failed ({outcome['reason']})"
        ),
        tender_id=tender.id,
        rule=interruption.RULE,
        limit_minutes=limit,
        round=outcome["round"],
    )


def complete_evaluation(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Freeze the result, only when every sheet is in and ``evaluate`` says complete for every
    section; otherwise Conflict listing what is still missing."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_MANAGE)
    with uow:
        room = locked_room(uow, tender.id)
        require_open(room)
        states = rooms.compute(room)
        missing = rooms.completable(room, states)
        if missing:
            raise Conflict(
                "the evaluation is not complete: " + "; ".join(missing),
                tender_id=tender.id,
                missing=missing,
            )
        result = views.frozen_result(room, states)
        digest = hashlib.sha256(
            json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
        now = uow.clock.now()
        _move(
            uow,
            room,
            EvaluationStatus.COMPLETE,
            result=result,
            result_sha256=digest,
            completed_at=now,
        )
        uow.record(ev.EvaluationCompleted("tender", tender.id, now, result_sha256=digest))
        uow.commit()
    return {"tender_id": tender.id, "status": "complete", "result_sha256": digest, **result}


# -- reading ------------------------------------------------------------------------------------


def room_of(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The room with every figure: for its sitting members and the centre's operators and
    supervisors; other experts are refused even though their role may read evaluations."""
    tender = tender_for(services, actor, tender_id, Action.EVALUATION_READ)
    with services.read_session() as session:
        room = rooms.load(session, tender.id)
    me = next((m.id for m in room.members if m.user_id == actor.user_id), None)
    centre = dataclasses.replace(actor, roles=actor.roles - {Role.EXPERT})
    if me is None and not is_allowed(centre, Action.EVALUATION_READ, resource(tender)):
        raise PermissionDenied(
            f"{actor.label} is not a sitting member of the committee of tender {tender.id}",
            tender_id=tender.id,
        )
    view = views.room_view(room, rooms.compute(room), me)
    with services.read_session() as session:
        round_no = current_round(session, tender.id)
        # Dissolved by a decision to redo the evaluation (not by an interruption): the same
        # committee evaluates again once the centre starts the next round.
        redo = room.status is EvaluationStatus.DISSOLVED and superseded_while(
            session, tender.id, room.committee_round
        )
    return {
        **view,
        "round": round_no,
        "redo": redo,
        "committee": _committee(services, tender.id),
    }


def _committee(services: Services, tender_id: str) -> dict[str, Any]:
    """The committee's current round (its members by pseudonym, with their answers) and the
    rounds dissolved before it: what the room shows after a dissolution."""
    with services.read_session() as session:
        current = session.execute(
            select(committee_draws.c.round, committee_draws.c.status).where(
                committee_draws.c.tender_id == tender_id
            )
        ).first()
        if current is None:
            return {"round": None, "status": None, "members": [], "dissolved": []}
        members = session.execute(
            select(
                committee_members.c.pseudonym,
                committee_members.c.role,
                committee_members.c.status,
            )
            .where(
                committee_members.c.tender_id == tender_id,
                committee_members.c.round == current.round,
            )
            .order_by(committee_members.c.draw_order)
        ).all()
        dissolved = session.execute(
            select(
                committee_rounds.c.round,
                committee_rounds.c.dissolved_at,
                committee_rounds.c.reason,
            )
            .where(committee_rounds.c.tender_id == tender_id)
            .order_by(committee_rounds.c.round)
        ).all()
    return {
        "round": current.round,
        "status": current.status,
        "members": [
            {"pseudonym": m.pseudonym, "role": m.role, "status": m.status} for m in members
        ],
        "dissolved": [
            {"round": d.round, "dissolved_at": d.dissolved_at.isoformat(), "reason": d.reason}
            for d in dissolved
        ],
    }


def result_of(services: Services, tender_id: str) -> dict[str, Any]:
    """The frozen result for everyone: candidates, prices and totals; no expert, no sheet."""
    with services.read_session() as session:
        room = rooms.load(session, tender_id)
    if room.status is not EvaluationStatus.COMPLETE:
        raise NotFound(f"the evaluation of tender {tender_id} has no result yet")
    return views.result_view(room)
