"""HTTP API of the opening context: the hall's state (also live over a WebSocket), check-in,
share and content-key release, opening, statements, the record, and evaluators' documents."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from prex.envelope.threshold import MAX_SHARES
from prex.identity.policy import Action
from prex.opening import hall
from prex.opening.service import (
    answer_objection,
    check_in,
    make_statement,
    my_share,
    open_bids,
    publish_record,
    published_record,
    read_document,
    release_content_key,
    release_share,
)
from prex.ops.metrics import OPENING_DURATION
from prex.shared.errors import DomainError, InvalidInput
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, connection_actor, require

router = APIRouter(tags=["opening"])
#: How often a hall WebSocket looks for a change (any server process may have made it).
POLL_SECONDS = 1.0


class Escrowed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    escrowed: Annotated[
        str,
        Field(
            min_length=4,
            max_length=4096,
            description="base64 of what `prex opening release` made: the share or content key "
            "encrypted to the platform's opening escrow certificate",
        ),
    ]

    def data(self) -> bytes:
        try:
            return base64.b64decode(self.escrowed, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("escrowed is not base64", field="escrowed") from None


class StatementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern="^(confirmation|objection)$")
    text: str = Field(default="", max_length=2000)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answer: str = Field(min_length=1, max_length=2000)


@router.get("/opening/escrow-certificate", openapi_extra=acts(Action.PUBLIC_READ))
def escrow_certificate(services: ServicesDep) -> dict[str, str]:
    """The platform's opening escrow certificate (PEM) and the platform CA that issued it:
    custodians and bidders encrypt what they release at the opening to it (decision 0009)."""
    keys = services.pki.platform_keys()
    return {
        "certificate": keys.escrow_certificate.pem(),
        "platform_ca": keys.ca_certificate.pem(),
    }


@router.get("/tenders/{tender_id}/opening", openapi_extra=acts(Action.PUBLIC_READ))
def opening_state(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The opening hall as the actor sees it (server time, phase, check-ins, shares released,
    the price reading once opened, statements, the record's digest)."""
    return hall.snapshot(services, actor, tender_id)


@router.websocket("/tenders/{tender_id}/opening/live")
async def opening_live(websocket: WebSocket, tender_id: str) -> None:
    """The hall, live: a snapshot on connect and whenever anything changes (at most once a
    second), and at least every 10 s so clients keep the server's clock. Read-only; actions
    go through the POST routes."""
    services = websocket.app.state.services
    actor = await run_in_threadpool(connection_actor, websocket, services)
    await websocket.accept()
    last: str | None = None
    quiet = 0.0
    try:
        while True:
            try:
                state = await run_in_threadpool(hall.snapshot, services, actor, tender_id)
            except DomainError as exc:
                await websocket.send_json({"error": exc.slug, "detail": str(exc)})
                await websocket.close(code=4404)
                return
            changed = json.dumps({k: v for k, v in state.items() if k != "server_time"})
            if changed != last or quiet >= 10:
                await websocket.send_json(state)
                last, quiet = changed, 0.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(websocket.receive_text(), timeout=POLL_SECONDS)
            quiet += POLL_SECONDS
    except WebSocketDisconnect:
        return


@router.post(
    "/tenders/{tender_id}/opening/check-in",
    status_code=204,
    openapi_extra=acts(Action.OPENING_ATTEND),
    dependencies=[Depends(require(Action.OPENING_ATTEND))],
)
def opening_check_in(tender_id: str, uow: UowDep, services: ServicesDep) -> None:
    """A bidder's representative checks in to the opening hall (签到)."""
    check_in(uow, services, tender_id)


