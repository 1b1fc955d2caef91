"""The evaluation report (评标报告): drawn up from the frozen result once the evaluation is
complete, signed by every sitting member of the committee, then published with the candidates
(or, when every bid was rejected, ending the tender as failed).

The report is canonical JSON of format ``prex-evaluation-report`` version 1 (what the experts
sign, byte for byte) and a PDF rendering whose SHA-256 the JSON holds, so one signature covers
both. It names the committee: it is read by the committee and the centre, and by the public only
once it is published, when the committee is revealed too (``experts.committee.REVEALABLE``).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from prex.audit.chain import canonical_json
from prex.award.pdf import render
from prex.evaluation import room as rooms
from prex.evaluation.room import EvaluationStatus
from prex.experts.committee_orm import committee_members
from prex.experts.orm import experts as experts_table
from prex.identity.orm import centres
from prex.shared.errors import Conflict

if TYPE_CHECKING:
    from prex.tenders.model import Tender

REPORT_FORMAT = "prex-evaluation-report"


def _committee(session: Any, room: rooms.Room) -> list[dict[str, Any]]:
    ids = [m.id for m in room.members]
    rows = {
        r.id: r
        for r in session.execute(
            select(
                committee_members.c.id,
                committee_members.c.specialty,
                experts_table.c.name,
                centres.c.name.label("venue"),
            )
            .join(experts_table, experts_table.c.id == committee_members.c.expert_id)
            .join(centres, centres.c.id == committee_members.c.venue)
            .where(committee_members.c.id.in_(ids))
        )
    }
    return [
        {
            "member_id": m.id,
            "pseudonym": m.pseudonym,
            "name": rows[m.id].name,
            "specialty": rows[m.id].specialty,
            "venue": rows[m.id].venue,
        }
        for m in room.members
    ]


def _section(
    tender: Tender, state: rooms.SectionState, frozen: dict[str, Any], room: rooms.Room
) -> dict[str, Any]:
    outcome = state.evaluation
    assert outcome is not None  # the evaluation is complete: every section computed
    names = {o.bid.id: o.bidder_name for o in room.bids}
    rejected = [
        {"bid_id": bid_id, "bidder_name": names[bid_id], "reason": reason}
        for bid_id, reason in sorted(outcome.rejected.items())
    ]
    for bid_id, review in sorted(outcome.reviews.items()):
        if not review.passed:
            reasons = "；".join(why for v in review.failed for _, why in v.reasons)
            rejected.append({"bid_id": bid_id, "bidder_name": names[bid_id], "reason": reasons})
    section = next(s for s in tender.sections if s.id == state.section_id)
    return {
        "section_id": state.section_id,
        "section_name": section.name,
        "benchmark": frozen["benchmark"],
        "ranking": frozen["ranking"],
        "candidates": frozen["candidates"],
        "rejected": rejected,
        "justifications": [
            {
                "member": room.pseudonym(d.expert_id),
                "bid_id": d.bid_id,
                "bidder_name": names[d.bid_id],
                "criterion": d.criterion_id,
                "score": str(d.score),
                "reason": d.justification or "",
            }
            for d in outcome.deviations
            if d.justified
        ],
    }


def build(session: Any, tender: Tender) -> tuple[dict[str, Any], bytes]:
    """The report and its PDF, from the complete evaluation of ``tender``."""
    room = rooms.load(session, tender.id)
    if room.status is not EvaluationStatus.COMPLETE or room.result is None:
        raise Conflict(
            f"the evaluation of tender {tender.id} is {room.status.value}: the report is drawn "
            "up from a complete evaluation",
            tender_id=tender.id,
        )
    frozen = {s["section_id"]: s for s in room.result["sections"]}
    states = rooms.compute(room)
    report: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "version": 1,
        "tender": {
            "id": tender.id,
            "deal_code": tender.deal_code,
            "title": tender.title,
            "rule_pack_id": tender.rule_pack_id,
        },
        "method": room.result["method"],
        "coefficient": room.result["coefficient"],
        "opening_sha256": room.opening_sha256,
        "result_sha256": room.result_sha256,
        "committee": _committee(session, room),
        "sections": [_section(tender, s, frozen[s.section_id], room) for s in states],
    }
    pdf = render(report)
    report["pdf_sha256"] = hashlib.sha256(pdf).hexdigest()
    return report, pdf


def report_bytes(report: dict[str, Any]) -> bytes:
    """What every expert signs: the report in canonical JSON."""
    return canonical_json(report)


def has_candidates(report: dict[str, Any]) -> bool:
    return any(section["candidates"] for section in report["sections"])
