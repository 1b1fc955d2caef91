"""What the opening hall shows, as one snapshot (the page and its WebSocket push it).

The server's clock is authoritative: every snapshot carries ``server_time`` (the tender's own
clock: accelerated for a sandbox tender, ``clock_rate`` times real time) and the deadline and
window in UTC, and clients count down from those. Before the deadline nobody — operator included —
learns who has bid: the hall shows only how many bidders have checked in. After the deadline the
committed envelopes are listed; after the opening the price reading (唱标), the outcomes and the
statements; after the record, its digest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from prex.bidding.commitment import commitment_of
from prex.bidding.orm import bids, opening_custodians, opening_key_shares, tender_opening_keys
from prex.identity.orm import organisations
from prex.identity.policy import Actor
from prex.opening.orm import (
    content_key_releases,
    opened_bids,
    opening_checkins,
    opening_statements,
    openings,
    share_releases,
)
from prex.opening.service import can_host, window_closes_at
from prex.shared.clock import AcceleratedClock, ensure_utc
from prex.tenders.model import TenderStatus
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

PHASES = ("before-deadline", "decrypting", "opened", "closed", "ended")


def _iso(value: Any) -> str | None:
    return None if value is None else ensure_utc(value).isoformat()


def snapshot(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    tender = get_tender_for(services.uow(actor), tender_id)
    with services.read_session() as session:
        opening = session.execute(
            select(openings.c.status, openings.c.record_sha256, openings.c.opened_at).where(
                openings.c.tender_id == tender.id
            )
        ).first()
        key = session.execute(
            select(tender_opening_keys.c.key_mode, tender_opening_keys.c.threshold).where(
                tender_opening_keys.c.tender_id == tender.id
            )
        ).first()
        checkins = session.execute(
            select(organisations.c.name, opening_checkins.c.org_id)
            .join(organisations, organisations.c.id == opening_checkins.c.org_id)
            .where(opening_checkins.c.tender_id == tender.id)
            .order_by(opening_checkins.c.checked_in_at)
        ).all()
        released = sorted(
            session.execute(
                select(share_releases.c.share_index).where(share_releases.c.tender_id == tender.id)
            ).scalars()
        )
        shares_total = session.execute(
            select(func.count()).where(opening_key_shares.c.tender_id == tender.id)
        ).scalar_one()
        own_keys = session.execute(
            select(func.count()).where(content_key_releases.c.tender_id == tender.id)
        ).scalar_one()
        committed = commitment_of(session, tender.id)
        my_share = session.execute(
            select(opening_key_shares.c.share_index)
            .join(opening_custodians, opening_custodians.c.id == opening_key_shares.c.custodian_id)
            .where(
                opening_key_shares.c.tender_id == tender.id,
                opening_custodians.c.user_id == actor.user_id,
            )
        ).scalar()
        my_bids = (
            [
                {"bid_id": r.id, "section_id": r.section_id, "envelope_sha256": r.envelope_sha256}
                for r in session.execute(
                    select(bids.c.id, bids.c.section_id, bids.c.envelope_sha256).where(
                        bids.c.tender_id == tender.id,
                        bids.c.bidder_org_id == actor.org_id,
                        bids.c.status == "live",
                    )
                )
            ]
            if actor.org_id
            else []
        )
        reading = _reading(session, tender.id) if opening and opening.status != "decrypting" else []
        statements = (
            _statements(session, tender.id) if opening and opening.status != "decrypting" else []
        )
    status = tender.status
    if status is TenderStatus.PUBLISHED:
        phase = "before-deadline"
    elif status is TenderStatus.OPENING:
        phase = "decrypting" if opening is None else str(opening.status)
    elif opening is not None and opening.status == "closed":
        phase = "closed"
    else:
        phase = "ended"
    after_deadline = phase != "before-deadline"
    clock = tender.clock(services.clock)
    return {
        "tender_id": tender.id,
        "title": tender.title,
        "tender_status": status.value,
        "phase": phase,
        "server_time": clock.now().isoformat(),
        "clock_rate": clock.factor if isinstance(clock, AcceleratedClock) else 1,
        "bid_deadline": _iso(tender.bid_deadline),
        "window_closes_at": window_closes_at(services, tender).isoformat(),
        "key_mode": key.key_mode if key else None,
        "threshold": key.threshold if key else None,
        "shares_total": shares_total,
        "shares_released": released if after_deadline else [],
        "own_keys_released": own_keys if after_deadline else 0,
        "envelopes": len(committed["entries"]) if committed else 0,
        "commitment_sha256": committed["sha256"] if committed else None,
        "checked_in": len(checkins),
        "checked_in_names": [c.name for c in checkins] if after_deadline else [],
        "reading": reading,
        "statements": statements,
        "record_sha256": opening.record_sha256 if opening else None,
        "you": {
            "can_host": can_host(actor, tender),
            "share_index": my_share,
            "checked_in": any(c.org_id == actor.org_id for c in checkins),
            "bids": my_bids,
        },
    }


def _reading(session: Any, tender_id: str) -> list[dict[str, Any]]:
    """The price reading: what each opened bid says, and what happened to the others."""
    rows = session.execute(
        select(opened_bids, organisations.c.name)
        .join(organisations, organisations.c.id == opened_bids.c.bidder_org_id)
        .where(opened_bids.c.tender_id == tender_id)
        .order_by(opened_bids.c.section_id, organisations.c.name)
    ).all()
    out = []
    for r in rows:
        form = r.form or {}
        out.append(
            {
                "bid_id": r.bid_id,
                "section_id": r.section_id,
                "bidder_name": r.name,
                "outcome": r.outcome,
                "reason": r.reason,
                "decrypted_by": r.decrypted_by,
                "price": form.get("price"),
                "duration_days": form.get("duration_days"),
                "project_manager": form.get("project_manager"),
                "bond_kind": (form.get("bond") or {}).get("kind"),
                "envelope_sha256": r.envelope_sha256,
            }
        )
    return out


def _statements(session: Any, tender_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(opening_statements, organisations.c.name)
        .join(organisations, organisations.c.id == opening_statements.c.org_id)
        .where(opening_statements.c.tender_id == tender_id)
        .order_by(opening_statements.c.made_at, opening_statements.c.id)
    ).all()
    return [
        {
            "id": r.id,
            "bidder_name": r.name,
            "kind": r.kind,
            "text": r.text,
            "made_at": _iso(r.made_at),
            "answer": r.answer,
            "answered_at": _iso(r.answered_at),
        }
        for r in rows
    ]