@router.get(
    "/tenders/{tender_id}/opening/my-share",
    openapi_extra=acts(Action.SHARE_RELEASE),
    dependencies=[Depends(require(Action.SHARE_RELEASE))],
)
def opening_my_share(tender_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """A custodian's encrypted share, the commitments and the escrow certificate — what
    `prex opening release` needs to release the share after the deadline."""
    return my_share(services, actor, tender_id)


@router.post(
    "/tenders/{tender_id}/opening/shares/{share_index}",
    openapi_extra=acts(Action.SHARE_RELEASE),
    dependencies=[Depends(require(Action.SHARE_RELEASE))],
)
def opening_release_share(
    tender_id: str,
    share_index: Annotated[int, Path(ge=1, le=MAX_SHARES)],
    body: Escrowed,
    uow: UowDep,
    services: ServicesDep,
) -> dict[str, Any]:
    """Release a custodian's share (after the deadline only; checked against the published
    Feldman commitments)."""
    return release_share(uow, services, tender_id, share_index, body.data())


@router.post(
    "/bids/{bid_id}/content-key",
    status_code=204,
    openapi_extra=acts(Action.OPENING_ATTEND),
    dependencies=[Depends(require(Action.OPENING_ATTEND))],
)
def opening_release_content_key(
    bid_id: str, body: Escrowed, uow: UowDep, services: ServicesDep
) -> None:
    """The bidder decrypts its own bid (where the rule pack allows it), within the window."""
    release_content_key(uow, services, bid_id, body.data())


@router.post(
    "/tenders/{tender_id}/opening/open",
    openapi_extra=acts(Action.OPENING_HOST),
    dependencies=[Depends(require(Action.OPENING_HOST))],
)
async def opening_open(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Open every committed envelope (开标): counts of opened, revoked and withdrawn bids."""
    with OPENING_DURATION.time():
        result: dict[str, Any] = await run_in_threadpool(open_bids, uow, services, tender_id)
    return result


@router.post(
    "/tenders/{tender_id}/opening/statements",
    status_code=201,
    openapi_extra=acts(Action.OPENING_ATTEND),
    dependencies=[Depends(require(Action.OPENING_ATTEND))],
)
def opening_statement(
    tender_id: str, body: StatementIn, uow: UowDep, services: ServicesDep
) -> dict[str, str]:
    """Confirm the price reading, or object to it (answered by the host on the spot)."""
    return {"id": make_statement(uow, services, tender_id, body.kind, body.text)}


@router.post(
    "/opening-statements/{statement_id}/answer",
    status_code=204,
    openapi_extra=acts(Action.OPENING_HOST),
    dependencies=[Depends(require(Action.OPENING_HOST))],
)
def opening_answer(statement_id: str, body: AnswerIn, uow: UowDep, services: ServicesDep) -> None:
    answer_objection(uow, services, statement_id, body.answer)


@router.post(
    "/tenders/{tender_id}/opening/record",
    status_code=201,
    openapi_extra=acts(Action.OPENING_HOST),
    dependencies=[Depends(require(Action.OPENING_HOST))],
)
def opening_publish(tender_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Close the opening: sign, timestamp and publish the record; the tender goes to
    evaluation."""
    return publish_record(uow, services, tender_id)


@router.get("/tenders/{tender_id}/opening-record", openapi_extra=acts(Action.PUBLIC_READ))
def opening_record(tender_id: str, services: ServicesDep) -> dict[str, Any]:
    """The published opening record (`record`), its SHA-256, the platform's detached CMS
    signature over its canonical JSON and the RFC 3161 token over the SHA-256."""
    return published_record(services, tender_id)


@router.get(
    "/bids/{bid_id}/documents/{name:path}",
    openapi_extra={
        **acts(Action.BID_READ_OPENED),
        "responses": {"200": {"content": {"application/octet-stream": {}}}},
    },
    dependencies=[Depends(require(Action.BID_READ_OPENED))],
)
async def opened_document(
    bid_id: str, name: str, actor: ActorDep, services: ServicesDep
) -> StreamingResponse:
    """A document of an opened bid, decrypted as it is streamed (evaluators only)."""
    size, pieces = await run_in_threadpool(read_document, services, actor, bid_id, name)
    return StreamingResponse(
        iterate_in_threadpool(bytes(p) for p in pieces),
        media_type="application/octet-stream",
        headers={"Content-Length": str(size), "Cache-Control": "no-store"},
    )
