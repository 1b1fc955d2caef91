"""Reads of the expert registry: the list operators and supervisors search, one expert in full,
and the draw's pool.

Lists and details carry identities, so each read asks the policy for ``expert.read_identity``
first: an operator or supervisor sees the experts of its own centre, the administrator all.
The draw's pool carries none (``pool.PoolExpert``): ids, centres, credit codes and flags.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from prex.credit.queries import blacklisted_experts
from prex.experts.codes import validate_specialty, with_broader
from prex.experts.errors import ExpertNotFound
from prex.experts.model import (
    BlacklistEntry,
    DeclaredInterest,
    ExpertDetail,
    ExpertView,
    Service,
    Title,
    Unavailability,
)
from prex.experts.orm import (
    expert_blacklist,
    expert_interests,
    expert_services,
    expert_specialties,
    expert_unavailability,
    experts,
)
from prex.experts.pool import PoolExpert
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, Scope, authorize, widest_scope
from prex.identity.uscc import validate_uscc
from prex.shared.errors import InvalidInput

MAX_PAGE = 200


@dataclass(frozen=True)
class ExpertFilter:
    """What the registry list can be narrowed by; every field optional.

    ``specialty`` matches the code and every narrower one (A08 finds A0801 too); ``text`` a part
    of the name or phone; ``available`` experts neither blacklisted nor unavailable that day."""

    centre_id: str | None = None
    specialty: str | None = None
    text: str | None = None
    title: Title | None = None
    employer_uscc: str | None = None
    blacklisted: bool | None = None
    available: bool | None = None

    def __post_init__(self) -> None:
        if self.specialty is not None:
            object.__setattr__(self, "specialty", validate_specialty(self.specialty))
        if self.employer_uscc is not None:
            object.__setattr__(
                self, "employer_uscc", validate_uscc(self.employer_uscc, field="employer_uscc")
            )
        if self.text is not None and len(self.text) > 100:
            raise InvalidInput("search text has at most 100 characters", field="text")


@dataclass(frozen=True)
class ExpertPage:
    items: list[ExpertView]
    total: int


def _blacklisted_on(day: date) -> ColumnElement[bool]:
    return exists().where(
        expert_blacklist.c.expert_id == experts.c.id,
        expert_blacklist.c.lifted_at.is_(None),
        expert_blacklist.c.start <= day,
        or_(expert_blacklist.c.until.is_(None), expert_blacklist.c.until >= day),
    )


def _unavailable_on(day: date) -> ColumnElement[bool]:
    return exists().where(
        expert_unavailability.c.expert_id == experts.c.id,
        expert_unavailability.c.start <= day,
        expert_unavailability.c.until >= day,
    )


def readable_centre(actor: Actor, centre_id: str | None) -> str | None:
    """The centre a list is narrowed to for ``actor`` (None: every centre), or a refusal."""
    scope = widest_scope(actor, Action.EXPERT_READ_IDENTITY)
    if centre_id is not None or scope is not Scope.ANY:
        wanted = centre_id if centre_id is not None else actor.centre_id
        authorize(actor, Action.EXPERT_READ_IDENTITY, Resource("expert", centre_id=wanted))
        if wanted is None:  # an operator without a centre: nothing of anyone's
            authorize(actor, Action.EXPERT_READ_IDENTITY, Resource("expert", centre_id="-"))
        return wanted
    return None


def _conditions(flt: ExpertFilter, centre_id: str | None, day: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if centre_id is not None:
        where.append(experts.c.centre_id == centre_id)
    if flt.specialty is not None:
        where.append(
            exists().where(
                expert_specialties.c.expert_id == experts.c.id,
                expert_specialties.c.code.startswith(flt.specialty, autoescape=True),
            )
        )
    if flt.text:
        text = flt.text.strip()
        where.append(
            or_(
                experts.c.name.contains(text, autoescape=True),
                experts.c.phone.contains(text, autoescape=True),
            )
        )
    if flt.title is not None:
        where.append(experts.c.title == flt.title)
    if flt.employer_uscc is not None:
        where.append(experts.c.employer_uscc == flt.employer_uscc)
    if flt.blacklisted is not None:
        where.append(_blacklisted_on(day) if flt.blacklisted else ~_blacklisted_on(day))
    if flt.available is not None:
        busy = or_(_blacklisted_on(day), _unavailable_on(day))
        where.append(~busy if flt.available else busy)
    return where


def _views(session: Session, where: list[ColumnElement[bool]], day: date, **page: int) -> list[Any]:
    query = (
        select(
            experts,
            organisations.c.name.label("employer_name"),
            _blacklisted_on(day).label("blacklisted"),
            _unavailable_on(day).label("unavailable"),
        )
        .outerjoin(organisations, organisations.c.uscc == experts.c.employer_uscc)
        .where(and_(True, *where))
        .order_by(experts.c.name, experts.c.id)
    )
    if page:
        query = query.limit(page["limit"]).offset(page["offset"])
    rows = session.execute(query).all()
    codes: dict[str, list[str]] = defaultdict(list)
    if rows:
        for expert_id, code in session.execute(
            select(expert_specialties.c.expert_id, expert_specialties.c.code)
            .where(expert_specialties.c.expert_id.in_([r.id for r in rows]))
            .order_by(expert_specialties.c.code)
        ):
            codes[expert_id].append(code)
    return [
        ExpertView(
            id=r.id,
            name=r.name,
            id_number_masked=r.id_masked,
            phone=r.phone,
            employer_uscc=r.employer_uscc,
            employer_name=r.employer_name,
            title=r.title,
            years_of_practice=r.years_of_practice,
            specialties=tuple(codes[r.id]),
            centre_id=r.centre_id,
            credit_score=r.credit_score,
            user_id=r.user_id,
            blacklisted=bool(r.blacklisted),
            unavailable=bool(r.unavailable),
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        for r in rows
    ]


def find_experts(
    session: Session,
    actor: Actor,
    flt: ExpertFilter,
    *,
    day: date,
    limit: int = 50,
    offset: int = 0,
) -> ExpertPage:
    """The experts ``actor`` may see that match ``flt``, by name, with the total count;
    ``day`` is the date the blacklist and availability flags are read for."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"a page has 1–{MAX_PAGE} experts", field="limit")
    if offset < 0:
        raise InvalidInput("the offset is 0 or more", field="offset")
    centre_id = readable_centre(actor, flt.centre_id)
    where = _conditions(flt, centre_id, day)
    total = session.execute(
        select(func.count()).select_from(experts).where(and_(True, *where))
    ).scalar_one()
    return ExpertPage(_views(session, where, day, limit=limit, offset=offset), int(total))


