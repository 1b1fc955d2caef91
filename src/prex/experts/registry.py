"""Use cases of the expert registry (评标专家库): register an expert, update it, link its
account, and the import's register-or-update. Each checks the policy (``expert.manage`` on the
expert's home centre), changes the tables in one unit of work and records an event without
identity (``events``).

This module is the registry's front door: what keeps an expert out of a draw (``avoidance``:
blacklist, unavailable dates, declared interests, services) and the reads (``queries``: lists,
one expert, the draw's pool) are re-exported here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.db.uow import SqlUnitOfWork
from prex.experts import events as ev
from prex.experts.access import CHINA, load, local_date, local_today, may_manage
from prex.experts.avoidance import (
    MAX_UNAVAILABLE_DAYS,
    blacklist_expert,
    declare_interest,
    lift_blacklist,
    record_service,
    remove_unavailability,
    set_unavailable,
    withdraw_interest,
)
from prex.experts.codes import validate_specialties
from prex.experts.errors import ExpertExists
from prex.experts.fields import (
    id_digest,
    mask_id,
    validate_credit,
    validate_name,
    validate_optional_uscc,
    validate_phone,
    validate_resident_id,
    validate_years,
)
from prex.experts.model import ExpertData, check_entry
from prex.experts.orm import expert_specialties, experts
from prex.experts.queries import (
    MAX_PAGE,
    ExpertFilter,
    ExpertPage,
    expert_centre,
    find_experts,
    get_expert,
    pool_for_draw,
)
from prex.identity.orm import centres, users
from prex.identity.policy import Action, Role, authorize
from prex.shared.errors import InvalidInput, NotFound
from prex.shared.ids import new_id

__all__ = [
    "CHINA",
    "MAX_PAGE",
    "MAX_UNAVAILABLE_DAYS",
    "ExpertFilter",
    "ExpertPage",
    "Outcome",
    "blacklist_expert",
    "check_data",
    "declare_interest",
    "expert_centre",
    "find_experts",
    "get_expert",
    "lift_blacklist",
    "link_account",
    "local_date",
    "local_today",
    "pool_for_draw",
    "record_service",
    "register_expert",
    "remove_unavailability",
    "save_within",
    "set_unavailable",
    "update_expert",
    "withdraw_interest",
]

Outcome = Literal["created", "updated", "unchanged"]


def check_data(data: ExpertData) -> ExpertData:
    """Every field checked and normalised (the same checks as the CSV import), then the entry
    rule; raises the first problem found."""
    checked = ExpertData(
        name=validate_name(data.name),
        id_number=validate_resident_id(data.id_number) if data.id_number is not None else None,
        phone=validate_phone(data.phone),
        employer_uscc=validate_optional_uscc(data.employer_uscc),
        title=data.title,
        years_of_practice=validate_years(data.years_of_practice),
        specialties=validate_specialties(data.specialties),
        centre_id=data.centre_id,
        credit_score=validate_credit(data.credit_score),
        user_id=data.user_id,
    )
    check_entry(checked.title, checked.years_of_practice)
    return checked


def _check_references(uow: SqlUnitOfWork, data: ExpertData, expert_id: str | None) -> None:
    session = uow.session
    if session.execute(select(centres.c.id).where(centres.c.id == data.centre_id)).first() is None:
        raise NotFound(f"no centre '{data.centre_id}'", centre_id=data.centre_id)
    if data.user_id is None:
        return
    account = session.execute(select(users.c.roles).where(users.c.id == data.user_id)).first()
    if account is None:
        raise NotFound(f"no user '{data.user_id}'", user_id=data.user_id)
    if Role.EXPERT.value not in (account.roles or []):
        raise InvalidInput(
            f"user '{data.user_id}' is not an expert's account (its roles: "
            f"{', '.join(account.roles or []) or 'none'})",
            field="user_id",
        )
    other = session.execute(
        select(experts.c.id).where(experts.c.user_id == data.user_id, experts.c.id != expert_id)
    ).first()
    if other is not None:
        raise ExpertExists(
            f"user '{data.user_id}' is the account of expert {other.id} already",
            expert_id=other.id,
        )


def _by_digest(uow: SqlUnitOfWork, digest: str) -> Any:
    return uow.session.execute(select(experts).where(experts.c.id_digest == digest)).first()


def _specialties_of(uow: SqlUnitOfWork, expert_id: str) -> set[str]:
    return set(
        uow.session.execute(
            select(expert_specialties.c.code).where(expert_specialties.c.expert_id == expert_id)
        ).scalars()
    )


def _insert(uow: SqlUnitOfWork, data: ExpertData, digest: str, via: str) -> str:
    assert data.id_number is not None
    expert_id = new_id()
    now = uow.clock.now()
    uow.session.execute(
        insert(experts).values(
            id=expert_id,
            centre_id=data.centre_id,
            name=data.name,
            id_digest=digest,
            id_masked=mask_id(data.id_number),
            phone=data.phone,
            employer_uscc=data.employer_uscc,
            title=data.title,
            years_of_practice=data.years_of_practice,
            credit_score=data.credit_score,
            user_id=data.user_id,
            created_at=now,
            updated_at=now,
        )
    )
    uow.session.execute(
        insert(expert_specialties),
        [{"expert_id": expert_id, "code": code} for code in data.specialties],
    )
    uow.record(
        ev.ExpertRegistered(
            "expert",
            expert_id,
            now,
            centre_id=data.centre_id,
            title=data.title.value,
            years_of_practice=data.years_of_practice,
            specialties=sorted(data.specialties),
            credit_score=data.credit_score,
            via=via,
        )
    )
    return expert_id


def _apply(uow: SqlUnitOfWork, row: Any, data: ExpertData, digest: str, via: str) -> list[str]:
    """Write what differs; returns the names of the changed fields (empty: nothing to do)."""
    values: dict[str, Any] = {
        "centre_id": data.centre_id,
        "name": data.name,
        "id_digest": digest,
        "phone": data.phone,
        "employer_uscc": data.employer_uscc,
        "title": data.title,
        "years_of_practice": data.years_of_practice,
        "credit_score": data.credit_score,
        "user_id": data.user_id,
    }
    if data.id_number is not None:
        values["id_masked"] = mask_id(data.id_number)
    changed = [k for k, v in values.items() if getattr(row, k) != v]
    old_codes = _specialties_of(uow, row.id)
    if old_codes != set(data.specialties):
        changed.append("specialties")
    changed = ["id_number" if k in ("id_digest", "id_masked") else k for k in changed]
    changed = sorted(set(changed))
    if not changed:
        return []
    now = uow.clock.now()
    uow.session.execute(
        update(experts).where(experts.c.id == row.id).values(**values, updated_at=now)
    )
    if "specialties" in changed:
        uow.session.execute(
            delete(expert_specialties).where(expert_specialties.c.expert_id == row.id)
        )
        uow.session.execute(
            insert(expert_specialties),
            [{"expert_id": row.id, "code": code} for code in data.specialties],
        )
    uow.record(
        ev.ExpertUpdated(
            "expert",
            row.id,
            now,
            changed=changed,
            centre_id=data.centre_id,
            title=data.title.value,
            years_of_practice=data.years_of_practice,
            specialties=sorted(data.specialties),
            credit_score=data.credit_score,
            via=via,
        )
    )
    return changed


def _commit_unique(uow: SqlUnitOfWork, message: str) -> None:
    try:
        uow.commit()
    except IntegrityError as exc:
        raise ExpertExists(message) from exc


def register_expert(uow: SqlUnitOfWork, data: ExpertData, *, secret: str, via: str = "api") -> str:
    """Enter a new expert in the registry of its home centre. The identity number must be new:
    an expert registered already is updated (:func:`update_expert`), not registered twice."""
    may_manage(uow, data.centre_id)
    if data.id_number is None:
        raise InvalidInput("a new expert needs an identity number", field="id_number")
    data = check_data(data)
    assert data.id_number is not None
    digest = id_digest(secret, data.id_number)
    with uow:
        _check_references(uow, data, None)
        existing = _by_digest(uow, digest)
        if existing is not None:
            raise ExpertExists(
                f"an expert with identity number {mask_id(data.id_number)} is registered "
                f"already ({existing.id}): update it instead",
                expert_id=existing.id,
            )
        expert_id = _insert(uow, data, digest, via)
        _commit_unique(uow, f"an expert with identity number {mask_id(data.id_number)} exists")
    return expert_id


def update_expert(
    uow: SqlUnitOfWork, expert_id: str, data: ExpertData, *, secret: str, via: str = "api"
) -> list[str]:
    """Replace an expert's record (``id_number`` None keeps the number on record); returns the
    changed fields. Moving an expert to another centre needs the right to manage both."""
    authorize(uow.actor, Action.EXPERT_MANAGE)
    data = check_data(data)
    with uow:
        row = load(uow, expert_id)
        may_manage(uow, row.centre_id, expert_id)
        may_manage(uow, data.centre_id, expert_id)
        _check_references(uow, data, expert_id)
        digest = row.id_digest if data.id_number is None else id_digest(secret, data.id_number)
        other = _by_digest(uow, digest) if digest != row.id_digest else None
        if other is not None:
            raise ExpertExists("another expert has this identity number", expert_id=other.id)
        changed = _apply(uow, row, data, digest, via)
        _commit_unique(uow, "another expert has this identity number or account")
    return changed


def save_within(
    uow: SqlUnitOfWork, data: ExpertData, *, secret: str, via: str
) -> tuple[str, Outcome]:
    """Register or update by identity number inside the caller's open unit of work (the CSV
    import: many rows per transaction). ``data`` must have passed :func:`check_data`; an
    update keeps the expert's account link when ``data`` names none."""
    assert data.id_number is not None
    digest = id_digest(secret, data.id_number)
    existing = _by_digest(uow, digest)
    may_manage(uow, data.centre_id, existing.id if existing else None)
    if existing is None:
        _check_references(uow, data, None)
        return _insert(uow, data, digest, via), "created"
    may_manage(uow, existing.centre_id, existing.id)
    if data.user_id is None and existing.user_id is not None:
        data = replace(data, user_id=existing.user_id)
    changed = _apply(uow, existing, data, digest, via)
    return existing.id, "updated" if changed else "unchanged"


def link_account(uow: SqlUnitOfWork, expert_id: str, user_id: str | None) -> None:
    """Make ``user_id`` the expert's own platform account (None: unlink it), through which the
    expert signs in to evaluations; an account belongs to one expert at most."""
    with uow:
        row = load(uow, expert_id)
        may_manage(uow, row.centre_id, expert_id)
        if row.user_id == user_id:
            return
        data = ExpertData(
            name=row.name,
            id_number=None,
            phone=row.phone,
            employer_uscc=row.employer_uscc,
            title=row.title,
            years_of_practice=row.years_of_practice,
            specialties=tuple(sorted(_specialties_of(uow, expert_id))),
            centre_id=row.centre_id,
            credit_score=row.credit_score,
            user_id=user_id,
        )
        _check_references(uow, data, expert_id)
        _apply(uow, row, data, row.id_digest, "api")
        _commit_unique(uow, f"user '{user_id}' is another expert's account already")
