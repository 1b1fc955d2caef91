"""The committee of a tender: defined with a committed seed before the deadline, drawn after it
from the venues' pools with avoidance (experts/draw.py), completed from the standby list when a
drawn expert refuses or does not come, and revealed — seed and all — with the result.

The seed is escrowed to the platform's escrow certificate (decision 0009) between definition
and reveal: nobody reading the database learns it early. Every step is an audit entry.

A committee dissolved by an interruption is drawn again in a new round from a seed derived from
this one (:mod:`prex.experts.committee_redraw`); members and answers are per round, and the
reveal publishes every round's record.

A venue whose centre keeps its evaluation rooms on the platform must have seats booked for its
members before the draw (:mod:`prex.experts.venues`); the bookings stay out of the draw record.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from prex.bidding.commitment import commitment_of
from prex.credit.queries import blacklisted_experts
from prex.db.uow import SqlUnitOfWork
from prex.envelope.ecies import unwrap_with_key, wrap_for_certificate
from prex.experts import committee_events as ev
from prex.experts import draw as drawing
from prex.experts import venues
from prex.experts.committee_orm import committee_draws, committee_members, committee_rounds
from prex.experts.orm import experts as experts_table
from prex.experts.pseudonyms import pseudonym
from prex.experts.queries import pool_for_draw
from prex.experts.registry import record_service
from prex.identity.orm import centres, organisations
from prex.identity.policy import Action, Actor, Resource, authorize, is_allowed
from prex.shared import faults
from prex.shared.errors import Conflict, InvalidInput, NotFound
from prex.shared.ids import new_id
from prex.tenders.model import Tender, TenderStatus
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

SEED_INFO = b"prex-draw-seed\0"
#: When the seed may be revealed: with the result (candidates published) or later.
REVEALABLE = (TenderStatus.PUBLICITY, TenderStatus.AWARDED, TenderStatus.COMPLETE)
RESPONSES = ("confirmed", "refused", "absent")


def sitting(status: str, role: str, replaces: str | None) -> bool:
    """A member who confirmed, or a standby seated in a refusing member's place."""
    return status in ("confirmed", "seated") and (role == "member" or replaces is not None)


def sits_on_committee(session: Any, tender_id: str, user_id: str | None) -> bool:
    """Whether the user is the account of a sitting member of the tender's committee."""
    if user_id is None:
        return False
    seats = session.execute(
        select(committee_members.c.status, committee_members.c.role, committee_members.c.replaces)
        .join(experts_table, experts_table.c.id == committee_members.c.expert_id)
        .where(committee_members.c.tender_id == tender_id, experts_table.c.user_id == user_id)
    ).all()
    return any(sitting(s.status, s.role, s.replaces) for s in seats)


def round_seed(root: bytes, round_no: int) -> bytes:
    """The seed of ``round_no``: the committed seed itself for the first draw."""
    return root if round_no == 1 else drawing.redraw_seed(root, round_no)


def revealed_record(record: dict[str, Any], root: bytes, round_no: int) -> dict[str, Any]:
    """A round's record as published with the result: its seed, and from round 2 the root."""
    seed = round_seed(root, round_no)
    extra = {"seed": seed.hex()} if round_no == 1 else {"seed": seed.hex(), "root_seed": root.hex()}
    return dict(record, **extra)


def member_rows(
    tender_id: str,
    draws: list[drawing.Drawn],
    secret: str,
    now: datetime,
    *,
    round_no: int = 1,
    after: int = 0,
) -> list[dict[str, Any]]:
    """The ``committee_members`` rows of a round's draws (``draw_order`` counts on from
    ``after``, so that the order is total across rounds)."""
    return [
        {
            "id": new_id(),
            "tender_id": tender_id,
            "expert_id": d.expert_id,
            "venue": d.venue,
            "specialty": d.specialty,
            "role": d.role,
            "draw_order": after + n,
            "status": "drawn",
            "round": round_no,
            "pseudonym": pseudonym(secret, tender_id, d.expert_id),
            "updated_at": now,
        }
        for n, d in enumerate(draws, start=1)
    ]


def _resource(tender: Tender) -> Resource:
    return Resource("committee", tender.id, tender.centre_id, tender.party_org_ids)