def expert_centre(session: Session, expert_id: str) -> str:
    """The expert's home centre (what the policy asks about), or :class:`ExpertNotFound`."""
    centre = session.execute(
        select(experts.c.centre_id).where(experts.c.id == expert_id)
    ).scalar_one_or_none()
    if centre is None:
        raise ExpertNotFound(expert_id)
    return str(centre)


def get_expert(session: Session, actor: Actor, expert_id: str, *, day: date) -> ExpertDetail:
    """One expert with its blacklist (lifted entries too), unavailable dates, declared interests
    in force and services, for those who may see its identity."""
    centre_id = expert_centre(session, expert_id)
    authorize(
        actor, Action.EXPERT_READ_IDENTITY, Resource("expert", expert_id, centre_id=centre_id)
    )
    (view,) = _views(session, [experts.c.id == expert_id], day)
    blacklist = tuple(
        BlacklistEntry(
            id=r.id,
            reason=r.reason,
            source=r.source,
            start=r.start,
            until=r.until,
            created_at=r.created_at,
            lifted_at=r.lifted_at,
            lift_reason=r.lift_reason,
        )
        for r in session.execute(
            select(expert_blacklist)
            .where(expert_blacklist.c.expert_id == expert_id)
            .order_by(expert_blacklist.c.start, expert_blacklist.c.id)
        )
    )
    unavailable = tuple(
        Unavailability(r.id, r.start, r.until, r.reason, r.created_at)
        for r in session.execute(
            select(expert_unavailability)
            .where(expert_unavailability.c.expert_id == expert_id)
            .order_by(expert_unavailability.c.start, expert_unavailability.c.id)
        )
    )
    interests = tuple(
        DeclaredInterest(r.id, r.uscc, r.org_name, r.reason, r.declared_at)
        for r in session.execute(
            select(expert_interests, organisations.c.name.label("org_name"))
            .outerjoin(organisations, organisations.c.uscc == expert_interests.c.uscc)
            .where(
                expert_interests.c.expert_id == expert_id,
                expert_interests.c.withdrawn_at.is_(None),
            )
            .order_by(expert_interests.c.declared_at, expert_interests.c.id)
        )
    )
    services = tuple(
        Service(r.tender_id, r.tenderer_uscc, r.served_on)
        for r in session.execute(
            select(expert_services)
            .where(expert_services.c.expert_id == expert_id)
            .order_by(expert_services.c.served_on, expert_services.c.id)
        )
    )
    return ExpertDetail(view, blacklist, unavailable, interests, services)


