"""HTTP API of the evaluation room: the centre starts, pauses, resumes and completes it; the
sitting committee members submit their sheets, justify deviations and decide explanations; the
room (every figure, members by pseudonym) for them and the centre, also live over a WebSocket;
the result for everyone."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, Depends, WebSocket, WebSocketDisconnect
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from prex.award import reporting
from prex.evaluation import assistance, entries, service
from prex.evaluation.access import MAX_TEXT
from prex.evaluation.documents import room_with_documents
from prex.identity.policy import Action
from prex.shared.errors import DomainError
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, connection_actor, require

router = APIRouter(tags=["evaluation"])
#: How often a room's WebSocket looks for a change (any server process may have made it).
POLL_SECONDS = 1.0
#: The longest silence on a room's WebSocket: clients keep the server's clock from it.
QUIET_SECONDS = 10.0
#: WebSocket close codes of the refusals (4000 + the HTTP status otherwise).
_CLOSE = {401: 4403, 403: 4403, 404: 4404}

_ID = Field(min_length=1, max_length=64)
_TEXT = Field(default="", max_length=MAX_TEXT)


class MarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bid_id: str = _ID
    item: str = _ID
    passed: bool
    reason: str = _TEXT  # required for a fail


class ReviewIn(BaseModel):
    """A member's whole review sheet: every opened bid × every review item."""

    model_config = ConfigDict(extra="forbid")
    marks: list[MarkIn] = Field(max_length=20000)


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bid_id: str = _ID
    criterion: str = _ID
    score: str = Field(min_length=1, max_length=16, pattern=r"^[0-9]+(\.[0-9]{1,4})?$")


class ScoresIn(BaseModel):
    """A member's whole score sheet: every valid bid × every subjective criterion."""

    model_config = ConfigDict(extra="forbid")
    scores: list[ScoreIn] = Field(max_length=20000)


class JustificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bid_id: str = _ID
    criterion: str = _ID
    reason: str = Field(min_length=1, max_length=MAX_TEXT)


class DecisionIn(BaseModel):
    """The bidder's explanation as received, and the committee's decision on it."""

    model_config = ConfigDict(extra="forbid")
    explanation: str = Field(min_length=1, max_length=MAX_TEXT)
    accepted: bool
    reason: str = _TEXT  # required when not accepted


class PauseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=MAX_TEXT)


_BASE = "/tenders/{tender_id}/evaluation"