def define_committee(
    uow: SqlUnitOfWork, services: Services, tender_id: str, spec: drawing.CommitteeSpec
) -> dict[str, Any]:
    """Fix the committee's make-up and commit to a fresh seed (its SHA-256 is published now),
    before the bid deadline; may be redefined until then (a new seed each time)."""
    actor = uow.actor
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, Action.COMMITTEE_MANAGE, _resource(tender))
    spec.check()
    if tender.status is not TenderStatus.PUBLISHED:
        raise Conflict(
            "the committee is defined before the bid deadline, so that its seed is committed "
            "before the deadline commitment it is combined with exists"
        )
    if spec.venues[0].centre_id != tender.centre_id:
        raise InvalidInput("the main venue (主场) is the tender's own centre", field="venues")
    with services.read_session() as session:
        known = set(
            session.execute(
                select(centres.c.id).where(centres.c.id.in_([v.centre_id for v in spec.venues]))
            ).scalars()
        )
    if missing := [v.centre_id for v in spec.venues if v.centre_id not in known]:
        raise InvalidInput(f"no centre {', '.join(missing)}", field="venues")
    seed = secrets.token_bytes(drawing.SEED_BYTES)
    sealed = wrap_for_certificate(
        services.pki.platform_keys().escrow_certificate, seed, SEED_INFO + tender.id.encode()
    )
    digest = drawing.commitment(seed)
    del seed
    with uow:
        now = uow.clock.now()
        row = uow.session.execute(
            select(committee_draws.c.status)
            .where(committee_draws.c.tender_id == tender.id)
            .with_for_update()
        ).first()
        values = {
            "status": "committed",
            "spec": spec.to_json(),
            "seed_sha256": digest,
            "sealed_seed": sealed,
            "defined_at": now,
            "defined_by": actor.user_id,
        }
        if row is None:
            uow.session.execute(insert(committee_draws).values(tender_id=tender.id, **values))
        else:
            uow.session.execute(
                update(committee_draws)
                .where(committee_draws.c.tender_id == tender.id)
                .values(**values)
            )
        uow.record(
            ev.CommitteeDefined("tender", tender.id, now, spec=spec.to_json(), seed_sha256=digest)
        )
        uow.commit()
    return {"tender_id": tender.id, "seed_sha256": digest, "size": spec.size}


