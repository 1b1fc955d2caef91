"""The evaluation room's state: what the committee entered, read from the database and given to
:func:`prex.evaluation.pipeline.evaluate` section by section, and the views of it.

Nothing here writes. :func:`load` reads one tender's evaluation whole; :func:`compute` runs the
pure arithmetic per section and turns a refusal of the inputs (a sheet that no longer covers a
bid that became valid, say) into a validation error shown to the committee instead of a failure.
Members are named by their per-tender pseudonym only (``committee_members.pseudonym``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from prex.bidding.orm import bids as bids_table
from prex.evaluation.inputs import Bid, Mark, ReviewSheet, ScoreSheet
from prex.evaluation.method_toml import parse_evaluation_method
from prex.evaluation.methods import CriterionKind, EvaluationMethod, MethodKind
from prex.evaluation.orm import (
    evaluation_explanations,
    evaluation_justifications,
    evaluation_marks,
    evaluation_scores,
    evaluations,
)
from prex.evaluation.pipeline import Evaluation, evaluate
from prex.experts.committee import sitting
from prex.experts.committee_orm import committee_draws, committee_members
from prex.experts.orm import experts as experts_table
from prex.identity.orm import organisations
from prex.opening.orm import opened_bids
from prex.shared.errors import Conflict, InvalidInput, NotFound

# The draw seed's style (experts/draw.py): a domain-separated hash of public inputs.
COEFFICIENT_INFO = b"prex-benchmark-coefficient\0"


class EvaluationStatus(StrEnum):
    OPEN = "open"  # members enter marks, scores, justifications; explanations are decided
    PAUSED = "paused"  # the centre stopped the room (a dispute, a member taken ill): no writes
    COMPLETE = "complete"  # the result is frozen; nothing changes any more
    # Paused beyond the rule pack's interruption_minutes: this committee is dissolved and a new
    # one drawn (评标中断); the centre starts the evaluation afresh with it (start_evaluation).
    DISSOLVED = "dissolved"


#: Nothing moves a room out of these; a dissolved one is replaced by a new evaluation.
TERMINAL_STATES = frozenset({EvaluationStatus.COMPLETE, EvaluationStatus.DISSOLVED})
_TRANSITIONS = {
    EvaluationStatus.OPEN: frozenset({EvaluationStatus.PAUSED, EvaluationStatus.COMPLETE}),
    EvaluationStatus.PAUSED: frozenset({EvaluationStatus.OPEN, EvaluationStatus.DISSOLVED}),
    EvaluationStatus.COMPLETE: frozenset[EvaluationStatus](),
    EvaluationStatus.DISSOLVED: frozenset[EvaluationStatus](),
}


def may_move(current: EvaluationStatus, target: EvaluationStatus) -> bool:
    return target in _TRANSITIONS[current]


def draw_coefficient(
    coefficients: Sequence[Decimal], tender_id: str, opening_sha256: str
) -> Decimal:
    """The benchmark coefficient, from the published opening record: SHA-256 of
    ``COEFFICIENT_INFO ‖ tender id ‖ record digest`` read as a big-endian integer, modulo the
    number of coefficients, indexes the rule pack's list (bias below 2⁻²⁵⁰). Anyone holding the
    record can replay it; nobody could aim a price at it, since the record holds every price."""
    digest = hashlib.sha256(
        COEFFICIENT_INFO + tender_id.encode() + b"\0" + bytes.fromhex(opening_sha256)
    ).digest()
    return coefficients[int.from_bytes(digest, "big") % len(coefficients)]


def sheet_digest(cells: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of a sheet in canonical JSON (sorted keys, no spaces): what the audit keeps."""
    text = json.dumps(list(cells), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Member:
    """A sitting committee member: confirmed (or a standby seated in another's place)."""

    id: str
    pseudonym: str
    user_id: str | None


@dataclass(frozen=True)
class OpenedBid:
    bid: Bid
    section_id: str
    bidder_name: str


@dataclass
class Room:
    """One tender's evaluation as stored."""

    tender_id: str
    status: EvaluationStatus
    method: EvaluationMethod
    coefficient: Decimal | None
    opening_sha256: str
    result: dict[str, Any] | None
    result_sha256: str | None
    members: list[Member]
    bids: list[OpenedBid]
    marks: dict[str, dict[tuple[str, str], Mark]] = field(default_factory=dict)  # member → cells
    scores: dict[str, dict[tuple[str, str], Decimal]] = field(default_factory=dict)
    justifications: dict[tuple[str, str, str], str] = field(default_factory=dict)
    explanations: dict[str, Any] = field(default_factory=dict)  # bid id → row
    committee_round: int = 1  # the committee's draw (a dissolved one is followed by the next)

    @property
    def sections(self) -> dict[str, list[Bid]]:
        out: dict[str, list[Bid]] = {}
        for opened in self.bids:
            out.setdefault(opened.section_id, []).append(opened.bid)
        return dict(sorted(out.items()))

    def review_sheets(self, ids: set[str]) -> list[ReviewSheet]:
        """The sitting members' review sheets, narrowed to the bids in ``ids``."""
        return [
            ReviewSheet(m.id, {c: v for c, v in self.marks[m.id].items() if c[0] in ids})
            for m in self.members
            if m.id in self.marks
        ]

    def rejected(self) -> dict[str, str]:
        """Bids whose explanation the committee rejected, with its reason."""
        return {
            bid_id: str(e.reason)
            for bid_id, e in self.explanations.items()
            if e.accepted is False and e.reason
        }

    def pseudonym(self, member_id: str) -> str:
        return next((m.pseudonym for m in self.members if m.id == member_id), member_id)

    @property
    def scored(self) -> bool:
        """Whether members score at all (a comprehensive method with subjective criteria)."""
        return self.method.kind is MethodKind.COMPREHENSIVE and bool(
            self.method.of_kind(CriterionKind.SUBJECTIVE)
        )


def _price(bid_id: str, form: dict[str, Any] | None) -> Decimal:
    """The price read out at the opening; an opened bid without one cannot be evaluated."""
    try:
        return Decimal(str((form or {})["price"]))
    except (KeyError, InvalidOperation):
        raise Conflict(
            f"opened bid {bid_id} has no price read at the opening", bid=bid_id
        ) from None


def load(session: Any, tender_id: str) -> Room:
    """Read the evaluation of ``tender_id`` whole; NotFound when it has not been started."""
    row = session.execute(select(evaluations).where(evaluations.c.tender_id == tender_id)).first()
    if row is None:
        raise NotFound(f"tender {tender_id} has no evaluation", tender_id=tender_id)
    method = parse_evaluation_method(row.method, origin=f"evaluation of tender {tender_id}")
    # Only the current round's committee: a dissolved committee's sheets stay in the tables
    # under its members' ids and count for nobody.
    current = (
        session.execute(
            select(committee_draws.c.round).where(committee_draws.c.tender_id == tender_id)
        ).scalar()
        or 1
    )
    in_round = set(
        session.execute(
            select(committee_members.c.id).where(
                committee_members.c.tender_id == tender_id, committee_members.c.round == current
            )
        ).scalars()
    )
    members = [
        Member(m.id, m.pseudonym, m.user_id)
        for m in session.execute(
            select(
                committee_members.c.id,
                committee_members.c.pseudonym,
                committee_members.c.status,
                committee_members.c.role,
                committee_members.c.replaces,
                experts_table.c.user_id,
            )
            .join(experts_table, experts_table.c.id == committee_members.c.expert_id)
            .where(committee_members.c.tender_id == tender_id)
            .order_by(committee_members.c.draw_order)
        )
        if m.id in in_round and sitting(m.status, m.role, m.replaces)
    ]
    opened = [
        OpenedBid(
            Bid(
                id=r.bid_id,
                bidder_uscc=r.uscc,
                price=_price(r.bid_id, r.form),
                received_at=r.received_at,
            ),
            r.section_id,
            r.name,
        )
        for r in session.execute(
            select(
                opened_bids.c.bid_id,
                opened_bids.c.section_id,
                opened_bids.c.form,
                organisations.c.uscc,
                organisations.c.name,
                bids_table.c.received_at,
            )
            .join(organisations, organisations.c.id == opened_bids.c.bidder_org_id)
            .join(bids_table, bids_table.c.id == opened_bids.c.bid_id)
            .where(opened_bids.c.tender_id == tender_id, opened_bids.c.outcome == "opened")
            .order_by(opened_bids.c.bid_id)
        )
    ]
    room = Room(
        tender_id=tender_id,
        status=EvaluationStatus(row.status),
        method=method,
        coefficient=None if row.coefficient is None else Decimal(row.coefficient),
        opening_sha256=row.opening_sha256,
        result=row.result,
        result_sha256=row.result_sha256,
        members=members,
        bids=opened,
        committee_round=current,
    )
    where = evaluation_marks.c.tender_id == tender_id
    for m in session.execute(select(evaluation_marks).where(where)):
        if m.member_id in in_round:
            room.marks.setdefault(m.member_id, {})[(m.bid_id, m.item_id)] = Mark(m.passed, m.reason)
    for s in session.execute(
        select(evaluation_scores).where(evaluation_scores.c.tender_id == tender_id)
    ):
        if s.member_id in in_round:
            room.scores.setdefault(s.member_id, {})[(s.bid_id, s.criterion_id)] = Decimal(s.score)
    for j in session.execute(
        select(evaluation_justifications).where(evaluation_justifications.c.tender_id == tender_id)
    ):
        if j.member_id in in_round:
            room.justifications[(j.member_id, j.bid_id, j.criterion_id)] = j.reason
    for e in session.execute(
        select(evaluation_explanations).where(evaluation_explanations.c.tender_id == tender_id)
    ):
        room.explanations[e.bid_id] = e
    return room


@dataclass(frozen=True)
class SectionState:
    section_id: str
    bids: tuple[Bid, ...]
    evaluation: Evaluation | None  # None when the inputs were refused (see ``errors``)
    errors: tuple[str, ...]


def compute(room: Room) -> list[SectionState]:
    """Run ``evaluate`` for every section on what the sitting members entered so far."""
    sitting_ids = [m.id for m in room.members]
    rejected = room.rejected()
    accepted = {bid_id for bid_id, e in room.explanations.items() if e.accepted is True}
    states = []
    for section_id, bids in room.sections.items():
        ids = {bid.id for bid in bids}
        reviews = room.review_sheets(ids)
        sheets = [
            ScoreSheet(member, {c: s for c, s in room.scores[member].items() if c[0] in ids})
            for member in sitting_ids
            if member in room.scores and room.scored
        ]
        try:
            outcome = evaluate(
                room.method,
                bids,
                review_sheets=reviews,
                score_sheets=sheets,
                coefficient=room.coefficient,
                rejected={k: v for k, v in rejected.items() if k in ids},
                explanations_accepted=accepted & ids,
                justifications=room.justifications,
            )
        except InvalidInput as exc:
            message = str(exc)
            for member in sitting_ids:  # the committee sees pseudonyms, never internal ids
                message = message.replace(member, room.pseudonym(member))
            states.append(SectionState(section_id, tuple(bids), None, (message,)))
            continue
        states.append(SectionState(section_id, tuple(bids), outcome, ()))
    return states


def waiting_for(room: Room) -> dict[str, list[str]]:
    """Pseudonyms of sitting members whose review or score sheet is not in yet."""
    return {
        "review": (
            [m.pseudonym for m in room.members if m.id not in room.marks]
            if room.method.review
            else []  # a method without review items passes every bid unmarked
        ),
        "scores": (
            [m.pseudonym for m in room.members if m.id not in room.scores] if room.scored else []
        ),
    }


def completable(room: Room, states: Sequence[SectionState]) -> list[str]:
    """Why the evaluation cannot be completed yet (empty: it can)."""
    reasons: list[str] = []
    if not room.members:
        reasons.append("no committee member is sitting")
    waiting = waiting_for(room)
    if waiting["review"]:
        reasons.append(f"review sheets missing from {', '.join(waiting['review'])}")
    # With no valid bid anywhere (every bid rejected) there is nothing to score.
    if waiting["scores"] and any(s.evaluation is None or s.evaluation.valid for s in states):
        reasons.append(f"score sheets missing from {', '.join(waiting['scores'])}")
    for state in states:
        if state.evaluation is None:
            reasons.extend(f"section {state.section_id}: {error}" for error in state.errors)
            continue
        for d in state.evaluation.unjustified:
            reasons.append(
                f"section {state.section_id}: {room.pseudonym(d.expert_id)} must justify the "
                f"score {d.score} of bid {d.bid_id} on '{d.criterion_id}'"
            )
        for low in state.evaluation.pending_explanations:
            reasons.append(
                f"section {state.section_id}: bid {low.bid_id} is abnormally low and its "
                "explanation has not been accepted (or the bid rejected)"
            )
    return reasons