@router.post(
    _BASE,
    status_code=201,
    openapi_extra=acts(Action.EVALUATION_MANAGE),
    dependencies=[Depends(require(Action.EVALUATION_MANAGE))],
)
def start(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Open the room after the opening record is published; answers the coefficient drawn."""
    return service.start_evaluation(uow, services, tender_id)


@router.get(_BASE, openapi_extra=acts(Action.EVALUATION_READ))
def room(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The room as computed now: errors, deviations, low bids, the provisional ranking."""
    return service.room_of(services, actor, tender_id)


@router.websocket(f"{_BASE}/live")
async def room_live(websocket: WebSocket, tender_id: str) -> None:
    """The room, live, as ``GET`` gives it to the same reader (with the opened bids' documents
    and ``server_time``): on connect, whenever anything changes (looked for once a second), and
    at least every 10 s. A reader who may not see the room — or no longer, a member replaced —
    gets the refusal and the socket is closed (4403; 4404 for no such tender or evaluation).
    Read-only: entries go through the PUT and POST routes."""
    services = websocket.app.state.services
    actor = await run_in_threadpool(connection_actor, websocket, services)
    await websocket.accept()
    last: str | None = None
    quiet = 0.0
    try:
        while True:
            try:
                state = await run_in_threadpool(room_with_documents, services, actor, tender_id)
            except DomainError as exc:
                await websocket.send_json({"error": exc.slug, "detail": str(exc)})
                await websocket.close(code=_CLOSE.get(exc.status, 4000 + exc.status))
                return
            changed = json.dumps({k: v for k, v in state.items() if k != "server_time"})
            if changed != last or quiet >= QUIET_SECONDS:
                await websocket.send_json(state)
                last, quiet = changed, 0.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(websocket.receive_text(), timeout=POLL_SECONDS)
            quiet += POLL_SECONDS
    except WebSocketDisconnect:
        return


@router.post(
    f"{_BASE}/pause",
    openapi_extra=acts(Action.EVALUATION_MANAGE),
    dependencies=[Depends(require(Action.EVALUATION_MANAGE))],
)
def pause(tender_id: str, body: PauseIn, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    return service.pause_evaluation(uow, services, tender_id, body.reason)


@router.post(
    f"{_BASE}/resume",
    openapi_extra=acts(Action.EVALUATION_MANAGE),
    dependencies=[Depends(require(Action.EVALUATION_MANAGE))],
)
def resume(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    return service.resume_evaluation(uow, services, tender_id)


@router.post(
    f"{_BASE}/complete",
    openapi_extra=acts(Action.EVALUATION_MANAGE),
    dependencies=[Depends(require(Action.EVALUATION_MANAGE))],
)
def complete(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Freeze the result; a problem listing what is missing until ``evaluate`` says complete."""
    return service.complete_evaluation(uow, services, tender_id)


@router.put(
    f"{_BASE}/review",
    openapi_extra=acts(Action.EVALUATION_SCORE),
    dependencies=[Depends(require(Action.EVALUATION_SCORE))],
)
def put_review(
    tender_id: str, body: ReviewIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return entries.submit_review(uow, services, tender_id, [m.model_dump() for m in body.marks])


@router.put(
    f"{_BASE}/scores",
    openapi_extra=acts(Action.EVALUATION_SCORE),
    dependencies=[Depends(require(Action.EVALUATION_SCORE))],
)
def put_scores(
    tender_id: str, body: ScoresIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return entries.submit_scores(uow, services, tender_id, [s.model_dump() for s in body.scores])


@router.post(
    f"{_BASE}/justifications",
    openapi_extra=acts(Action.EVALUATION_SCORE),
    dependencies=[Depends(require(Action.EVALUATION_SCORE))],
)
def justify(
    tender_id: str, body: JustificationIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return entries.justify_deviation(
        uow, services, tender_id, body.bid_id, body.criterion, body.reason
    )


@router.post(
    f"{_BASE}/explanations/{{bid_id}}/request",
    openapi_extra=acts(Action.EVALUATION_SCORE),
    dependencies=[Depends(require(Action.EVALUATION_SCORE))],
)
def request_explanation(
    tender_id: str, bid_id: str, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return entries.request_explanation(uow, services, tender_id, bid_id)


@router.post(
    f"{_BASE}/explanations/{{bid_id}}/decision",
    openapi_extra=acts(Action.EVALUATION_SCORE),
    dependencies=[Depends(require(Action.EVALUATION_SCORE))],
)
def decide_explanation(
    tender_id: str, bid_id: str, body: DecisionIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    return entries.decide_explanation(
        uow, services, tender_id, bid_id, body.explanation, body.accepted, body.reason
    )


class GrantIn(BaseModel):
    """The machine client (registered with scope evaluation.read) the committee lets in."""

    model_config = ConfigDict(extra="forbid")
    client_id: str = Field(min_length=1, max_length=64)


@router.get(
    f"{_BASE}/advice",
    openapi_extra=acts(Action.EVALUATION_READ),
    dependencies=[Depends(require(Action.EVALUATION_READ))],
)
def advice(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """What the installed evaluation assistants point out in the opened bids (price check …):
    advice for the committee and the centre, never a change to any score."""
    return assistance.advice_of(services, actor, tender_id)


@router.get(
    f"{_BASE}/assistants",
    openapi_extra=acts(Action.EVALUATION_READ),
    dependencies=[Depends(require(Action.EVALUATION_READ))],
)
def assistant_grants(
    tender_id: str, actor: ActorDep, services: ServicesDep
) -> list[dict[str, Any]]:
    """The outside tools the committee let read the opened bids, revoked ones included."""
    return assistance.grants_of(services, actor, tender_id)


@router.post(
    f"{_BASE}/assistants",
    status_code=201,
    openapi_extra=acts(Action.EVALUATION_ASSIST_GRANT),
    dependencies=[Depends(require(Action.EVALUATION_ASSIST_GRANT))],
)
def grant_assistant(
    tender_id: str, body: GrantIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """A sitting member lets a machine client read this tender's opened bids (audited)."""
    return assistance.grant(uow, services, tender_id, body.client_id)


@router.delete(
    f"{_BASE}/assistants/{{client_id}}",
    status_code=204,
    openapi_extra=acts(Action.EVALUATION_ASSIST_GRANT),
    dependencies=[Depends(require(Action.EVALUATION_ASSIST_GRANT))],
)
def revoke_assistant(tender_id: str, client_id: str, uow: UowDep, services: ServicesDep) -> None:
    """A sitting member ends a client's grant (audited); its next read is refused."""
    assistance.revoke(uow, services, tender_id, client_id)


@router.get(f"{_BASE}/opened-bids", openapi_extra=acts(Action.EVALUATION_ASSIST_READ))
def opened_bids_for_assistant(
    tender_id: str, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    """For a machine client with scope evaluation.read that the committee granted: the opened
    bids of every section as the committee sees them (read-only; never before the opening)."""
    return assistance.client_view(services, actor, tender_id)


@router.get(f"{_BASE}/result", openapi_extra=acts(Action.PUBLIC_READ))
def result(tender_id: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The frozen result: candidates with price and total; no expert and no score sheet.
    Everyone's once the tenderer publishes it; before, only the tender's parties', the
    centre's and the sitting members' (to anyone else it is not there yet: 404)."""
    reporting.check_result_readable(services, actor, tender_id)
    return service.result_of(services, tender_id)