def draw_committee(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Draw the committee after the deadline: avoidance from the committed bidders, the
    tenderer and the supervising departments; the seed combined with the deadline commitment."""
    actor = uow.actor
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, Action.COMMITTEE_MANAGE, _resource(tender))
    if tender.status not in (TenderStatus.OPENING, TenderStatus.EVALUATION):
        raise Conflict(
            f"the tender is {tender.status.value}: its committee is drawn after the deadline"
        )
    rules = services.rule_packs.get(tender.rule_pack_id).experts
    today = uow.clock.now().date()
    with services.read_session() as session:
        row = session.execute(
            select(committee_draws).where(committee_draws.c.tender_id == tender.id)
        ).first()
        if row is None:
            raise NotFound(f"tender {tender_id} has no committee defined")
        if row.status == "dissolved":  # a redraw found too few experts: try it again
            from prex.experts.committee_redraw import redraw_again  # (it builds on this module)

            with uow:
                outcome = redraw_again(uow, services, tender.id, rules)
                uow.commit()
            return {"tender_id": tender.id, **outcome}
        if row.status != "committed":
            raise Conflict("the committee is drawn already")
        committed = commitment_of(session, tender.id)
        if committed is None:
            raise Conflict("the deadline commitment is not made yet")
        tenderer = session.execute(
            select(organisations.c.uscc).where(organisations.c.id == tender.tenderer_org_id)
        ).scalar_one()
        supervisors = frozenset(
            r.uscc
            for r in session.execute(
                select(organisations.c.uscc, organisations.c.kinds).where(
                    organisations.c.centre_id == tender.centre_id
                )
            )
            if "supervisor" in (r.kinds or [])
        )
        spec = drawing.CommitteeSpec.from_json(row.spec)
        pool = pool_for_draw(
            session,
            centre_ids=[v.centre_id for v in spec.venues],
            on_date=today,
            tenderer_uscc=tenderer,
            since=today - timedelta(days=rules.period_days),
        )
    avoid = drawing.Avoidance(
        bidder_usccs=frozenset(e["bidder_uscc"] for e in committed["entries"]),
        tenderer_uscc=tenderer,
        supervisor_usccs=supervisors,
        max_serves=rules.max_serves,
    )
    seed = unwrap_with_key(
        services.pki.platform_keys().escrow_key,
        bytes(row.sealed_seed),
        SEED_INFO + tender.id.encode(),
    )
    result = drawing.draw(pool, spec, avoid, seed, public_input=committed["sha256"])
    del seed
    record = result.record()
    record_sha256 = hashlib.sha256(drawing.canonical(record)).hexdigest()
    secret = services.settings.secret_key
    faults.point("experts.draw_computed")  # drawn in memory only: a retry draws the same
    with uow:
        now = uow.clock.now()
        state = uow.session.execute(
            select(committee_draws.c.status)
            .where(committee_draws.c.tender_id == tender.id)
            .with_for_update()
        ).scalar_one()
        if state != "committed":
            raise Conflict("the committee is drawn already")
        # Seats at every venue that keeps its rooms here; checked under the definition's
        # lock, in the transaction that writes the draw (nothing of it enters the record).
        venues.require_seats(uow.session, tender.id, spec, now)
        uow.session.execute(
            insert(committee_members), member_rows(tender.id, result.draws, secret, now)
        )
        uow.session.execute(
            update(committee_draws)
            .where(committee_draws.c.tender_id == tender.id)
            .values(status="drawn", record=record, record_sha256=record_sha256, drawn_at=now)
        )
        reasons: dict[str, int] = {}
        for _, why in result.excluded:
            reasons[why] = reasons.get(why, 0) + 1
        uow.record(
            ev.CommitteeDrawn(
                "tender",
                tender.id,
                now,
                record_sha256=record_sha256,
                public_input=committed["sha256"],
                members=sum(1 for d in result.draws if d.role == "member"),
                standby=sum(1 for d in result.draws if d.role == "standby"),
                excluded=reasons,
            )
        )
        uow.commit()
    # The credit records that kept blacklisted experts out, quoted for the centre that drew
    # (the draw record itself names the reason only, so that it replays as it always did).
    barred = [expert for expert, why in result.excluded if why == "blacklisted"]
    with services.read_session() as session:
        credit = blacklisted_experts(session, barred, today) if barred else {}
    return {
        "tender_id": tender.id,
        "record_sha256": record_sha256,
        "excluded": reasons,
        "credit_records": credit,
    }


def respond(
    uow: SqlUnitOfWork, services: Services, member_id: str, response: str, note: str = ""
) -> dict[str, Any]:
    """Record a drawn expert's answer: confirmed, refused or absent (no-show). A refusal or an
    absence of a member seats the next standby of the same venue and specialty."""
    actor = uow.actor
    if response not in RESPONSES:
        raise InvalidInput(f"a response is one of {', '.join(RESPONSES)}", field="response")
    with services.read_session() as session:
        member = session.execute(
            select(committee_members).where(committee_members.c.id == member_id)
        ).first()
    if member is None:
        raise NotFound(f"no committee member '{member_id}'")
    tender = get_tender_for(services.uow(actor), member.tender_id)
    authorize(actor, Action.COMMITTEE_MANAGE, _resource(tender))
    with uow:
        now = uow.clock.now()
        current_round = uow.session.execute(
            select(committee_draws.c.round).where(committee_draws.c.tender_id == tender.id)
        ).scalar_one()
        if member.round != current_round:
            raise Conflict(
                f"this expert was drawn for round {member.round} of the committee, which was "
                f"dissolved; the committee is in round {current_round}",
                member_id=member_id,
            )
        rows = uow.session.execute(
            select(committee_members)
            .where(
                committee_members.c.tender_id == tender.id,
                committee_members.c.round == current_round,
            )
            .order_by(committee_members.c.draw_order)
            .with_for_update()
        ).all()
        current = next(r for r in rows if r.id == member_id)
        if current.status not in ("drawn", "seated"):
            raise Conflict(f"this expert has answered already ({current.status})")
        uow.session.execute(
            update(committee_members)
            .where(committee_members.c.id == member_id)
            .values(status=response, note=note.strip() or None, updated_at=now)
        )
        replacement = None
        sits = current.role == "member" or current.status == "seated"
        if response != "confirmed" and sits:
            used = {r.expert_id for r in rows if r.status != "drawn" or r.role == "member"}
            used.add(current.expert_id)
            drawn = [
                drawing.Drawn(r.venue, r.specialty, r.role, r.draw_order, r.expert_id) for r in rows
            ]
            nxt = drawing.next_standby(drawn, current.venue, current.specialty, used)
            replacement = next(r for r in rows if r.expert_id == nxt.expert_id)
            uow.session.execute(
                update(committee_members)
                .where(committee_members.c.id == replacement.id)
                .values(status="seated", replaces=member_id, updated_at=now)
            )
        uow.record(
            ev.CommitteeMemberResponded(
                "tender",
                tender.id,
                now,
                member_id=member_id,
                response=response,
                replaced_by=None if replacement is None else replacement.id,
            )
        )
        if response == "confirmed":
            record_service(
                uow,
                expert_id=current.expert_id,
                tender_id=tender.id,
                tenderer_org_id=tender.tenderer_org_id,
                on=now.date(),
                at=now,
            )
        uow.commit()
    return {
        "member_id": member_id,
        "status": response,
        "replaced_by": None if replacement is None else replacement.id,
    }


def reveal(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Publish the seed with the result, so that anyone can replay the draw."""
    actor = uow.actor
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, Action.COMMITTEE_MANAGE, _resource(tender))
    if tender.status not in REVEALABLE:
        raise Conflict("the seed is revealed with the result (candidates published), not before")
    with uow:
        row = uow.session.execute(
            select(committee_draws)
            .where(committee_draws.c.tender_id == tender.id)
            .with_for_update()
        ).first()
        if row is None or row.status in ("committed", "dissolved"):
            raise Conflict("the committee has not been drawn")
        if row.status == "revealed":
            return dict(row.record)
        seed = unwrap_with_key(
            services.pki.platform_keys().escrow_key,
            bytes(row.sealed_seed),
            SEED_INFO + tender.id.encode(),
        )
        # Every round's record with its seed (a redraw's derived from this one), each checked
        # by the platform before it is published.
        record = revealed_record(row.record, seed, row.round)
        drawing.replay(record)
        for earlier in uow.session.execute(
            select(committee_rounds.c.round, committee_rounds.c.record).where(
                committee_rounds.c.tender_id == tender.id
            )
        ).all():
            published = revealed_record(earlier.record, seed, earlier.round)
            drawing.replay(published)
            uow.session.execute(
                update(committee_rounds)
                .where(
                    committee_rounds.c.tender_id == tender.id,
                    committee_rounds.c.round == earlier.round,
                )
                .values(record=published)
            )
        now = uow.clock.now()
        uow.session.execute(
            update(committee_draws)
            .where(committee_draws.c.tender_id == tender.id)
            .values(status="revealed", record=record, revealed_at=now)
        )
        uow.record(ev.DrawSeedRevealed("tender", tender.id, now, seed=seed.hex()))
        uow.commit()
    return record


