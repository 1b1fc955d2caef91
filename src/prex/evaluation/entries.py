"""What the sitting committee members enter (issue 5): their review and score sheets, the
justifications of their deviating scores, and the explanations of abnormally low bids requested
and decided. Each write locks the evaluation row, re-reads the room, lets the pure arithmetic
check the entry (refusals name the bid and criterion), writes, and records an audit event.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, update

from prex.db.uow import SqlUnitOfWork
from prex.evaluation import events as ev
from prex.evaluation import room as rooms
from prex.evaluation.access import (
    clean_text,
    locked_room,
    member_of,
    require_open,
    tender_for,
)
from prex.evaluation.inputs import Mark, ReviewSheet, ScoreSheet
from prex.evaluation.orm import (
    evaluation_explanations,
    evaluation_justifications,
    evaluation_marks,
    evaluation_scores,
)
from prex.evaluation.review import review
from prex.evaluation.room import Room
from prex.evaluation.scoring import collect_scores
from prex.identity.policy import Action
from prex.shared.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from prex.bootstrap import Services


def _cells(entries: Sequence[dict[str, Any]], key: str, room: Room) -> None:
    known = {o.bid.id for o in room.bids}
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        cell = (str(entry["bid_id"]), str(entry[key]))
        if cell[0] not in known:
            raise InvalidInput(f"bid {cell[0]} is not an opened bid of this tender", field="bid_id")
        if cell in seen:
            raise InvalidInput(f"bid {cell[0]}, {key} {cell[1]}: given twice", field=key)
        seen.add(cell)


def submit_review(
    uow: SqlUnitOfWork, services: Services, tender_id: str, marks: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """A member's whole review sheet (every opened bid × every review item; a fail gives its
    reason), replacing the member's previous one."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_SCORE)
    with uow:
        room = locked_room(uow, tender.id)
        member = member_of(room, uow.actor)
        require_open(room)
        _cells(marks, "item", room)
        sheet = {
            (str(m["bid_id"]), str(m["item"])): Mark(bool(m["passed"]), str(m["reason"]).strip())
            for m in marks
        }
        for bids in room.sections.values():  # the arithmetic's own checks, section by section
            ids = {b.id for b in bids}
            review(
                room.method,
                bids,
                [ReviewSheet(member, {c: v for c, v in sheet.items() if c[0] in ids})],
            )
        now = uow.clock.now()
        uow.session.execute(
            delete(evaluation_marks).where(
                evaluation_marks.c.tender_id == tender.id, evaluation_marks.c.member_id == member
            )
        )
        rows = [
            {
                "member_id": member,
                "bid_id": bid_id,
                "item_id": item,
                "tender_id": tender.id,
                "passed": mark.passed,
                "reason": mark.reason,
                "marked_at": now,
            }
            for (bid_id, item), mark in sorted(sheet.items())
        ]
        if rows:
            uow.session.execute(insert(evaluation_marks), rows)
        digest = rooms.sheet_digest(
            [{k: r[k] for k in ("bid_id", "item_id", "passed", "reason")} for r in rows]
        )
        uow.record(
            ev.ReviewSheetSubmitted(
                "tender", tender.id, now, member_id=member, cells=len(rows), sha256=digest
            )
        )
        uow.commit()
    return {"tender_id": tender.id, "cells": len(rows), "sha256": digest}


