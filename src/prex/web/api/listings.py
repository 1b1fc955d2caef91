"""HTTP API of listings and auctions' set-up: drafting, announcing and cancelling a listing,
its documents, bidders' registrations and their review, deposits (by hand or from a bank
statement), and the declaration for the timed round. Bidding itself: ``auction_bids``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from prex.auctions import deposits, listing_views, listings, registration
from prex.identity.policy import Action
from prex.shared.blobs import TooLarge
from prex.shared.upload_checks import UploadLimits, check_bytes
from prex.web.deps import MAX_OFFSET, ActorDep, ServicesDep, UowDep, acts, require
from prex.web.openapi_problems import STORED_MEDIA_TYPE
from prex.web.uploads import chunks

router = APIRouter(tags=["auctions"])
MAX_STATEMENT_BYTES = 8 * 1024 * 1024
AMOUNT = r"^\d{1,13}(\.\d{1,2})?$"


class PreEmptionIn(BaseModel):
    """A holder of a pre-emption right (优先购买权) in a state property transfer."""

    model_config = ConfigDict(extra="forbid")
    holder: str = Field(min_length=1, max_length=200)
    basis: str = Field(default="", max_length=500)


class ConditionsIn(BaseModel):
    """Who may bid (竞买人资格) as announced, and the pre-emption right holders if any."""

    model_config = ConfigDict(extra="forbid")
    eligibility: str = Field(min_length=1, max_length=4000)
    pre_emption: list[PreEmptionIn] = Field(default_factory=list, max_length=50)

    def to_domain(self) -> listings.Conditions:
        return listings.conditions(self.eligibility, [p.model_dump() for p in self.pre_emption])


class ListingCreate(BaseModel):
    """A draft listing. Amounts are decimal strings in yuan (two places at most); the reserve
    is sealed on arrival and never answered."""

    model_config = ConfigDict(extra="forbid")
    rule_pack_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    asset: dict[str, Any]
    conditions: ConditionsIn
    seller_org_id: str = Field(min_length=1, max_length=26)
    start_price: str = Field(max_length=24)
    increment: str = Field(max_length=24)
    deposit: str = Field(max_length=24)
    reserve: str | None = Field(default=None, max_length=24)
    opens_at: AwareDatetime
    listing_ends_at: AwareDatetime | None = None
    centre_id: str | None = Field(default=None, max_length=26)


class ListingUpdate(BaseModel):
    """Only the fields given change (a draft only); ``reserve: null`` removes the reserve."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    asset: dict[str, Any] | None = None
    conditions: ConditionsIn | None = None
    seller_org_id: str | None = Field(default=None, min_length=1, max_length=26)
    start_price: str | None = Field(default=None, max_length=24)
    increment: str | None = Field(default=None, max_length=24)
    deposit: str | None = Field(default=None, max_length=24)
    reserve: str | None = Field(default=None, max_length=24)
    opens_at: AwareDatetime | None = None
    listing_ends_at: AwareDatetime | None = None


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class ApplicationIn(BaseModel):
    """The bidder's signature (base64 DER CMS, or PEM) over ``application_bytes`` —
    ``{"act":"listing-registration","listing_id":…,"org_uscc":…}`` as canonical JSON."""

    model_config = ConfigDict(extra="forbid")
    signature: str = Field(min_length=1, max_length=100_000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: str = Field(pattern="^(approve|refuse)$")
    reason: str | None = Field(default=None, max_length=2000)


class DepositIn(BaseModel):
    """A deposit confirmed by hand from the bank's receipt."""

    model_config = ConfigDict(extra="forbid")
    payer_name: str = Field(min_length=1, max_length=200)
    payer_account: str = Field(min_length=1, max_length=64)
    amount: str = Field(pattern=AMOUNT)
    reference: str = Field(min_length=1, max_length=64)


@router.post(
    "/listings",
    status_code=201,
    openapi_extra=acts(Action.LISTING_MANAGE),
    dependencies=[Depends(require(Action.LISTING_MANAGE))],
)
def create(body: ListingCreate, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Draft a listing or an auction in the operator's centre; kind, method and countdown
    come from the rule pack. Answers the centre's view (no reserve, only its commitment)."""
    draft = listings.ListingDraft(
        rule_pack_id=body.rule_pack_id,
        title=body.title,
        asset=body.asset,
        conditions=body.conditions.to_domain(),
        seller_org_id=body.seller_org_id,
        start_price=body.start_price,
        increment=body.increment,
        deposit=body.deposit,
        opens_at=body.opens_at,
        listing_ends_at=body.listing_ends_at,
        reserve=body.reserve,
        centre_id=body.centre_id,
    )
    return listings.create_listing(uow, services, draft)


@router.get("/listings", openapi_extra=acts(Action.PUBLIC_READ))
def list_listings(
    actor: ActorDep,
    services: ServicesDep,
    status: str | None = Query(default=None, max_length=16),
    kind: str | None = Query(default=None, max_length=16),
    limit: int = Query(default=50, ge=1, le=200),
    offset: int = Query(default=0, ge=0, le=MAX_OFFSET),
) -> list[dict[str, Any]]:
    """Announced listings and auctions (the centre's operators also see their drafts)."""
    return listing_views.public_listings(
        services, actor, status=status, kind=kind, limit=limit, offset=offset
    )


@router.get("/listings/{listing_id}", openapi_extra=acts(Action.PUBLIC_READ))
def get_listing(listing_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The listing: never the reserve before the close, nothing of the bidders (not even how
    many) before the close; the centre's operators and supervisors see the counts."""
    return listing_views.listing_for(services, actor, listing_id)


@router.patch(
    "/listings/{listing_id}",
    openapi_extra=acts(Action.LISTING_MANAGE),
    dependencies=[Depends(require(Action.LISTING_MANAGE))],
)
def edit(
    listing_id: str, body: ListingUpdate, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Change a draft."""
    changes: dict[str, Any] = {name: getattr(body, name) for name in body.model_fields_set}
    if body.conditions is not None:
        changes["conditions"] = body.conditions.to_domain()
    return listings.edit_listing(uow, services, listing_id, changes)


@router.post(
    "/listings/{listing_id}/announce",
    openapi_extra=acts(Action.LISTING_MANAGE),
    dependencies=[Depends(require(Action.LISTING_MANAGE))],
)
def announce(listing_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """Announce a draft, its periods checked against the rule pack (a refusal quotes it)."""
    return listings.announce_listing(uow, services, listing_id)


@router.post(
    "/listings/{listing_id}/cancel",
    openapi_extra=acts(Action.LISTING_MANAGE),
    dependencies=[Depends(require(Action.LISTING_MANAGE))],
)
def cancel(listing_id: str, body: CancelIn, uow: UowDep) -> dict[str, Any]:
    """Cancel (终止) a listing before bidding closes, with the reason."""
    return listings.cancel_listing(uow, listing_id, body.reason)


@router.post(
    "/listings/{listing_id}/documents",
    status_code=201,
    openapi_extra=acts(Action.LISTING_MANAGE),
    dependencies=[Depends(require(Action.LISTING_MANAGE))],
)
def upload_document(
    listing_id: str, file: UploadFile, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> dict[str, Any]:
    """Attach a document to a draft (multipart ``file``); answers its name, SHA-256 and size."""
    listings.check_document_upload(services, actor, listing_id)
    upload = listings.DocumentUpload(file.filename or "", file.content_type or "", chunks(file))
    return listings.attach_document(uow, services, listing_id, upload)


@router.get(
    "/listings/{listing_id}/documents/{document_id}",
    openapi_extra=acts(Action.PUBLIC_READ),
    response_class=StreamingResponse,
    responses=STORED_MEDIA_TYPE,
)
def download_document(
    listing_id: str, document_id: str, actor: ActorDep, services: ServicesDep
) -> StreamingResponse:
    """A document's bytes; ``X-Content-SHA256`` carries the digest to check them against."""
    document = listing_views.document_of(services, actor, listing_id, document_id)
    name = str(document["name"])
    quoted = name.replace("\\", "_").replace('"', "_")
    return StreamingResponse(
        services.blobs.iter_bytes(document["sha256"]),
        media_type=document["media_type"],
        headers={
            "Content-Length": str(document["size"]),
            "X-Content-SHA256": document["sha256"],
            "Content-Disposition": (
                f'attachment; filename="{quoted.encode("ascii", "replace").decode()}"; '
                f"filename*=UTF-8''{quote(name)}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/listings/{listing_id}/registrations",
    status_code=201,
    openapi_extra=acts(Action.LISTING_REGISTER),
    dependencies=[Depends(require(Action.LISTING_REGISTER))],
)
def apply(
    listing_id: str, body: ApplicationIn, uow: UowDep, services: ServicesDep
) -> dict[str, Any]:
    """Apply to bid (竞买申请), signed by a certificate of the bidder's organisation; answers
    the registration with its bidder's number (竞买号)."""
    return registration.apply(uow, services, listing_id, body.signature)


@router.get(
    "/listings/{listing_id}/registrations",
    openapi_extra=acts(Action.LISTING_READ_BIDDERS),
    dependencies=[Depends(require(Action.LISTING_READ_BIDDERS))],
)
def list_registrations(
    listing_id: str, actor: ActorDep, services: ServicesDep
) -> list[dict[str, Any]]:
    """Who registered, with eligibility and deposit (the centre's operators and supervisors)."""
    return registration.registrations_of(services, actor, listing_id)


@router.post(
    "/listings/{listing_id}/registrations/{registration_id}/review",
    openapi_extra=acts(Action.LISTING_REVIEW),
    dependencies=[Depends(require(Action.LISTING_REVIEW))],
)
def review(listing_id: str, registration_id: str, body: ReviewIn, uow: UowDep) -> dict[str, Any]:
    """Approve an application, or refuse it with the reason (资格审查)."""
    return registration.review(uow, registration_id, body.decision, body.reason, listing_id)


@router.post(
    "/listings/{listing_id}/registrations/{registration_id}/deposit",
    openapi_extra=acts(Action.LISTING_REVIEW),
    dependencies=[Depends(require(Action.LISTING_REVIEW))],
)
def confirm_deposit(
    listing_id: str, registration_id: str, body: DepositIn, uow: UowDep
) -> dict[str, Any]:
    """Confirm a deposit by hand from the bank's receipt (the amount at least the deposit;
    the reference unused)."""
    return deposits.confirm_deposit(
        uow,
        registration_id,
        listing_id=listing_id,
        payer_name=body.payer_name,
        payer_account=body.payer_account,
        amount=body.amount,
        reference=body.reference,
    )


@router.post(
    "/listings/{listing_id}/continuing",
    openapi_extra=acts(Action.LISTING_REGISTER),
    dependencies=[Depends(require(Action.LISTING_REGISTER))],
)
def declare_continuing(listing_id: str, uow: UowDep, services: ServicesDep) -> dict[str, Any]:
    """The bidder declares it goes on to the timed round (during the listing period)."""
    return registration.declare_continuing(uow, services, listing_id)


@router.post(
    "/deposits/import",
    openapi_extra=acts(Action.LISTING_REVIEW),
    dependencies=[Depends(require(Action.LISTING_REVIEW))],
)
def import_deposits(
    file: UploadFile,
    uow: UowDep,
    services: ServicesDep,
    format: Annotated[str | None, Form(max_length=64)] = None,
) -> Any:
    """Import a bank statement of the deposit account: every line or none. ``format`` names
    the installed deposit source that reads it (``prex extensions list``; default
    ``statement-csv``, docs/auctions.md). Answers 200 with the lines confirmed and unchanged,
    or 422 with every bad line."""
    source = deposits.source_named(services, format)
    data = file.file.read(MAX_STATEMENT_BYTES + 1)
    if len(data) > MAX_STATEMENT_BYTES:
        raise TooLarge(
            f"a statement is at most {MAX_STATEMENT_BYTES} bytes",
            field="file",
            limit=MAX_STATEMENT_BYTES,
        )
    check_bytes(
        data,
        filename=file.filename or "statement",
        media_type=file.content_type or "",
        limits=UploadLimits.from_settings(services.settings, MAX_STATEMENT_BYTES),
    )
    report = deposits.import_statement(uow, data, source)
    if not report.ok:
        raise deposits.StatementRefused(report)
    return report.to_json()
