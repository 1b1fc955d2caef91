"""HTTP API of the bidding context: opening custodians, bid parameters, sealed bids (in one
request or as a resumable upload), receipts, the deadline commitment and bid bond records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from prex.bidding import uploads
from prex.bidding.bonds import BondKind, BondView, RecordBond, bonds_of, record_bond, remove_bond
from prex.bidding.commitment import commitment_of
from prex.bidding.custodians import custodians_of, register_custodian, remove_custodian
from prex.bidding.opening_keys import bid_parameters, sign_parameters
from prex.bidding.submissions import (
    Received,
    bids_of,
    envelope_limit,
    receive_envelope,
    withdraw_bid,
)
from prex.envelope.container import Digester
from prex.identity.policy import Action, Resource, authorize
from prex.pki.certs import pem_or_base64
from prex.shared.errors import NotFound
from prex.shared.upload_checks import (
    HEAD,
    MAGIC,
    StreamCheck,
    UploadLimits,
    UploadRefused,
    sniff,
)
from prex.tenders.model import TenderStatus
from prex.tenders.service import get_tender_for
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.web.schemas.common import Yuan

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
    with the same Idempotency-Key returns the same receipt (200). The body passes the upload
    checks while it arrives: an envelope by its first bytes and its framing (415/422
    ``upload-refused``), at most the tender's envelope size (413 ``too-large``)."""
    limit = await run_in_threadpool(envelope_limit, services, uow.actor, tender_id)
    check = StreamCheck(
        filename=None,
        media_type=request.headers.get("content-type", ""),
        limits=UploadLimits.from_settings(services.settings, min(limit, MAX_UPLOAD_MB << 20)),
        expect="envelope",
    )
    path = services.blobs.spool_path()
    digester = Digester()  # the file's and the payload's SHA-256, as the bytes arrive
    size = 0
    try:
        with path.open("wb") as spool:
            async for chunk in request.stream():
                check.feed(chunk)
                size += len(chunk)
                digester.update(chunk)
                spool.write(chunk)
        check.finish()
        received = await run_in_threadpool(
            receive_envelope,
            uow,
            services,
            tender_id=tender_id,
            idempotency_key=idempotency_key,
            upload=path,
            digest=(digester.whole.hexdigest(), size),
            payload_sha256=digester.payload_sha256,
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


# ---------------------------------------------------------------------------------------------
# Resumable uploads (docs/envelope-format.md, "Resumable upload")
# ---------------------------------------------------------------------------------------------


class UploadCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    length: int = Field(gt=0, description="the envelope's size in bytes")
    sha256: str = Field(
        pattern="^[0-9a-fA-F]{64}$", description="hex SHA-256 of the whole envelope"
    )


class UploadPublic(BaseModel):
    id: str
    tender_id: str
    idempotency_key: str
    length: int
    offset: int = Field(description="bytes the server holds; append from here")
    sha256: str
    status: uploads.UploadStatus
    created_at: datetime
    expires_at: datetime
    receipt: dict[str, Any] | None = Field(description="once complete: the bid's receipt")


def _upload_headers(state: uploads.UploadState) -> dict[str, str]:
    return {
        "Location": f"/api/v1/uploads/{state.id}",
        "Upload-Offset": str(state.offset),
        "Upload-Length": str(state.length),
        "Upload-Expires": state.expires_at.isoformat(),
        "Cache-Control": "no-store",
    }


def _upload_public(state: uploads.UploadState) -> UploadPublic:
    return UploadPublic(**{f: getattr(state, f) for f in UploadPublic.model_fields})


@router.post(
    "/tenders/{tender_id}/uploads",
    response_model=UploadPublic,
    status_code=201,
    openapi_extra=acts(Action.BID_SUBMIT),
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
def create_upload(
    tender_id: str,
    body: UploadCreate,
    response: Response,
    uow: UowDep,
    services: ServicesDep,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
) -> UploadPublic:
    """Start a resumable upload of an envelope (201), or find the one already started under
    this Idempotency-Key (200: append from its ``offset``; once complete it carries the
    receipt)."""
    state, created = uploads.create_upload(
        uow,
        services,
        tender_id=tender_id,
        idempotency_key=idempotency_key,
        length=body.length,
        sha256=body.sha256,
    )
    response.status_code = 201 if created else 200
    response.headers.update(_upload_headers(state))
    return _upload_public(state)


@router.get(
    "/uploads/{upload_id}",
    response_model=UploadPublic,
    openapi_extra=acts(Action.BID_SUBMIT),
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
def get_upload(
    upload_id: str, response: Response, actor: ActorDep, services: ServicesDep
) -> UploadPublic:
    """Your organisation's upload: where to resume (``offset``), and the receipt once done."""
    state = uploads.upload_state(services, actor, upload_id)
    response.headers.update(_upload_headers(state))
    return _upload_public(state)


@router.head(
    "/uploads/{upload_id}",
    openapi_extra=acts(Action.BID_SUBMIT),
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
def head_upload(upload_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    """The offset to resume from, as headers only (``Upload-Offset``, ``Upload-Length``)."""
    state = uploads.upload_state(services, actor, upload_id)
    return Response(status_code=200, headers=_upload_headers(state))


@router.patch(
    "/uploads/{upload_id}",
    status_code=204,
    openapi_extra={
        **acts(Action.BID_SUBMIT),
        "requestBody": {"content": {uploads.OFFSET_MEDIA_TYPE: {"schema": _BINARY}}},
    },
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
async def append_to_upload(
    upload_id: str,
    request: Request,
    uow: UowDep,
    actor: ActorDep,
    services: ServicesDep,
    upload_offset: Annotated[int, Header(alias="Upload-Offset", ge=0)],
) -> Response:
    """Append the body (``application/offset+octet-stream``) at ``Upload-Offset``, which must be
    the server's offset. 204 with the new ``Upload-Offset`` while bytes are missing; when the
    last byte is in, the envelope is checked and received exactly as by `POST …/bids`, and the
    answer is the receipt (201, or 200 when it was received before). An empty append at the
    full length asks again for the receipt."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != uploads.OFFSET_MEDIA_TYPE:
        raise uploads.UnsupportedUploadMedia(
            f"an append's body is {uploads.OFFSET_MEDIA_TYPE}, not '{media or 'none'}'",
            field="Content-Type",
        )
    declared = request.headers.get("content-length")
    body_length = int(declared) if declared and declared.isdigit() else None
    opened = await run_in_threadpool(
        uploads.begin_append, services, actor, upload_id, upload_offset, body_length
    )
    if isinstance(opened, dict):  # complete already: the receipt again
        return JSONResponse(opened, status_code=200, headers={"Upload-Offset": str(upload_offset)})
    appender = opened
    first = upload_offset == 0  # an envelope's first bytes are its magic: checked on arrival
    try:
        try:
            async for chunk in request.stream():
                if first and chunk:
                    first = False
                    _refuse_unless_envelope(chunk)
                appender.write(chunk)
                if appender.checkpoint_due:
                    await run_in_threadpool(appender.commit)
        except ClientDisconnect:  # keep what arrived: the client resumes from there
            await run_in_threadpool(appender.commit)
            return Response(status_code=400)  # nobody is listening
        await run_in_threadpool(appender.commit)
        offset = {"Upload-Offset": str(appender.committed), "Cache-Control": "no-store"}
        if not appender.finished:
            return Response(status_code=204, headers=offset)
        received: Received = await run_in_threadpool(appender.complete, uow)
    finally:
        await run_in_threadpool(appender.close)
    return JSONResponse(
        received.receipt, status_code=200 if received.replayed else 201, headers=offset
    )


def _refuse_unless_envelope(head: bytes) -> None:
    magic = MAGIC["envelope"][0]
    if head[: len(magic)] != magic[: len(head)]:
        raise UploadRefused(
            "type",
            "the upload is not a prex sealed envelope (docs/envelope-format.md): "
            "its first bytes are not the envelope's",
            declared="envelope",
            sniffed=sniff(head[:HEAD]),
        )


@router.delete(
    "/uploads/{upload_id}",
    status_code=204,
    openapi_extra=acts(Action.BID_SUBMIT),
    dependencies=[Depends(require(Action.BID_SUBMIT))],
)
def abandon_upload(upload_id: str, actor: ActorDep, services: ServicesDep) -> None:
    """Abandon an upload and delete its bytes (a bid it already became stays)."""
    uploads.abandon_upload(services, actor, upload_id)


# ---------------------------------------------------------------------------------------------
# Bid bonds
# ---------------------------------------------------------------------------------------------


class BondRecord(BaseModel):
    """How the bond was provided; the fields of the other kinds are absent."""

    model_config = ConfigDict(extra="forbid")
    kind: BondKind
    amount: Yuan = Field(description='yuan, as a string such as "240000.00"')
    payer_account_name: str | None = Field(None, max_length=200, description="cash: 户名")
    payer_account_number: str | None = Field(None, max_length=64, description="cash: 账号")
    payer_bank: str | None = Field(None, max_length=200, description="cash: 开户行")
    guarantor: str | None = Field(None, max_length=200, description="bank, platform or insurer")
    guarantee_number: str | None = Field(None, max_length=100, description="保函/保单编号")
    valid_from: date | None = None
    valid_until: date | None = Field(None, description="must cover the bid deadline")


class BondPublic(BaseModel):
    id: str
    tender_id: str
    section_id: str
    bidder_org_id: str
    bidder_name: str
    bidder_uscc: str
    kind: BondKind
    amount: Yuan
    payer_account_name: str | None
    payer_account_number: str | None = Field(description="digits only (normalised)")
    payer_bank: str | None
    guarantor: str | None
    guarantee_number: str | None
    valid_from: date | None
    valid_until: date | None
    recorded_at: datetime
    updated_at: datetime


def _bond_public(view: BondView) -> BondPublic:
    return BondPublic(**{f: getattr(view, f) for f in BondPublic.model_fields})


@router.put(
    "/tenders/{tender_id}/bonds/{section_id}",
    response_model=Created,
    status_code=201,
    openapi_extra=acts(Action.BOND_RECORD),
    dependencies=[Depends(require(Action.BOND_RECORD))],
)
def put_bond(
    tender_id: str,
    section_id: str,
    body: BondRecord,
    response: Response,
    uow: UowDep,
    services: ServicesDep,
) -> Created:
    """Record (201) or change (200) how your organisation provided its bid bond for this
    section, until the bid deadline."""
    bond_id, created = record_bond(
        uow, services, RecordBond(tender_id=tender_id, section_id=section_id, **body.model_dump())
    )
    response.status_code = 201 if created else 200
    return Created(id=bond_id)


@router.delete(
    "/tenders/{tender_id}/bonds/{section_id}",
    status_code=204,
    openapi_extra=acts(Action.BOND_RECORD),
    dependencies=[Depends(require(Action.BOND_RECORD))],
)
def delete_bond(tender_id: str, section_id: str, uow: UowDep, services: ServicesDep) -> None:
    """Remove your organisation's bond record for this section, until the bid deadline."""
    remove_bond(uow, services, tender_id, section_id)


@router.get(
    "/tenders/{tender_id}/bonds",
    response_model=list[BondPublic],
    openapi_extra=acts(Action.BOND_READ),
    dependencies=[Depends(require(Action.BOND_READ))],
)
def list_bonds(tender_id: str, actor: ActorDep, services: ServicesDep) -> list[BondPublic]:
    """The tender's bond records: every bidder's for an operator of the tender's centre, your
    own organisation's for a bidder. Confidential before the opening."""
    return [_bond_public(v) for v in bonds_of(services, actor, tender_id)]
