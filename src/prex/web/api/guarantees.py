"""HTTP API of electronic bid guarantees (电子保函): a bidder requests one for a section, a
guarantor's machine client (scope ``guarantee.issue``) lists what is addressed to its owner and
posts signed documents, the beneficiary or the centre claims on a statutory ground. The flow and
the document format: docs/integration.md, "Guarantee providers"."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from prex.guarantees.model import ClaimReason, GuaranteeStatus
from prex.guarantees.outcomes import claim_guarantee
from prex.guarantees.service import (
    RequestGuarantee,
    guarantee_view,
    guarantees_of,
    request_guarantee,
    requests_for_client,
    submit_from_client,
)
from prex.identity.policy import Action, authorize
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.web.schemas.common import Yuan

router = APIRouter(tags=["guarantees"])


def issuing_client(actor: ActorDep) -> None:
    """Refuse early anyone but a machine client (whose scope the machine gate checked): no
    person holds ``guarantee.issue`` in the policy table."""
    authorize(actor, Action.GUARANTEE_ISSUE)


class GuaranteeRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    section_id: str = Field(min_length=1, max_length=26)
    provider: str | None = Field(
        None, max_length=64, description="an installed provider (prex extensions list)"
    )
    guarantor_org_id: str | None = Field(
        None, max_length=26, description="or a guarantor organisation answering by its client"
    )
    amount: Yuan | None = Field(None, description="default: the 2 % cap of the section")


class SignedDocumentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str = Field(min_length=1, max_length=200_000, description="base64 of the bytes")
    signature: str = Field(
        min_length=1, max_length=200_000, description="base64 DER detached CMS over them"
    )


class ClaimBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: ClaimReason
    facts: str = Field(min_length=1, max_length=2000)


@router.post(
    "/tenders/{tender_id}/guarantees",
    status_code=201,
    openapi_extra=acts(Action.GUARANTEE_REQUEST),
    dependencies=[Depends(require(Action.GUARANTEE_REQUEST))],
)
def post_guarantee_request(
    tender_id: str, body: GuaranteeRequestBody, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Request an electronic guarantee for your bid bond. With an installed ``provider`` it is
    issued, verified and recorded as your bond at once (status ``accepted``); with a
    ``guarantor_org_id`` it waits for that guarantor's client (status ``requested``)."""
    return request_guarantee(
        uow,
        services,
        RequestGuarantee(
            tender_id=tender_id,
            section_id=body.section_id,
            provider=body.provider,
            guarantor_org_id=body.guarantor_org_id,
            amount=body.amount,
        ),
    )


@router.get(
    "/tenders/{tender_id}/guarantees",
    openapi_extra=acts(Action.GUARANTEE_READ),
    dependencies=[Depends(require(Action.GUARANTEE_READ))],
)
def list_tender_guarantees(
    tender_id: str, actor: ActorDep, services: ServicesDep
) -> list[dict[str, Any]]:
    """The tender's guarantees: all of them for its centre, your own for a bidder."""
    return guarantees_of(services, actor, tender_id)


@router.get(
    "/guarantees/requests",
    openapi_extra=acts(Action.GUARANTEE_ISSUE),
    dependencies=[Depends(issuing_client)],
)
def list_guarantee_requests(
    actor: ActorDep,
    services: ServicesDep,
    status: str = Query(GuaranteeStatus.REQUESTED.value, max_length=16),
) -> list[dict[str, Any]]:
    """For a guarantor's client: the guarantees addressed to its owner in ``status``
    (``requested``: applications to issue; ``released`` / ``claimed``: the signed notices)."""
    return requests_for_client(services, actor, status)


@router.post(
    "/guarantees/{guarantee_id}/document",
    openapi_extra=acts(Action.GUARANTEE_ISSUE),
    dependencies=[Depends(issuing_client)],
)
def post_guarantee_document(
    guarantee_id: str, body: SignedDocumentBody, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """For a guarantor's client: the signed guarantee document for a request addressed to its
    owner. Verified (problem ``guarantee-invalid`` naming the failed check), then recorded as
    the applicant's bid bond."""
    return submit_from_client(uow, services, guarantee_id, body.document, body.signature)


@router.get(
    "/guarantees/{guarantee_id}",
    openapi_extra=acts(Action.GUARANTEE_READ),
    dependencies=[Depends(require(Action.GUARANTEE_READ))],
)
def get_guarantee(guarantee_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """One guarantee with its signed document and notices (base64)."""
    return guarantee_view(services, actor, guarantee_id)


@router.post(
    "/guarantees/{guarantee_id}/claim",
    openapi_extra=acts(Action.GUARANTEE_CLAIM),
    dependencies=[Depends(require(Action.GUARANTEE_CLAIM))],
)
def post_guarantee_claim(
    guarantee_id: str, body: ClaimBody, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Claim an accepted guarantee on a statutory ground (``contract-refused``: 实施条例第七十四条;
    ``withdrawn-after-deadline``: 第三十五条); the platform signs the notice and the worker tells
    the provider."""
    return claim_guarantee(uow, services, guarantee_id, body.reason.value, body.facts)
