"""HTTP API of the tenders context: thin handlers, schema in → command → service → schema out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response, StreamingResponse

from prex.identity.policy import Action, Actor, is_allowed
from prex.shared.errors import InvalidInput
from prex.tenders import service
from prex.tenders.model import DocumentKind, Tender, TenderStatus, TransactionType
from prex.tenders.queries import TenderFilter, list_public_tenders
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts, require
from prex.web.openapi_problems import STORED_MEDIA_TYPE
from prex.web.schemas.tenders import (
    AmendmentCreate,
    AnswerCreate,
    CancelRequest,
    EnquiryCreate,
    ProjectCreate,
    ProjectPublic,
    TenderCreate,
    TenderPage,
    TenderPublic,
    TenderSummary,
    TenderUpdate,
)
from prex.web.uploads import store_document

router = APIRouter(tags=["tenders"])


def view_for(tender: Tender, actor: Actor) -> TenderPublic:
    """Parties and the centre see every enquiry; a bidder its own; the public published ones."""
    resource = service.tender_resource(tender)
    if is_allowed(actor, Action.ENQUIRY_ANSWER, resource) or (
        actor.roles and is_allowed(actor, Action.TENDER_READ_DRAFT, resource)
    ):
        return TenderPublic.of(tender, private_enquiries_for=True)
    return TenderPublic.of(tender, private_enquiries_for=actor.org_id)


@router.post(
    "/projects",
    status_code=201,
    response_model=ProjectPublic,
    openapi_extra=acts(Action.PROJECT_CREATE),
    dependencies=[Depends(require(Action.PROJECT_CREATE))],
)
def register_project(body: ProjectCreate, uow: UowDep) -> ProjectPublic:
    project = service.register_project(uow, service.RegisterProject(**body.model_dump()))
    return ProjectPublic.model_validate(project, from_attributes=True)


@router.post(
    "/tenders",
    status_code=201,
    response_model=TenderPublic,
    openapi_extra=acts(Action.TENDER_CREATE),
    dependencies=[Depends(require(Action.TENDER_CREATE))],
)
def create_tender(
    body: TenderCreate, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> TenderPublic:
    data = body.model_dump()
    data["sections"] = [s.model_dump() for s in body.sections]
    data["rule_pack_id"] = data.pop("rule_pack")
    data["invitee_org_ids"] = tuple(data["invitee_org_ids"])
    tender = service.create_tender(
        uow,
        services.rule_packs,
        service.CreateTender(**data),
        sandbox_acceleration=services.settings.sandbox_acceleration,
    )
    return view_for(tender, actor)


@router.get(
    "/tenders",
    response_model=TenderPage,
    openapi_extra=acts(Action.PUBLIC_READ),
)
def list_tenders(
    services: ServicesDep,
    transaction_type: TransactionType | None = None,
    region: Annotated[str | None, Query(pattern=r"^[1-9]\d{5}$")] = None,
    status: TenderStatus | None = None,
    published_from: datetime | None = None,
    published_to: datetime | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sandbox: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Public tenders, newest first; follow ``next_cursor`` for the next page."""
    flt = TenderFilter(
        transaction_type=transaction_type,
        region=region,
        status=status,
        published_from=published_from,
        published_to=published_to,
        text=q.strip() if q and q.strip() else None,
        sandbox=sandbox,
    )
    with services.read_connection() as conn:
        page = list_public_tenders(conn, flt, limit=limit, cursor=cursor)
    body = TenderPage(
        items=[TenderSummary.model_validate(item) for item in page.items],
        next_cursor=page.next_cursor,
    )
    # The hottest public route: serialise once (pydantic-core) instead of letting FastAPI
    # validate the response model a second time; the schema stays documented above.
    return Response(body.model_dump_json(), media_type="application/json")


@router.get(
    "/tenders/{tender_id}",
    response_model=TenderPublic,
    openapi_extra=acts(Action.PUBLIC_READ),
)
def get_tender(tender_id: str, uow: UowDep, actor: ActorDep) -> TenderPublic:
    return view_for(service.get_tender_for(uow, tender_id), actor)


@router.patch(
    "/tenders/{tender_id}",
    response_model=TenderPublic,
    openapi_extra=acts(Action.TENDER_EDIT),
    dependencies=[Depends(require(Action.TENDER_EDIT))],
)
def edit_tender(tender_id: str, body: TenderUpdate, uow: UowDep, actor: ActorDep) -> TenderPublic:
    changes = body.model_dump(exclude_unset=True)
    sections = changes.pop("sections", None)
    if not changes and sections is None:
        raise InvalidInput("nothing to change")
    if sections is not None and body.sections is not None:
        sections = [s.model_dump() for s in body.sections]
    for name in list(changes):
        if changes[name] is None and name not in ("documents_from",):
            raise InvalidInput(f"'{name}' cannot be emptied", field=name)
    tender = service.edit_tender(uow, tender_id, changes, sections)
    return view_for(tender, actor)


