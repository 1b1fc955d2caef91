"""What each reader of an evaluation is shown.

:func:`room_view` is for the committee and for the centre's operators and supervisors: every
figure the arithmetic found, members by pseudonym only (the names stay in the expert registry,
for the centre). :func:`result_view` is the frozen result once it is complete — for everyone
once the tenderer publishes it (the award context decides who may read it before): the ranked
candidates with their prices and totals, no per-expert score and no expert at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from prex.evaluation.methods import CriterionKind, EvaluationMethod
from prex.evaluation.pipeline import Evaluation
from prex.evaluation.ranking import Candidate
from prex.evaluation.review import review
from prex.evaluation.room import Room, SectionState, completable, waiting_for
from prex.shared.errors import InvalidInput


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def candidate_json(candidate: Candidate, names: dict[str, str]) -> dict[str, Any]:
    return {
        "rank": candidate.rank,
        "bid_id": candidate.bid_id,
        "bidder_name": names.get(candidate.bid_id, ""),
        "bidder_uscc": candidate.bidder_uscc,
        "price": str(candidate.price),
        "evaluated_price": str(candidate.evaluated_price),
        "total": _text(candidate.total),
        "scores": {k: str(v) for k, v in candidate.scores.items()},
        "decided_by": candidate.decided_by,
    }


def _evaluation_json(room: Room, outcome: Evaluation, names: dict[str, str]) -> dict[str, Any]:
    return {
        "reviews": {
            bid_id: {
                "passed": r.passed,
                "failed": [
                    {
                        "item": v.criterion_id,
                        "fails": v.fails,
                        "votes": v.votes,
                        "reasons": [
                            {"member": room.pseudonym(m), "reason": why} for m, why in v.reasons
                        ],
                    }
                    for v in r.failed
                ],
            }
            for bid_id, r in outcome.reviews.items()
        },
        "rejected": dict(outcome.rejected),
        "valid": list(outcome.valid),
        "benchmark": _text(outcome.benchmark),
        "scores": {b: {k: str(v) for k, v in row.items()} for b, row in outcome.scores.items()},
        "deviations": [
            {
                "member": room.pseudonym(d.expert_id),
                "bid_id": d.bid_id,
                "criterion_id": d.criterion_id,
                "score": str(d.score),
                "reference": str(d.reference),
                "limit": str(d.limit),
                "justification": d.justification,
                "justified": d.justified,
            }
            for d in outcome.deviations
        ],
        "abnormally_low": [
            {
                "bid_id": low.bid_id,
                "price": str(low.price),
                "flags": [
                    {
                        "threshold": f.threshold,
                        "percent": str(f.percent),
                        "reference": str(f.reference),
                    }
                    for f in low.flags
                ],
                "explanation_required": low.explanation_required,
                "explanation": _explanation(room, low.bid_id),
            }
            for low in outcome.abnormally_low
        ],
        "ranking": [candidate_json(c, names) for c in outcome.ranking],
        "complete": outcome.complete,
    }


def _explanation(room: Room, bid_id: str) -> dict[str, Any] | None:
    row = room.explanations.get(bid_id)
    if row is None:
        return None
    return {
        "requested_by": room.pseudonym(row.requested_by),
        "requested_at": row.requested_at.isoformat(),
        "explanation": row.explanation,
        "accepted": row.accepted,
        "reason": row.reason,
        "decided_by": None if row.decided_by is None else room.pseudonym(row.decided_by),
    }


def method_json(method: EvaluationMethod) -> dict[str, Any]:
    """What the committee works from: the review items and the criteria (a subjective one with
    the range and step every expert's score must keep to)."""
    return {
        "kind": method.kind.value,
        "name": method.name,
        "review": [
            {"id": r.id, "name": r.name, "stage": r.stage.value, "text": r.text}
            for r in method.review
        ],
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind.value,
                "max_points": str(c.max_points),
                "group": c.group,
                "text": c.text,
                **(
                    {"minimum": str(c.minimum), "maximum": str(c.maximum), "step": str(c.step)}
                    if c.kind is CriterionKind.SUBJECTIVE
                    else {}
                ),
            }
            for c in method.criteria
        ],
        "total_points": str(method.total_points),
    }


