"""The commitment at the bid deadline (SEALING.md): the sorted list of (section, bidder,
envelope SHA-256) of every live envelope is hashed, stored, written to the audit chain (as an
event) and published. From then on no envelope can appear, vanish or change without the
published hash breaking. Too few bidders fail the tender, quoting the rule pack."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from prex.bidding import events as ev
from prex.bidding.orm import bid_commitments, bids
from prex.envelope.container import canonical
from prex.identity.orm import organisations
from prex.tenders.rules import SealingRules


def commit_bids(
    session: Any,
    *,
    tender_id: str,
    section_ids: Sequence[str],
    rules: SealingRules,
    at: datetime,
) -> tuple[ev.BidsCommitted, str | None]:
    """Fix the live envelopes; returns the event and, when no section has enough bidders, the
    note that fails the tender."""
    rows = session.execute(
        select(bids.c.section_id, bids.c.envelope_sha256, organisations.c.uscc)
        .join(organisations, organisations.c.id == bids.c.bidder_org_id)
        .where(bids.c.tender_id == tender_id, bids.c.status == "live")
    ).all()
    entries = sorted(
        (
            {
                "section_id": r.section_id,
                "bidder_uscc": r.uscc,
                "envelope_sha256": r.envelope_sha256,
            }
            for r in rows
        ),
        key=lambda e: (e["section_id"], e["bidder_uscc"], e["envelope_sha256"]),
    )
    digest = hashlib.sha256(canonical(entries)).hexdigest()
    counted = Counter(e["section_id"] for e in entries)
    by_section = {section_id: counted.get(section_id, 0) for section_id in section_ids}
    session.execute(
        insert(bid_commitments).values(
            tender_id=tender_id,
            entries=entries,
            sha256=digest,
            bidders_by_section=by_section,
            committed_at=at,
        )
    )
    note = None
    if all(count < rules.min_bidders for count in by_section.values()):
        most = max(by_section.values(), default=0)
        note = (
            f"{rules.min_bidders_text}（{rules.min_bidders_source}）："
            f"投标截止时各标段递交投标文件的投标人最多 {most} 个，依法流标"
        )
    event = ev.BidsCommitted(
        "tender", tender_id, at, sha256=digest, entries=entries, bidders_by_section=by_section
    )
    return event, note


def commitment_of(session: Any, tender_id: str) -> dict[str, Any] | None:
    row = session.execute(
        select(bid_commitments).where(bid_commitments.c.tender_id == tender_id)
    ).first()
    return None if row is None else dict(row._mapping)
