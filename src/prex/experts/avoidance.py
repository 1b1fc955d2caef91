"""What keeps an expert out of a draw, besides its employer: the blacklist (lifted, never
deleted), unavailable dates, declared interests (withdrawn, never deleted) and the evaluations it
served. Each change checks the policy on the expert's home centre and records an event."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.db.uow import SqlUnitOfWork
from prex.experts import events as ev
from prex.experts.access import load, load_to_manage, local_today
from prex.experts.fields import validate_reason
from prex.experts.model import check_period
from prex.experts.orm import (
    expert_blacklist,
    expert_interests,
    expert_services,
    expert_unavailability,
)
from prex.identity.orm import organisations
from prex.identity.uscc import validate_uscc
from prex.shared.errors import Conflict, InvalidInput, NotFound
from prex.shared.ids import new_id

#: The longest stretch of unavailable dates one entry may hold (a longer absence is a blacklist
#: entry or leaving the registry).
MAX_UNAVAILABLE_DAYS = 366


# --- blacklist -----------------------------------------------------------------------------


def blacklist_expert(
    uow: SqlUnitOfWork,
    expert_id: str,
    *,
    reason: str,
    source: str | None = None,
    start: date | None = None,
    until: date | None = None,
) -> str:
    """Keep the expert out of every draw from ``start`` (default today) to ``until`` inclusive
    (None: until lifted). ``source`` says who decided, e.g. a decision's reference; by default
    the acting user."""
    reason = validate_reason(reason)
    source = validate_reason(source or uow.actor.label, field="source")[:200]
    with uow:
        load_to_manage(uow, expert_id)
        start = start or local_today(uow)
        check_period(start, until, what="the blacklist entry")
        entry_id = new_id()
        now = uow.clock.now()
        uow.session.execute(
            insert(expert_blacklist).values(
                id=entry_id,
                expert_id=expert_id,
                reason=reason,
                source=source,
                start=start,
                until=until,
                created_at=now,
            )
        )
        uow.record(
            ev.ExpertBlacklisted(
                "expert",
                expert_id,
                now,
                entry_id=entry_id,
                reason=reason,
                source=source,
                start=start.isoformat(),
                until=until.isoformat() if until else None,
            )
        )
        uow.commit()
    return entry_id


def lift_blacklist(uow: SqlUnitOfWork, expert_id: str, entry_id: str, *, reason: str) -> None:
    """End a blacklist entry now (it stays on record, marked lifted)."""
    reason = validate_reason(reason)
    with uow:
        load_to_manage(uow, expert_id)
        entry = uow.session.execute(
            select(expert_blacklist.c.lifted_at).where(
                expert_blacklist.c.id == entry_id, expert_blacklist.c.expert_id == expert_id
            )
        ).first()
        if entry is None:
            raise NotFound(f"expert {expert_id} has no blacklist entry '{entry_id}'")
        if entry.lifted_at is not None:
            raise Conflict(
                f"blacklist entry {entry_id} was lifted already on {entry.lifted_at:%Y-%m-%d}"
            )
        now = uow.clock.now()
        uow.session.execute(
            update(expert_blacklist)
            .where(expert_blacklist.c.id == entry_id)
            .values(lifted_at=now, lift_reason=reason)
        )
        uow.record(
            ev.ExpertBlacklistLifted("expert", expert_id, now, entry_id=entry_id, reason=reason)
        )
        uow.commit()


# --- availability --------------------------------------------------------------------------


def set_unavailable(
    uow: SqlUnitOfWork, expert_id: str, *, start: date, until: date, reason: str = ""
) -> str:
    """Mark the dates ``start``–``until`` (inclusive) as days the expert cannot serve."""
    check_period(start, until, what="the unavailable period")
    if (until - start).days + 1 > MAX_UNAVAILABLE_DAYS:
        raise InvalidInput(
            f"an unavailable period is at most {MAX_UNAVAILABLE_DAYS} days; a longer absence "
            "is a blacklist entry",
            field="until",
        )
    reason = validate_reason(reason, required=False)
    with uow:
        load_to_manage(uow, expert_id)
        range_id = new_id()
        now = uow.clock.now()
        uow.session.execute(
            insert(expert_unavailability).values(
                id=range_id,
                expert_id=expert_id,
                start=start,
                until=until,
                reason=reason,
                created_at=now,
            )
        )
        uow.record(
            ev.ExpertUnavailabilitySet(
                "expert",
                expert_id,
                now,
                range_id=range_id,
                start=start.isoformat(),
                until=until.isoformat(),
                reason=reason,
            )
        )
        uow.commit()
    return range_id


def remove_unavailability(uow: SqlUnitOfWork, expert_id: str, range_id: str) -> None:
    with uow:
        load_to_manage(uow, expert_id)
        found = uow.session.execute(
            select(expert_unavailability.c.start, expert_unavailability.c.until).where(
                expert_unavailability.c.id == range_id,
                expert_unavailability.c.expert_id == expert_id,
            )
        ).first()
        if found is None:
            raise NotFound(f"expert {expert_id} has no unavailable period '{range_id}'")
        uow.session.execute(
            delete(expert_unavailability).where(expert_unavailability.c.id == range_id)
        )
        uow.record(
            ev.ExpertUnavailabilityRemoved(
                "expert",
                expert_id,
                uow.clock.now(),
                range_id=range_id,
                start=found.start.isoformat(),
                until=found.until.isoformat(),
            )
        )
        uow.commit()


# --- declared interests --------------------------------------------------------------------


def declare_interest(uow: SqlUnitOfWork, expert_id: str, *, uscc: str, reason: str) -> str:
    """Record that the expert must avoid the organisation with credit code ``uscc`` (a near
    relative works there, a former employer, a shareholding …); the draw excludes the expert
    from every tender where it bids or tenders."""
    code = validate_uscc(uscc)
    reason = validate_reason(reason)
    with uow:
        load_to_manage(uow, expert_id)
        active = uow.session.execute(
            select(expert_interests.c.id).where(
                expert_interests.c.expert_id == expert_id,
                expert_interests.c.uscc == code,
                expert_interests.c.withdrawn_at.is_(None),
            )
        ).first()
        if active is not None:
            raise Conflict(
                f"expert {expert_id} has declared an interest in {code} already ({active.id})",
                interest_id=active.id,
            )
        interest_id = new_id()
        now = uow.clock.now()
        uow.session.execute(
            insert(expert_interests).values(
                id=interest_id, expert_id=expert_id, uscc=code, reason=reason, declared_at=now
            )
        )
        uow.record(
            ev.ExpertInterestDeclared(
                "expert", expert_id, now, interest_id=interest_id, uscc=code, reason=reason
            )
        )
        uow.commit()
    return interest_id


def withdraw_interest(uow: SqlUnitOfWork, expert_id: str, interest_id: str) -> None:
    with uow:
        load_to_manage(uow, expert_id)
        found = uow.session.execute(
            select(expert_interests.c.uscc, expert_interests.c.withdrawn_at).where(
                expert_interests.c.id == interest_id, expert_interests.c.expert_id == expert_id
            )
        ).first()
        if found is None:
            raise NotFound(f"expert {expert_id} has no declared interest '{interest_id}'")
        if found.withdrawn_at is not None:
            raise Conflict(f"declared interest {interest_id} was withdrawn already")
        now = uow.clock.now()
        uow.session.execute(
            update(expert_interests)
            .where(expert_interests.c.id == interest_id)
            .values(withdrawn_at=now)
        )
        uow.record(
            ev.ExpertInterestWithdrawn(
                "expert", expert_id, now, interest_id=interest_id, uscc=found.uscc
            )
        )
        uow.commit()


# --- services ------------------------------------------------------------------------------


def record_service(
    uow: SqlUnitOfWork,
    *,
    expert_id: str,
    tender_id: str,
    tenderer_org_id: str,
    on: date,
    at: datetime | None = None,
) -> str:
    """Inside the caller's open unit of work (which commits): the expert served on the tender's
    committee ``on`` that date; the draw counts these per tenderer (rule pack ``[experts]``).

    Taken by the evaluation context as a consequence of a committee member's service, so it
    makes no policy check of its own and has no route. Once per expert and tender: recording
    it again returns the first record's id."""
    load(uow, expert_id)
    tenderer = uow.session.execute(
        select(organisations.c.uscc).where(organisations.c.id == tenderer_org_id)
    ).first()
    if tenderer is None:
        raise NotFound(f"no organisation '{tenderer_org_id}'", org_id=tenderer_org_id)
    done = uow.session.execute(
        select(expert_services.c.id).where(
            expert_services.c.expert_id == expert_id,
            expert_services.c.tender_id == tender_id,
        )
    ).first()
    if done is not None:
        return str(done.id)
    service_id = new_id()
    now = at or uow.clock.now()
    try:
        with uow.session.begin_nested():
            uow.session.execute(
                insert(expert_services).values(
                    id=service_id,
                    expert_id=expert_id,
                    tender_id=tender_id,
                    tenderer_org_id=tenderer_org_id,
                    tenderer_uscc=tenderer.uscc,
                    served_on=on,
                    recorded_at=now,
                )
            )
    except IntegrityError as exc:
        raise NotFound(
            f"no tender '{tender_id}' (or this service was recorded meanwhile)",
            tender_id=tender_id,
        ) from exc
    uow.record(
        ev.ExpertServiceRecorded(
            "expert",
            expert_id,
            now,
            tender_id=tender_id,
            tenderer_uscc=tenderer.uscc,
            served_on=on.isoformat(),
        )
    )
    return service_id