@router.post(
    "/tenders/{tender_id}/documents",
    status_code=201,
    response_model=TenderPublic,
    openapi_extra=acts(Action.DOCUMENT_UPLOAD),
    dependencies=[Depends(require(Action.DOCUMENT_UPLOAD))],
)
def upload_document(
    tender_id: str,
    file: UploadFile,
    uow: UowDep,
    services: ServicesDep,
    actor: ActorDep,
    kind: DocumentKind = DocumentKind.TENDER_DOCUMENTS,
) -> TenderPublic:
    """Attach a document to a draft (multipart ``file``; ``kind`` as a query parameter)."""
    service.check_document_upload(services.uow(actor), tender_id)
    document = store_document(services, file, kind)
    return view_for(service.attach_document(uow, tender_id, document), actor)


@router.get(
    "/tenders/{tender_id}/documents/{document_id}",
    openapi_extra=acts(Action.PUBLIC_READ),
    response_class=StreamingResponse,
    responses=STORED_MEDIA_TYPE,
)
def download_document(
    tender_id: str, document_id: str, uow: UowDep, services: ServicesDep
) -> StreamingResponse:
    """The document's bytes; ``X-Content-SHA256`` carries the digest to check them against."""
    tender = service.get_tender_for(uow, tender_id)
    document = tender.document(document_id)
    quoted = document.filename.replace("\\", "_").replace('"', "_")
    return StreamingResponse(
        services.blobs.iter_bytes(document.sha256),
        media_type=document.media_type,
        headers={
            "Content-Length": str(document.size),
            "X-Content-SHA256": document.sha256,
            "Content-Disposition": (
                f'attachment; filename="{quoted.encode("ascii", "replace").decode()}"; '
                f"filename*=UTF-8''{quote(document.filename)}"
            ),
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post(
    "/tenders/{tender_id}/publish",
    response_model=TenderPublic,
    openapi_extra=acts(Action.TENDER_PUBLISH),
    dependencies=[Depends(require(Action.TENDER_PUBLISH))],
)
def publish_tender(
    tender_id: str, uow: UowDep, services: ServicesDep, actor: ActorDep
) -> TenderPublic:
    return view_for(service.publish_tender(uow, services.rule_packs, tender_id), actor)


@router.post(
    "/tenders/{tender_id}/amendments",
    status_code=201,
    response_model=TenderPublic,
    openapi_extra=acts(Action.TENDER_AMEND),
    dependencies=[Depends(require(Action.TENDER_AMEND))],
)
def issue_amendment(
    tender_id: str,
    body: Annotated[AmendmentCreate, Form()],
    uow: UowDep,
    services: ServicesDep,
    actor: ActorDep,
    files: Annotated[list[UploadFile], File()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> TenderPublic:
    """Issue a clarification or amendment (multipart form; ``files`` are the changed documents).
    One that affects bids with less than the rule pack's notice left must move the deadline
    (``new_deadline``) or is refused naming the rule."""
    documents = []
    if files:
        service.check_amendment(services.uow(actor), tender_id)
        documents = [store_document(services, f, DocumentKind.CLARIFICATION) for f in files]
    tender = service.issue_amendment(
        uow,
        services.rule_packs,
        service.IssueAmendment(
            tender_id, body.kind, body.text, body.affects_bids, body.new_deadline
        ),
        documents,
    )
    return view_for(tender, actor)


@router.post(
    "/tenders/{tender_id}/cancel",
    response_model=TenderPublic,
    openapi_extra=acts(Action.TENDER_CANCEL),
    dependencies=[Depends(require(Action.TENDER_CANCEL))],
)
def cancel_tender(
    tender_id: str, body: CancelRequest, uow: UowDep, actor: ActorDep
) -> TenderPublic:
    return view_for(service.cancel_tender(uow, tender_id, body.reason), actor)


@router.post(
    "/tenders/{tender_id}/obtain",
    response_model=TenderPublic,
    openapi_extra=acts(Action.DOCUMENT_OBTAIN),
    dependencies=[Depends(require(Action.DOCUMENT_OBTAIN))],
)
def obtain_documents(tender_id: str, uow: UowDep, actor: ActorDep) -> TenderPublic:
    """A bidder obtains the documents (获取招标文件) and is told of every later change."""
    return view_for(service.obtain_documents(uow, tender_id), actor)


@router.post(
    "/tenders/{tender_id}/enquiries",
    status_code=201,
    openapi_extra=acts(Action.ENQUIRY_ASK),
    dependencies=[Depends(require(Action.ENQUIRY_ASK))],
)
def ask(tender_id: str, body: EnquiryCreate, uow: UowDep, services: ServicesDep) -> dict[str, str]:
    enquiry_id = service.ask_question(uow, services.rule_packs, tender_id, body.kind, body.text)
    return {"id": enquiry_id}


@router.post(
    "/tenders/{tender_id}/enquiries/{enquiry_id}/answer",
    response_model=TenderPublic,
    openapi_extra=acts(Action.ENQUIRY_ANSWER),
    dependencies=[Depends(require(Action.ENQUIRY_ANSWER))],
)
def answer(
    tender_id: str, enquiry_id: str, body: AnswerCreate, uow: UowDep, actor: ActorDep
) -> TenderPublic:
    tender = service.answer_question(uow, tender_id, enquiry_id, body.text, publish=body.publish)
    return view_for(tender, actor)
