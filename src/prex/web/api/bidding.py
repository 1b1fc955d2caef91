"""HTTP API of the bidding context: opening custodians (more comes with sealed bids)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from prex.bidding.commitment import commitment_of
from prex.bidding.custodians import custodians_of, register_custodian, remove_custodian
from prex.bidding.opening_keys import bid_parameters, sign_parameters
from prex.bidding.submissions import bids_of, receive_envelope, withdraw_bid
from prex.identity.policy import Action, Resource, authorize
from prex.pki.certs import pem_or_base64
from prex.shared.errors import InvalidInput, NotFound
from prex.tenders.model import TenderStatus
from prex.tenders.service import get_tender_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(tags=["bidding"])
_BINARY = {"type": "string", "format": "binary"}
#: The hard cap on an upload before the tender's own limit (rule pack) is known.
MAX_UPLOAD_MB = 4096


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


@router.get("/tenders/{tender_id}/bid-parameters", openapi_extra=acts(Action.PUBLIC_READ))
def bid_parameters_of(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """What a bidder downloads to seal a bid offline with `prex bid seal` (format
    `prex-tender-parameters`, docs/envelope-format.md): the tender's sections, deadline, suite
    and opening public key, signed by the platform (`platform_signature`: detached CMS over the
    canonical JSON of the other fields) so that a bidder can check them offline."""
    tender = get_tender_for(uow, tender_id)
    if tender.status is TenderStatus.DRAFT:
        raise NotFound(f"tender {tender_id} is not published")
    return sign_parameters(services, bid_parameters(services, tender))


@router.post(
    "/tenders/{tender_id}/bids",
    status_code=201,
    openapi_extra={
        **acts(Action.BID_SUBMIT),
        "requestBody": {"content": {"application/octet-stream": {"schema": _BINARY}}},
    },
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
async def submit_bid(
    tender_id: str,
    request: Request,
    response: Response,
    uow: UowDep,
    services: ServicesDep,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> dict[str, Any]:
    """Upload a sealed envelope (the raw file as the body). The answer is the receipt; a retry
    with the same Idempotency-Key returns the same receipt (200)."""
    path = services.blobs.spool_path()
    limit = MAX_UPLOAD_MB * 1024 * 1024
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("wb") as spool:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise InvalidInput(f"an envelope is at most {MAX_UPLOAD_MB} MiB", field="body")
                digest.update(chunk)
                spool.write(chunk)
        received = await run_in_threadpool(
            receive_envelope,
            uow,
            services,
            tender_id=tender_id,
            idempotency_key=idempotency_key,
            upload=path,
            digest=(digest.hexdigest(), size),
        )
    finally:
        path.unlink(missing_ok=True)  # kept envelopes were moved into the blob store
    if received.replayed:
        response.status_code = 200
    return received.receipt


@router.get(
    "/tenders/{tender_id}/bids/mine",
    openapi_extra=acts(Action.BID_SUBMIT),
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
def my_bids(tender_id: str, actor: ActorDep, services: ServicesDep) -> list[dict[str, Any]]:
    """Your organisation's envelopes for this tender, with their receipts."""
    if actor.org_id is None:
        return []
    with services.read_session() as session:
        return bids_of(session, tender_id, actor.org_id)


@router.delete(
    "/bids/{bid_id}",
    status_code=204,
    openapi_extra=acts(Action.BID_SUBMIT),
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
def withdraw(bid_id: str, uow: UowDep, services: ServicesDep) -> None:
    """Withdraw your bid before the deadline."""
    withdraw_bid(uow, services, bid_id)


@router.get("/tenders/{tender_id}/bid-commitment", openapi_extra=acts(Action.PUBLIC_READ))
def bid_commitment(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """The commitment made at the bid deadline: the SHA-256 over every envelope that will be
    opened, the envelopes' digests by section, and how many bidders each section has."""
    tender = get_tender_for(uow, tender_id)
    with services.read_session() as session:
        found = commitment_of(session, tender.id)
    if found is None:
        raise NotFound(f"tender {tender_id} has not reached its bid deadline")
    return {
        "tender_id": tender.id,
        "sha256": found["sha256"],
        "committed_at": found["committed_at"].isoformat(),
        "bidders_by_section": found["bidders_by_section"],
        "envelopes": [
            {"section_id": e["section_id"], "envelope_sha256": e["envelope_sha256"]}
            for e in found["entries"]
        ],
    }
