"""HTTP API of committee draws: define (seed committed), draw, answers, reveal, and the
committee as each actor may see it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from prex.experts import committee
from prex.experts.draw import CommitteeSpec
from prex.identity.policy import Action
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require

router = APIRouter(tags=["experts"])


class QuotaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    specialty: str = Field(min_length=1, max_length=16)
    members: int = Field(ge=0, le=50)
    standby: int = Field(default=0, ge=0, le=50)


class VenueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    centre_id: str = Field(min_length=1, max_length=26)
    quotas: list[QuotaIn] = Field(min_length=1, max_length=20)


class CommitteeIn(BaseModel):
    """The committee's make-up: the main venue (the tender's centre) first, then sub venues;
    the tenderer's own representatives, if any, are counted but not drawn."""

    model_config = ConfigDict(extra="forbid")
    venues: list[VenueIn] = Field(min_length=1, max_length=10)
    representatives: int = Field(default=0, ge=0, le=10)


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    response: str = Field(pattern="^(confirmed|refused|absent)$")
    note: str = Field(default="", max_length=500)


@router.put(
    "/tenders/{tender_id}/committee",
    openapi_extra=acts(Action.COMMITTEE_MANAGE),
    dependencies=[Depends(require(Action.COMMITTEE_MANAGE))],
)
def define(tender_id: str, body: CommitteeIn, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Define the committee before the bid deadline; answers the seed's SHA-256, published
    now (the seed itself is revealed with the result)."""
    spec = CommitteeSpec.from_json(body.model_dump())
    return committee.define_committee(uow, services, tender_id, spec)


@router.post(
    "/tenders/{tender_id}/committee/draw",
    openapi_extra=acts(Action.COMMITTEE_MANAGE),
    dependencies=[Depends(require(Action.COMMITTEE_MANAGE))],
)
def draw(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Draw the committee after the deadline, with avoidance; answers the record's SHA-256
    and how many experts each avoidance rule excluded."""
    return committee.draw_committee(uow, services, tender_id)


@router.get("/tenders/{tender_id}/committee", openapi_extra=acts(Action.PUBLIC_READ))
def committee_view(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The committee: pseudonyms for everyone but the centre's operators and supervisors
    until the result is published; the full draw record once the seed is revealed."""
    return committee.committee_of(services, actor, tender_id)


@router.post(
    "/committee-members/{member_id}/response",
    openapi_extra=acts(Action.COMMITTEE_MANAGE),
    dependencies=[Depends(require(Action.COMMITTEE_MANAGE))],
)
def respond(member_id: str, body: ResponseIn, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """A drawn expert's answer; a refusal or absence seats the next standby expert."""
    return committee.respond(uow, services, member_id, body.response, body.note)


@router.post(
    "/tenders/{tender_id}/committee/reveal",
    openapi_extra=acts(Action.COMMITTEE_MANAGE),
    dependencies=[Depends(require(Action.COMMITTEE_MANAGE))],
)
def reveal(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Reveal the seed with the result: the answer is the record `prex experts replay-draw`
    checks."""
    return committee.reveal(uow, services, tender_id)