def to_score(room: Room) -> list[str]:
    """The bids every member's score sheet must cover, as ``submit_scores`` checks it: those
    the review passes and no rejected explanation excluded; none until every review is in
    (the review decides which bids are scored) or when the method takes no scores."""
    if not room.scored or waiting_for(room)["review"]:
        return []
    rejected = room.rejected()
    out: list[str] = []
    for bids in room.sections.values():
        try:
            verdicts = review(room.method, bids, room.review_sheets({b.id for b in bids}))
        except InvalidInput:  # shown as the section's error by compute()
            continue
        out.extend(b.id for b in bids if verdicts[b.id].passed and b.id not in rejected)
    return out


def with_documents(
    view: dict[str, Any], documents: Mapping[str, Sequence[Mapping[str, Any]]]
) -> dict[str, Any]:
    """The room view with each opened bid's documents (name and size) listed, for the
    committee to open one by one (each read is audited); the room view is for sitting members
    and the centre only, so nobody else learns even the names."""
    return {
        **view,
        "bids": [
            {
                **bid,
                "documents": [
                    {"name": str(d["name"]), "size": int(d["size"])}
                    for d in documents.get(bid["bid_id"], ())
                ],
            }
            for bid in view["bids"]
        ],
    }


def room_view(room: Room, states: Sequence[SectionState], me: str | None) -> dict[str, Any]:
    """The room as the committee (``me``: the reader's member id) or the centre sees it."""
    names = {o.bid.id: o.bidder_name for o in room.bids}
    return {
        "tender_id": room.tender_id,
        "status": room.status.value,
        "method": method_json(room.method),
        "coefficient": _text(room.coefficient),
        "opening_sha256": room.opening_sha256,
        "members": [
            {
                "pseudonym": m.pseudonym,
                "me": m.id == me,
                "review_submitted": m.id in room.marks,
                "scores_submitted": m.id in room.scores,
            }
            for m in room.members
        ],
        "waiting_for": waiting_for(room),
        "to_score": to_score(room),
        "bids": [
            {
                "bid_id": o.bid.id,
                "section_id": o.section_id,
                "bidder_name": o.bidder_name,
                "bidder_uscc": o.bid.bidder_uscc,
                "price": str(o.bid.price),
            }
            for o in room.bids
        ],
        # Every submitted sheet is a finished one: shown under the member's pseudonym.
        "sheets": [
            {
                "member": m.pseudonym,
                "marks": [
                    {"bid_id": b, "item": i, "passed": mark.passed, "reason": mark.reason}
                    for (b, i), mark in sorted(room.marks.get(m.id, {}).items())
                ],
                "scores": [
                    {"bid_id": b, "criterion": c, "score": str(s)}
                    for (b, c), s in sorted(room.scores.get(m.id, {}).items())
                ],
            }
            for m in room.members
            if m.id in room.marks or m.id in room.scores
        ],
        "sections": [
            {
                "section_id": s.section_id,
                "errors": list(s.errors),
                **(_evaluation_json(room, s.evaluation, names) if s.evaluation is not None else {}),
            }
            for s in states
        ],
        "blocking": completable(room, states),
        "result": room.result,
        "result_sha256": room.result_sha256,
    }


def frozen_result(room: Room, states: Sequence[SectionState]) -> dict[str, Any]:
    """The result to freeze: per section, the ranking and the recommended candidates."""
    names = {o.bid.id: o.bidder_name for o in room.bids}
    sections = []
    for s in states:
        assert s.evaluation is not None  # completable() refused otherwise
        sections.append(
            {
                "section_id": s.section_id,
                "benchmark": _text(s.evaluation.benchmark),
                "ranking": [candidate_json(c, names) for c in s.evaluation.ranking],
                "candidates": [c.bid_id for c in s.evaluation.candidates],
            }
        )
    return {
        "tender_id": room.tender_id,
        "method": room.method.name,
        "coefficient": _text(room.coefficient),
        "opening_sha256": room.opening_sha256,
        "sections": sections,
    }


def result_view(room: Room) -> dict[str, Any]:
    """The published result: candidates with price and total only, no expert, no score sheet."""
    assert room.result is not None
    return {
        "tender_id": room.tender_id,
        "sha256": room.result_sha256,
        "method": room.result["method"],
        "sections": [
            {
                "section_id": s["section_id"],
                "candidates": [
                    {k: c[k] for k in ("rank", "bidder_name", "bidder_uscc", "price", "total")}
                    for c in s["ranking"]
                    if c["bid_id"] in s["candidates"]
                ],
            }
            for s in room.result["sections"]
        ],
    }