def pool_for_draw(
    session: Session,
    centre_ids: Collection[str],
    on_date: date,
    *,
    tenderer_uscc: str | None = None,
    since: date | None = None,
) -> list[PoolExpert]:
    """Every expert whose home centre is one of ``centre_ids``, as the draw sees it on
    ``on_date``, ordered by expert id.

    ``specialties`` holds each registered code with its broader codes (A0801 → A, A08, A0801),
    so that a quota at any level of the list matches by set membership. ``blacklisted`` and
    ``unavailable`` are read for ``on_date``; ``declared_usccs`` are the interests in force;
    ``served_by_tenderer`` counts services with ``since ≤ served_on ≤ on_date`` (``since``
    None: every service on record) per tenderer credit code, sorted — only the services for
    ``tenderer_uscc`` when it is given. Six queries whatever the pool's size; no identity is
    read."""
    if not centre_ids:
        return []
    centres_in = experts.c.centre_id.in_(sorted(set(centre_ids)))
    in_pool = select(experts.c.id).where(centres_in)
    # Sorted here, by code point, whatever the database's collation would do.
    rows = sorted(
        session.execute(
            select(experts.c.id, experts.c.centre_id, experts.c.employer_uscc).where(centres_in)
        ),
        key=lambda r: str(r.id),
    )
    codes: dict[str, list[str]] = defaultdict(list)
    for expert_id, code in session.execute(
        select(expert_specialties.c.expert_id, expert_specialties.c.code).where(
            expert_specialties.c.expert_id.in_(in_pool)
        )
    ):
        codes[expert_id].append(code)
    declared: dict[str, set[str]] = defaultdict(set)
    for expert_id, uscc in session.execute(
        select(expert_interests.c.expert_id, expert_interests.c.uscc).where(
            expert_interests.c.expert_id.in_(in_pool), expert_interests.c.withdrawn_at.is_(None)
        )
    ):
        declared[expert_id].add(uscc)
    blacklisted = set(
        session.execute(
            select(expert_blacklist.c.expert_id).where(
                expert_blacklist.c.expert_id.in_(in_pool),
                expert_blacklist.c.lifted_at.is_(None),
                expert_blacklist.c.start <= on_date,
                or_(expert_blacklist.c.until.is_(None), expert_blacklist.c.until >= on_date),
            )
        ).scalars()
    )
    # A credit blacklist in force (prex.credit: e.g. points reaching the deduction table's
    # threshold) keeps the expert out of the draw exactly like the registry's own blacklist;
    # the record is quoted on the expert's credit (GET /api/v1/credit/records?subject_id=…).
    blacklisted |= set(blacklisted_experts(session, in_pool, on_date))
    unavailable = set(
        session.execute(
            select(expert_unavailability.c.expert_id).where(
                expert_unavailability.c.expert_id.in_(in_pool),
                expert_unavailability.c.start <= on_date,
                expert_unavailability.c.until >= on_date,
            )
        ).scalars()
    )
    served_where = [
        expert_services.c.expert_id.in_(in_pool),
        expert_services.c.served_on <= on_date,
    ]
    if since is not None:
        served_where.append(expert_services.c.served_on >= since)
    if tenderer_uscc is not None:
        served_where.append(expert_services.c.tenderer_uscc == tenderer_uscc)
    served: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for expert_id, uscc, times in session.execute(
        select(expert_services.c.expert_id, expert_services.c.tenderer_uscc, func.count())
        .where(*served_where)
        .group_by(expert_services.c.expert_id, expert_services.c.tenderer_uscc)
    ):
        served[expert_id].append((uscc, int(times)))
    return [
        PoolExpert(
            expert_id=r.id,
            centre_id=r.centre_id,
            employer_uscc=r.employer_uscc,
            specialties=with_broader(codes[r.id]),
            declared_usccs=frozenset(declared[r.id]),
            blacklisted=r.id in blacklisted,
            unavailable=r.id in unavailable,
            served_by_tenderer=tuple(sorted(served[r.id])),
        )
        for r in rows
    ]
