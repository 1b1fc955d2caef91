"""HTTP API of the bidding context: opening custodians (more comes with sealed bids)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from prex.bidding.custodians import custodians_of, register_custodian, remove_custodian
from prex.identity.policy import Action, Resource, authorize
from prex.pki.certs import pem_or_base64
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(tags=["bidding"])


class CustodianCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user_id: str = Field(min_length=1, max_length=26)
    certificate: str = Field(
        min_length=1, max_length=200_000, description="encryption certificate: PEM or base64 DER"
    )


class CustodianPublic(BaseModel):
    id: str
    user_id: str
    username: str
    display_name: str
    subject: str
    fingerprint: str
    key: str
    not_after: datetime
    added_at: datetime


class Created(BaseModel):
    id: str


@router.get(
    "/centres/{centre_id}/custodians",
    response_model=list[CustodianPublic],
    openapi_extra=acts(Action.CUSTODIAN_MANAGE),
    dependencies=[Depends(require(Action.CUSTODIAN_MANAGE))],
)
def list_custodians(
    centre_id: str, actor: ActorDep, services: ServicesDep
) -> list[CustodianPublic]:
    """The centre's opening custodians, in the order shares are dealt."""
    authorize(actor, Action.CUSTODIAN_MANAGE, Resource("centre", centre_id=centre_id))
    with services.read_session() as session:
        found = custodians_of(session, centre_id)
    return [
        CustodianPublic(
            id=c.id,
            user_id=c.user_id,
            username=c.username,
            display_name=c.display_name,
            subject=c.certificate.subject_text,
            fingerprint=c.certificate.fingerprint,
            key=c.certificate.public_key.kind,
            not_after=c.not_after,
            added_at=c.added_at,
        )
        for c in found
    ]


@router.post(
    "/centres/{centre_id}/custodians",
    response_model=Created,
    status_code=201,
    openapi_extra=acts(Action.CUSTODIAN_MANAGE),
    dependencies=[Depends(require(Action.CUSTODIAN_MANAGE))],
)
def add_custodian(
    centre_id: str, body: CustodianCreate, uow: UowDep, services: ServicesDep
) -> Created:
    """Register a user of the centre as an opening custodian; the certificate must be trusted
    for encryption."""
    custodian_id = register_custodian(
        uow,
        services.pki,
        centre_id=centre_id,
        user_id=body.user_id,
        certificate_data=pem_or_base64(body.certificate, "certificate"),
    )
    return Created(id=custodian_id)


@router.delete(
    "/custodians/{custodian_id}",
    status_code=204,
    openapi_extra=acts(Action.CUSTODIAN_MANAGE),
    dependencies=[Depends(require(Action.CUSTODIAN_MANAGE))],
)
def delete_custodian(custodian_id: str, uow: UowDep) -> None:
    remove_custodian(uow, custodian_id)
