"""HTTP API of the identity context: sign-in, the current user, centres, organisations, users."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from prex.identity import service
from prex.identity.lockout import LoginLimits
from prex.identity.orm import centres, organisations
from prex.identity.policy import Action
from prex.notifications.service import notifications_for
from prex.shared.errors import NotFound
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.web.schemas.identity import (
    CentreCreate,
    CentrePublic,
    Created,
    LoginRequest,
    Me,
    MobileIn,
    MobileOut,
    NotificationPublic,
    OrganisationCreate,
    OrganisationPublic,
    TokenPublic,
    Unlocked,
    UserCreate,
)

router = APIRouter(tags=["identity"])


@router.post("/session", response_model=TokenPublic, openapi_extra=acts(Action.SESSION_LOGIN))
def sign_in(body: LoginRequest, uow: UowDep, services: ServicesDep) -> TokenPublic:
    """Exchange a user name and password for a bearer token."""
    credential = service.sign_in(
        uow,
        username=body.username,
        password=body.password,
        kind="token",
        lifetime=timedelta(days=services.settings.token_days),
        label="api",
        limits=LoginLimits.from_settings(services.settings),
    )
    return TokenPublic(token=credential.secret, expires_at=credential.expires_at)


@router.delete(
    "/session",
    status_code=204,
    openapi_extra=acts(Action.SESSION_LOGOUT),
    dependencies=[Depends(require(Action.SESSION_LOGOUT))],
)
def sign_out(request: Request, uow: UowDep) -> None:
    """Revoke the bearer token used for this request."""
    header = request.headers.get("authorization", "")
    service.sign_out(uow, header[7:].strip())


@router.get(
    "/me",
    response_model=Me,
    openapi_extra=acts(Action.SESSION_READ),
    dependencies=[Depends(require(Action.SESSION_READ))],
)
def me(actor: ActorDep) -> Me:
    assert actor.user_id is not None
    return Me(
        user_id=actor.user_id,
        label=actor.label,
        org_id=actor.org_id,
        centre_id=actor.centre_id,
        roles=sorted(actor.roles),
    )


@router.get(
    "/me/notifications",
    response_model=list[NotificationPublic],
    openapi_extra=acts(Action.SESSION_READ),
    dependencies=[Depends(require(Action.SESSION_READ))],
)
def my_notifications(actor: ActorDep, services: ServicesDep) -> list[NotificationPublic]:
    assert actor.user_id is not None
    with services.read_session() as session:
        rows = notifications_for(session, actor.user_id)
    return [NotificationPublic.model_validate(r) for r in rows]


@router.put(
    "/me/mobile",
    response_model=MobileOut,
    openapi_extra=acts(Action.ACCOUNT_EDIT),
    dependencies=[Depends(require(Action.ACCOUNT_EDIT))],
)
def set_my_mobile(body: MobileIn, uow: UowDep) -> MobileOut:
    """Set (or remove, with null or "") the mobile number SMS notifications go to: a mainland
    mobile number in any usual writing, kept as +86 and eleven digits."""
    return MobileOut(mobile=service.set_mobile(uow, body.mobile))


@router.get("/centres", response_model=list[CentrePublic], openapi_extra=acts(Action.PUBLIC_READ))
def list_centres(services: ServicesDep) -> list[CentrePublic]:
    with services.read_session() as session:
        rows = session.execute(select(centres).order_by(centres.c.division_code)).mappings()
        return [CentrePublic.model_validate(dict(r)) for r in rows]


@router.post(
    "/centres",
    status_code=201,
    response_model=Created,
    openapi_extra=acts(Action.CENTRE_MANAGE),
    dependencies=[Depends(require(Action.CENTRE_MANAGE))],
)
def create_centre(body: CentreCreate, uow: UowDep) -> Created:
    return Created(id=service.create_centre(uow, **body.model_dump()))


@router.post(
    "/organisations",
    status_code=201,
    response_model=Created,
    openapi_extra=acts(Action.ORG_REGISTER),
    dependencies=[Depends(require(Action.ORG_REGISTER))],
)
def register_organisation(body: OrganisationCreate, uow: UowDep) -> Created:
    """Register an organisation; the credit code's check digit is verified."""
    return Created(id=service.register_organisation(uow, **body.model_dump()))


@router.get(
    "/organisations/{org_id}",
    response_model=OrganisationPublic,
    openapi_extra=acts(Action.PUBLIC_READ),
)
def get_organisation(org_id: str, services: ServicesDep) -> OrganisationPublic:
    """Public registration data of an organisation (name, credit code, division)."""
    with services.read_session() as session:
        row = (
            session.execute(select(organisations).where(organisations.c.id == org_id))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"no organisation '{org_id}'", org_id=org_id)
    return OrganisationPublic.model_validate(dict(row))


@router.post(
    "/users",
    status_code=201,
    response_model=Created,
    openapi_extra=acts(Action.USER_MANAGE),
    dependencies=[Depends(require(Action.USER_MANAGE))],
)
def create_user(body: UserCreate, uow: UowDep) -> Created:
    data = body.model_dump()
    data["roles"] = [r.value for r in body.roles]
    return Created(id=service.create_user(uow, **data))


@router.post(
    "/users/{username}/unlock",
    response_model=Unlocked,
    openapi_extra=acts(Action.ACCOUNT_UNLOCK),
    dependencies=[Depends(require(Action.ACCOUNT_UNLOCK))],
)
def unlock_user(username: str, uow: UowDep) -> Unlocked:
    """Lift a login lock-out and forget the name's failed sign-ins (audited)."""
    return Unlocked(username=username, was_locked=service.unlock_account(uow, username))