def submit_scores(
    uow: SqlUnitOfWork, services: Services, tender_id: str, scores: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """A member's whole score sheet (every valid bid × every subjective criterion), once every
    sitting member's review is in (the review decides which bids are scored)."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_SCORE)
    with uow:
        room = locked_room(uow, tender.id)
        member = member_of(room, uow.actor)
        require_open(room)
        if not room.scored:
            raise Conflict(f"a {room.method.kind.value} method takes no expert scores")
        if waiting := rooms.waiting_for(room)["review"]:
            raise Conflict(
                f"scores are taken once every review is in; waiting for {', '.join(waiting)}"
            )
        _cells(scores, "criterion", room)
        sheet: dict[tuple[str, str], Decimal] = {}
        for s in scores:
            try:
                value = Decimal(str(s["score"]))
            except InvalidOperation:
                raise InvalidInput(
                    f"bid {s['bid_id']}, criterion {s['criterion']}: score {s['score']!r} is not "
                    "a decimal number",
                    field="score",
                ) from None
            sheet[(str(s["bid_id"]), str(s["criterion"]))] = value
        rejected = room.rejected()
        for bids in room.sections.values():
            ids = {b.id for b in bids}
            verdicts = review(room.method, bids, room.review_sheets(ids))
            valid = [b for b in bids if verdicts[b.id].passed and b.id not in rejected]
            collect_scores(
                room.method,
                valid,
                [ScoreSheet(member, {c: v for c, v in sheet.items() if c[0] in ids})],
                ignored=ids - {b.id for b in valid},
            )
        now = uow.clock.now()
        uow.session.execute(
            delete(evaluation_scores).where(
                evaluation_scores.c.tender_id == tender.id, evaluation_scores.c.member_id == member
            )
        )
        rows = [
            {
                "member_id": member,
                "bid_id": bid_id,
                "criterion_id": criterion,
                "tender_id": tender.id,
                "score": str(value),
                "scored_at": now,
            }
            for (bid_id, criterion), value in sorted(sheet.items())
        ]
        if rows:
            uow.session.execute(insert(evaluation_scores), rows)
        digest = rooms.sheet_digest(
            [{k: r[k] for k in ("bid_id", "criterion_id", "score")} for r in rows]
        )
        uow.record(
            ev.ScoreSheetSubmitted(
                "tender", tender.id, now, member_id=member, cells=len(rows), sha256=digest
            )
        )
        uow.commit()
    return {"tender_id": tender.id, "cells": len(rows), "sha256": digest}


def justify_deviation(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    bid_id: str,
    criterion_id: str,
    reason: str,
) -> dict[str, Any]:
    """A member's reason for one of their own scores the deviation rule flagged."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_SCORE)
    reason = clean_text(reason, "reason")
    with uow:
        room = locked_room(uow, tender.id)
        member = member_of(room, uow.actor)
        require_open(room)
        flagged = any(
            d.expert_id == member and d.bid_id == bid_id and d.criterion_id == criterion_id
            for state in rooms.compute(room)
            if state.evaluation is not None
            for d in state.evaluation.deviations
        )
        if not flagged:
            raise NotFound(
                f"your score of bid {bid_id} on '{criterion_id}' is not a flagged deviation",
                bid=bid_id,
                criterion=criterion_id,
            )
        now = uow.clock.now()
        key = (
            evaluation_justifications.c.member_id == member,
            evaluation_justifications.c.bid_id == bid_id,
            evaluation_justifications.c.criterion_id == criterion_id,
        )
        uow.session.execute(delete(evaluation_justifications).where(*key))
        uow.session.execute(
            insert(evaluation_justifications).values(
                member_id=member,
                bid_id=bid_id,
                criterion_id=criterion_id,
                tender_id=tender.id,
                reason=reason,
                justified_at=now,
            )
        )
        uow.record(
            ev.DeviationJustified(
                "tender",
                tender.id,
                now,
                member_id=member,
                bid_id=bid_id,
                criterion_id=criterion_id,
                reason=reason,
            )
        )
        uow.commit()
    return {"bid_id": bid_id, "criterion_id": criterion_id, "justified": True}


def request_explanation(
    uow: SqlUnitOfWork, services: Services, tender_id: str, bid_id: str
) -> dict[str, Any]:
    """The committee asks the bidder of an abnormally low bid to explain its price."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_SCORE)
    with uow:
        room = locked_room(uow, tender.id)
        member = member_of(room, uow.actor)
        require_open(room)
        low = any(
            low.bid_id == bid_id
            for state in rooms.compute(room)
            if state.evaluation is not None
            for low in state.evaluation.abnormally_low
        )
        if not low:
            raise NotFound(f"bid {bid_id} is not flagged as abnormally low", bid=bid_id)
        if bid_id in room.explanations:
            raise Conflict(f"an explanation of bid {bid_id} has been requested already")
        now = uow.clock.now()
        uow.session.execute(
            insert(evaluation_explanations).values(
                bid_id=bid_id, tender_id=tender.id, requested_by=member, requested_at=now
            )
        )
        uow.record(
            ev.ExplanationRequested("tender", tender.id, now, member_id=member, bid_id=bid_id)
        )
        uow.commit()
    return {"bid_id": bid_id, "requested": True}


def decide_explanation(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    bid_id: str,
    explanation: str,
    accepted: bool,
    reason: str,
) -> dict[str, Any]:
    """Record the bidder's explanation as received and the committee's decision: accepted, or
    rejected with its reason — the bid then leaves the valid bids and everything is recomputed
    (评标委员会和评标方法暂行规定 art. 21)."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_SCORE)
    explanation = clean_text(explanation, "explanation")
    reason = clean_text(reason, "reason", required=not accepted)
    with uow:
        room = locked_room(uow, tender.id)
        member = member_of(room, uow.actor)
        require_open(room)
        row = room.explanations.get(bid_id)
        if row is None:
            raise NotFound(f"no explanation of bid {bid_id} was requested", bid=bid_id)
        if row.accepted is not None:
            raise Conflict(f"the explanation of bid {bid_id} has been decided already")
        now = uow.clock.now()
        uow.session.execute(
            update(evaluation_explanations)
            .where(evaluation_explanations.c.bid_id == bid_id)
            .values(
                explanation=explanation,
                accepted=accepted,
                reason=reason or None,
                decided_by=member,
                decided_at=now,
            )
        )
        uow.record(
            ev.ExplanationDecided(
                "tender",
                tender.id,
                now,
                member_id=member,
                bid_id=bid_id,
                accepted=accepted,
                reason=reason,
            )
        )
        uow.commit()
    return {"bid_id": bid_id, "accepted": accepted}