def committee_of(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The committee as ``actor`` may see it: operators and supervisors of the centre see who;
    everyone else sees pseudonyms and the commitment, and the record once revealed."""
    tender = get_tender_for(services.uow(actor), tender_id)
    identities = is_allowed(actor, Action.EXPERT_READ_IDENTITY, _resource(tender))
    with services.read_session() as session:
        row = session.execute(
            select(committee_draws).where(committee_draws.c.tender_id == tender.id)
        ).first()
        if row is None:
            raise NotFound(f"tender {tender_id} has no committee defined")
        members = session.execute(
            select(committee_members, experts_table.c.name)
            .join(experts_table, experts_table.c.id == committee_members.c.expert_id)
            .where(committee_members.c.tender_id == tender.id)
            .order_by(committee_members.c.draw_order)
        ).all()
        rounds = session.execute(
            select(committee_rounds)
            .where(committee_rounds.c.tender_id == tender.id)
            .order_by(committee_rounds.c.round)
        ).all()
        seats = venues.seats_by_venue(
            session, tender.id, drawing.CommitteeSpec.from_json(row.spec), services.clock.now()
        )
    published = row.status == "revealed" or tender.status in REVEALABLE
    return {
        "tender_id": tender.id,
        "status": row.status,
        "round": row.round,
        "seed_sha256": row.seed_sha256,
        "spec": row.spec,
        "record_sha256": row.record_sha256,
        "record": row.record if row.status == "revealed" else None,
        # Per venue: members seated there, the seats booked (room, seats, window); no names.
        "venues": seats,
        # Dissolved rounds, oldest first: each record's digest at once, the record with the seed.
        "rounds": [
            {
                "round": r.round,
                "seed_sha256": r.seed_sha256,
                "public_input": r.public_input,
                "record_sha256": r.record_sha256,
                "drawn_at": r.drawn_at.isoformat(),
                "dissolved_at": r.dissolved_at.isoformat(),
                "paused_at": None if r.paused_at is None else r.paused_at.isoformat(),
                "reason": r.reason,
                "record": r.record if row.status == "revealed" else None,
            }
            for r in rounds
        ],
        "members": [
            {
                "id": m.id,
                "round": m.round,
                "pseudonym": m.pseudonym,
                "venue": m.venue,
                "specialty": m.specialty,
                "role": m.role,
                "status": m.status,
                "replaces": m.replaces,
                **({"expert_id": m.expert_id, "name": m.name} if identities or published else {}),
            }
            for m in members
        ],
    }
