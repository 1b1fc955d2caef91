"""What every change to an expert starts with: load it, ask the policy (``expert.manage`` on
its home centre), and the date it is in China (blacklists and calendars are in local dates)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from prex.db.uow import SqlUnitOfWork
from prex.experts.errors import ExpertNotFound
from prex.experts.orm import experts
from prex.identity.policy import Action, Resource, authorize
from prex.shared.clock import Clock

CHINA = ZoneInfo("Asia/Shanghai")


def local_date(clock: Clock) -> date:
    """Today in China, by the injected clock."""
    return clock.now().astimezone(CHINA).date()


def local_today(uow: SqlUnitOfWork) -> date:
    return local_date(uow.clock)


def may_manage(uow: SqlUnitOfWork, centre_id: str, expert_id: str | None = None) -> None:
    """Raise unless the actor may manage the experts of ``centre_id``."""
    authorize(uow.actor, Action.EXPERT_MANAGE, Resource("expert", expert_id, centre_id=centre_id))


def load(uow: SqlUnitOfWork, expert_id: str) -> Any:
    """The expert's row, or :class:`ExpertNotFound`."""
    row = uow.session.execute(select(experts).where(experts.c.id == expert_id)).first()
    if row is None:
        raise ExpertNotFound(expert_id)
    return row


def load_to_manage(uow: SqlUnitOfWork, expert_id: str) -> Any:
    """The expert's row, once the actor may manage it."""
    row = load(uow, expert_id)
    may_manage(uow, row.centre_id, expert_id)
    return row
