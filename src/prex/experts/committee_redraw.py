"""A committee dissolved by an interruption and drawn again (评标中断 → 重新抽取, issue 5).

When a tender's evaluation room stays paused longer than the rule pack's
``[experts] interruption_minutes``, :mod:`prex.evaluation.interruption` calls
:func:`dissolve_and_redraw` in the transaction that marks the room ``dissolved``:

1. the current round's record is kept in ``committee_rounds``; its sitting members get status
   ``dissolved`` (their sheets stay in the evaluation tables under their member ids, which
   belong to that round only, so they count for nobody else);
2. round n + 1 is drawn from the same definition (spec, venues, and the first draw's
   avoidance context: bidders, tenderer, supervisors, the service limit) over the pools as
   they are today, excluding every expert drawn in an earlier round (``drawn-before``) and
   every expert an earlier round excluded (``excluded-before`` when no present reason
   applies);
3. the seed is ``HMAC-SHA256(committed seed, "prex-redraw\\0" ‖ u64 round)`` and the public
   input ``the dissolved record's SHA-256 | the instant the interruption limit expired``
   (:func:`prex.experts.draw.redraw_seed`, :func:`~prex.experts.draw.redraw_input`): both are
   fixed before the redraw — the seed by the commitment published before the bid deadline, the
   input by the pause — so the platform cannot try redraws until one suits it, and nothing
   depends on when the worker happens to pass.

The record of round n ≥ 2 has ``round`` and a ``redraw`` block; when the seeds are revealed
with the result, each round's record gets its own seed and, from round 2, the committed seed
as ``root_seed``, and ``prex experts replay-draw`` checks the derivation and the draws.

A redraw needs seats like the first draw (:func:`prex.experts.venues.seat_shortages`): short of
them, the worker's redraw fails as one short of experts does, and the retry is refused until
the venues have booked them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update

from prex.db.uow import SqlUnitOfWork
from prex.envelope.ecies import unwrap_with_key
from prex.experts import committee_events as ev
from prex.experts import draw as drawing
from prex.experts import venues
from prex.experts.committee import SEED_INFO, member_rows, sitting
from prex.experts.committee_orm import committee_draws, committee_members, committee_rounds
from prex.experts.queries import pool_for_draw
from prex.shared.errors import Conflict

if TYPE_CHECKING:
    from prex.bootstrap import Services
    from prex.tenders.rules import ExpertRules


def dissolve_and_redraw(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    rules: ExpertRules,
    *,
    reason: str,
    paused_at: datetime,
) -> dict[str, Any]:
    """Dissolve the current committee of ``tender_id`` and draw the next round, in the
    caller's transaction (which holds the evaluation row's lock and commits). Returns the
    dissolved and the new round, the new record's digest, or the redraw's failure."""
    now = uow.clock.now()
    expired_at = paused_at + timedelta(minutes=rules.interruption_minutes)
    row = uow.session.execute(
        select(committee_draws).where(committee_draws.c.tender_id == tender_id).with_for_update()
    ).first()
    if row is None or row.status != "drawn" or row.record is None:
        raise Conflict(
            f"the committee of tender {tender_id} is not drawn: nothing to dissolve",
            tender_id=tender_id,
        )
    old = int(row.round)
    members = uow.session.execute(
        select(committee_members)
        .where(committee_members.c.tender_id == tender_id)
        .order_by(committee_members.c.draw_order)
        .with_for_update()
    ).all()
    seated = [m.id for m in members if m.round == old and sitting(m.status, m.role, m.replaces)]
    if seated:
        uow.session.execute(
            update(committee_members)
            .where(committee_members.c.id.in_(seated))
            .values(status="dissolved", updated_at=now)
        )
    uow.session.execute(
        insert(committee_rounds).values(
            tender_id=tender_id,
            round=old,
            seed_sha256=row.record["seed_sha256"],
            public_input=row.record["public_input"],
            record=row.record,
            record_sha256=row.record_sha256,
            drawn_at=row.drawn_at,
            dissolved_at=now,
            reason=reason,
            paused_at=paused_at,
        )
    )
    uow.record(
        ev.CommitteeDissolved(
            "tender",
            tender_id,
            now,
            round=old,
            reason=reason,
            paused_at=paused_at.isoformat(),
            paused_minutes=int((now - paused_at).total_seconds() // 60),
            limit_minutes=rules.interruption_minutes,
            members=seated,
        )
    )

    return _redraw(
        uow,
        services,
        row,
        rules,
        previous=row.record,
        previous_sha256=str(row.record_sha256),
        expired_at=expired_at,
    )


def redraw_again(
    uow: SqlUnitOfWork, services: Services, tender_id: str, rules: ExpertRules
) -> dict[str, Any]:
    """Retry a redraw that found too few eligible experts (the committee is ``dissolved``),
    once the centre has extended the pools: the same round, seed and public input."""
    row = uow.session.execute(
        select(committee_draws).where(committee_draws.c.tender_id == tender_id).with_for_update()
    ).first()
    if row is None or row.status != "dissolved":
        raise Conflict("the committee is not waiting for a redraw", tender_id=tender_id)
    spec = drawing.CommitteeSpec.from_json(row.spec)
    venues.require_seats(uow.session, tender_id, spec, uow.clock.now())
    last = uow.session.execute(
        select(committee_rounds).where(
            committee_rounds.c.tender_id == tender_id, committee_rounds.c.round == row.round - 1
        )
    ).one()
    assert last.paused_at is not None
    return _redraw(
        uow,
        services,
        row,
        rules,
        previous=last.record,
        previous_sha256=last.record_sha256,
        expired_at=last.paused_at + timedelta(minutes=rules.interruption_minutes),
    )


def _redraw(
    uow: SqlUnitOfWork,
    services: Services,
    row: Any,
    rules: ExpertRules,
    *,
    previous: dict[str, Any],
    previous_sha256: str,
    expired_at: datetime,
) -> dict[str, Any]:
    """Draw the round after ``previous`` (the definition's ``row`` locked by the caller): the
    same definition and avoidance context, minus the earlier rounds' experts."""
    tender_id, now = str(row.tender_id), uow.clock.now()
    old = int(previous.get("round", 1))
    new = old + 1
    members = uow.session.execute(
        select(committee_members.c.expert_id).where(committee_members.c.tender_id == tender_id)
    ).scalars()
    spec = drawing.CommitteeSpec.from_json(row.spec)
    drawn_before = frozenset(members)
    excluded_before = frozenset(e["expert_id"] for e in previous["excluded"]) - drawn_before
    first = drawing.Avoidance.from_json(previous["avoidance"])
    avoid = drawing.Avoidance(
        bidder_usccs=first.bidder_usccs,
        tenderer_uscc=first.tenderer_uscc,
        supervisor_usccs=first.supervisor_usccs,
        max_serves=first.max_serves,
        drawn_before=drawn_before,
        excluded_before=excluded_before,
    )
    today = now.date()
    pool = pool_for_draw(
        uow.session,
        centre_ids=[v.centre_id for v in spec.venues],
        on_date=today,
        tenderer_uscc=avoid.tenderer_uscc,
        since=today - timedelta(days=rules.period_days),
    )
    root = unwrap_with_key(
        services.pki.platform_keys().escrow_key,
        bytes(row.sealed_seed),
        SEED_INFO + tender_id.encode(),
    )
    seed = drawing.redraw_seed(root, new)
    del root
    public_input = drawing.redraw_input(previous_sha256, expired_at.isoformat())
    try:
        # The worker's dissolution cannot be refused: too few seats fails the redraw as too
        # few experts do, and `POST …/committee/draw` retries it once the seats are booked.
        if short := venues.seat_shortages(uow.session, tender_id, spec, now):
            raise drawing.DrawImpossible(
                "the committee cannot be drawn before its seats are booked: "
                + "; ".join(str(s) for s in short)
            )
        result = drawing.draw(pool, spec, avoid, seed, public_input=public_input)
    except drawing.DrawImpossible as exc:
        uow.session.execute(
            update(committee_draws)
            .where(committee_draws.c.tender_id == tender_id)
            .values(status="dissolved", round=new, record=None, record_sha256=None, drawn_at=None)
        )
        uow.record(ev.CommitteeRedrawFailed("tender", tender_id, now, round=new, reason=str(exc)))
        return {"dissolved_round": old, "round": new, "redrawn": False, "reason": str(exc)}
    del seed
    record = result.record()
    record["round"] = new
    record["redraw"] = {
        "dissolved_round": old,
        "previous_record_sha256": previous_sha256,
        "interruption_expired_at": expired_at.isoformat(),
        "root_seed_sha256": row.seed_sha256,
    }
    record_sha256 = hashlib.sha256(drawing.canonical(record)).hexdigest()
    after = uow.session.execute(
        select(func.max(committee_members.c.draw_order)).where(
            committee_members.c.tender_id == tender_id
        )
    ).scalar_one()
    uow.session.execute(
        insert(committee_members),
        member_rows(
            tender_id,
            result.draws,
            services.settings.secret_key,
            now,
            round_no=new,
            after=int(after or 0),
        ),
    )
    uow.session.execute(
        update(committee_draws)
        .where(committee_draws.c.tender_id == tender_id)
        .values(status="drawn", round=new, record=record, record_sha256=record_sha256, drawn_at=now)
    )
    reasons: dict[str, int] = {}
    for _, why in result.excluded:
        reasons[why] = reasons.get(why, 0) + 1
    uow.record(
        ev.CommitteeRedrawn(
            "tender",
            tender_id,
            now,
            round=new,
            seed_sha256=result.seed_sha256,
            record_sha256=record_sha256,
            public_input=public_input,
            members=sum(1 for d in result.draws if d.role == "member"),
            standby=sum(1 for d in result.draws if d.role == "standby"),
            excluded=reasons,
        )
    )
    return {
        "dissolved_round": old,
        "round": new,
        "redrawn": True,
        "record_sha256": record_sha256,
        "excluded": reasons,
    }
