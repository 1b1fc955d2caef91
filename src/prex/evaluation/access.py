"""What every use case of the evaluation room checks first: the tender and the policy, the
evaluation row locked and re-read, its status, and the acting member of the committee."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from prex.db.uow import SqlUnitOfWork
from prex.evaluation import room as rooms
from prex.evaluation.orm import evaluations
from prex.evaluation.room import EvaluationStatus, Room
from prex.identity.policy import Action, Actor, Resource, authorize
from prex.shared.errors import Conflict, InvalidInput, PermissionDenied
from prex.tenders.model import Tender
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

MAX_TEXT = 2000


def resource(tender: Tender) -> Resource:
    return Resource("evaluation", tender.id, tender.centre_id, tender.party_org_ids)


def tender_for(services: Services, actor: Actor, tender_id: str, action: Action) -> Tender:
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, action, resource(tender))
    return tender


def locked_room(uow: SqlUnitOfWork, tender_id: str) -> Room:
    """Lock the evaluation row (writers queue here), then read the room in that transaction."""
    uow.session.execute(
        select(evaluations.c.tender_id)
        .where(evaluations.c.tender_id == tender_id)
        .with_for_update()
    ).first()
    return rooms.load(uow.session, tender_id)


def require_open(room: Room) -> None:
    if room.status is not EvaluationStatus.OPEN:
        raise Conflict(
            f"the evaluation of tender {room.tender_id} is {room.status.value}: entries are "
            "taken only while it is open",
            tender_id=room.tender_id,
            status=room.status.value,
        )


def member_of(room: Room, actor: Actor) -> str:
    """The actor's sitting member id on this committee, or PermissionDenied."""
    for member in room.members:
        if member.user_id is not None and member.user_id == actor.user_id:
            return member.id
    raise PermissionDenied(
        f"{actor.label} is not a sitting member of the committee of tender {room.tender_id}",
        tender_id=room.tender_id,
        user_id=actor.user_id,
    )


def clean_text(value: str, field: str, *, required: bool = True) -> str:
    value = value.strip()
    if (required and not value) or len(value) > MAX_TEXT:
        raise InvalidInput(f"{field} is 1 to {MAX_TEXT} characters", field=field)
    return value
