"""One tender's manage page and every form that acts on a tender.

The tender's parties edit the draft, upload documents, publish, issue clarifications and
amendments, cancel, and answer enquiries (``/workbench/tenders/{id}/…``); bidders obtain the
documents and ask questions from the public page (``/tenders/{id}/…``). Each form posts, and
then either redirects (303) back to its page with a confirmation, or shows the page again
with the refusal and the values typed, changing nothing (the service's unit of work rolled
back) and answering with the domain error's status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile as StarletteUploadFile

from prex.bootstrap import Services
from prex.identity.policy import Action, Actor, is_allowed
from prex.shared.errors import DomainError
from prex.tenders import service
from prex.tenders.model import (
    AmendmentKind,
    DocumentKind,
    EnquiryKind,
    EvaluationMethod,
)
from prex.web.deps import ActorDep, ServicesDep, UowDep, acts
from prex.web.i18n import N_
from prex.web.pages import forms
from prex.web.pages.common import gate, problem_of, see_other
from prex.web.pages.tender_view import show_tender
from prex.web.uploads import store_document

router = APIRouter(include_in_schema=False)
# Files a party attaches to a draft directly (clarification files come with an amendment).
UPLOAD_KINDS = (DocumentKind.TENDER_DOCUMENTS, DocumentKind.DRAWINGS, DocumentKind.OTHER)


def _manage_url(tender_id: str) -> str:
    return f"/workbench/tenders/{tender_id}"


def _public_url(tender_id: str) -> str:
    return f"/tenders/{tender_id}"


def _act(
    request: Request,
    services: Services,
    actor: Actor,
    tender_id: str,
    *,
    action: Action,
    form: str,
    values: dict[str, Any],
    done: str,
    work: Callable[[], object],
    public: bool = False,
) -> Response:
    """Run one form's ``work``; redirect back on success, or show the page with the refusal.

    ``action`` is the route's declared action (refused early, see :func:`gate`); ``form``
    names the form on the page (its values are shown again, it is shown open); ``public``
    chooses the public page rather than the manage page."""
    page = _public_url(tender_id) if public else _manage_url(tender_id)
    refusal = gate(request, actor, action, page)
    if refusal is not None:
        return refusal
    try:
        work()
    except DomainError as exc:
        tender = service.get_tender_for(services.uow(actor), tender_id)
        pack = services.rule_packs.get(tender.rule_pack_id)
        return show_tender(
            request,
            services,
            actor,
            tender,
            manage=not public,
            problem=problem_of(exc, request, form=form, pack=pack),
            values={form: values},
            status_code=exc.status,
        )
    return see_other(f"{page}?done={done}")


def _chosen(files: list[UploadFile | str]) -> list[UploadFile]:
    """The files actually chosen: an empty file input arrives as an empty string. (Parts are
    Starlette's ``UploadFile``, of which FastAPI's is a subclass, hence the isinstance.)"""
    return [f for f in files if isinstance(f, StarletteUploadFile) and f.filename]


@router.get(
    "/workbench/tenders/{tender_id}",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.TENDER_READ_DRAFT),
)
def manage_page(
    request: Request, tender_id: str, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> Response:
    """The manage page of a tender's parties (and the centre); others see the public page."""
    refusal = gate(request, actor, Action.TENDER_READ_DRAFT)
    if refusal is not None:
        return refusal
    tender = service.get_tender_for(uow, tender_id)
    if not is_allowed(actor, Action.TENDER_READ_DRAFT, service.tender_resource(tender)):
        return see_other(_public_url(tender_id))
    return show_tender(request, services, actor, tender, manage=True)


class DraftForm(BaseModel):
    """The edit form of a draft; ``invitee_org_ids`` is present for invited tenders only."""

    title: str = ""
    description: str = ""
    qualification: str = ""
    evaluation_method: str = EvaluationMethod.COMPREHENSIVE.value
    bid_deadline: str = ""
    documents_until: str = ""
    opening_place: str = ""
    invitee_org_ids: str | None = None
    section_name: list[str] = []
    section_budget: list[str] = []
    section_ceiling_price: list[str] = []
    section_duration_days: list[str] = []


@router.post(
    "/workbench/tenders/{tender_id}/edit",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.TENDER_EDIT),
)
def edit_draft(
    request: Request,
    tender_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    form: Annotated[DraftForm, Form()],
) -> Response:
    """Save the draft's fields and replace its sections."""

    def work() -> None:
        changes: dict[str, Any] = {
            "title": forms.text(form.title, "title", required=True),
            "description": forms.text(
                form.description, "description", max_length=forms.LONG_TEXT_MAX
            ),
            "qualification": forms.text(
                form.qualification, "qualification", max_length=forms.LONG_TEXT_MAX
            ),
            "evaluation_method": forms.choice(
                EvaluationMethod, form.evaluation_method, "evaluation_method"
            ),
            "bid_deadline": forms.required_datetime(form.bid_deadline, "bid_deadline"),
            "documents_until": forms.required_datetime(form.documents_until, "documents_until"),
            "opening_place": forms.text(form.opening_place, "opening_place"),
        }
        if form.invitee_org_ids is not None:
            changes["invitee_org_ids"] = list(
                forms.org_ids(form.invitee_org_ids, "invitee_org_ids")
            )
        sections = forms.sections(
            form.section_name,
            form.section_budget,
            form.section_ceiling_price,
            form.section_duration_days,
        )
        service.edit_tender(uow, tender_id, changes, sections)

    values = form.model_dump(
        exclude={"section_name", "section_budget", "section_ceiling_price", "section_duration_days"}
    )
    values["sections"] = forms.submitted_sections(
        form.section_name,
        form.section_budget,
        form.section_ceiling_price,
        form.section_duration_days,
    )
    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.TENDER_EDIT,
        form="edit",
        values=values,
        done="edited",
        work=work,
    )


@router.post(
    "/workbench/tenders/{tender_id}/documents",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.DOCUMENT_UPLOAD),
)
def upload_document(
    request: Request,
    tender_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    file: Annotated[UploadFile | str, File()] = "",
    kind: Annotated[str, Form()] = DocumentKind.TENDER_DOCUMENTS.value,
) -> Response:
    """Attach a document to the draft (within ``settings.max_document_bytes``)."""

    def work() -> None:
        document_kind = forms.choice(DocumentKind, kind, "kind")
        if document_kind not in UPLOAD_KINDS:
            raise forms.FieldError("kind", N_("%(field)s: choose one of the options."))
        chosen = _chosen([file])
        if not chosen:
            raise forms.FieldError("file", N_("Choose a file to upload."))
        service.check_document_upload(services.uow(actor), tender_id)
        service.attach_document(uow, tender_id, store_document(services, chosen[0], document_kind))

    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.DOCUMENT_UPLOAD,
        form="upload",
        values={"kind": kind},
        done="uploaded",
        work=work,
    )


@router.post(
    "/workbench/tenders/{tender_id}/publish",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.TENDER_PUBLISH),
)
def publish(
    request: Request, tender_id: str, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> Response:
    """Publish the tender announcement (the rule pack's periods are checked)."""
    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.TENDER_PUBLISH,
        form="publish",
        values={},
        done="published",
        work=lambda: service.publish_tender(uow, services.rule_packs, tender_id),
    )


class AmendmentForm(BaseModel):
    kind: str = AmendmentKind.CLARIFICATION.value
    text: str = ""
    affects_bids: str = ""
    new_deadline: str = ""


@router.post(
    "/workbench/tenders/{tender_id}/amendments",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.TENDER_AMEND),
)
def issue_amendment(
    request: Request,
    tender_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    form: Annotated[AmendmentForm, Form()],
    files: Annotated[list[UploadFile | str], File()] = [],  # noqa: B006 (FastAPI copies)
) -> Response:
    """Issue a clarification or amendment, with its changed documents; one that affects bids
    with less than the rule pack's notice left must move the deadline, or is refused."""

    def work() -> None:
        command = service.IssueAmendment(
            tender_id,
            forms.choice(AmendmentKind, form.kind, "kind"),
            forms.text(form.text, "text", required=True, max_length=forms.LONG_TEXT_MAX),
            forms.ticked(form.affects_bids),
            forms.local_datetime(form.new_deadline, "new_deadline"),
        )
        documents = []
        chosen = _chosen(files)
        if chosen:
            service.check_amendment(services.uow(actor), tender_id)
            documents = [store_document(services, f, DocumentKind.CLARIFICATION) for f in chosen]
        service.issue_amendment(uow, services.rule_packs, command, documents)

    values = form.model_dump()
    values["had_files"] = bool(_chosen(files))
    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.TENDER_AMEND,
        form="amend",
        values=values,
        done="amended",
        work=work,
    )


@router.post(
    "/workbench/tenders/{tender_id}/cancel",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.TENDER_CANCEL),
)
def cancel(
    request: Request,
    tender_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Terminate the tender with a public reason (a cancellation notice is published)."""

    def work() -> None:
        text = forms.text(reason, "reason", required=True, max_length=forms.REASON_MAX)
        service.cancel_tender(uow, tender_id, text)

    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.TENDER_CANCEL,
        form="cancel",
        values={"reason": reason},
        done="cancelled",
        work=work,
    )


@router.post(
    "/workbench/tenders/{tender_id}/enquiries/{enquiry_id}/answer",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.ENQUIRY_ANSWER),
)
def answer(
    request: Request,
    tender_id: str,
    enquiry_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    text: Annotated[str, Form()] = "",
    publish: Annotated[str, Form()] = "",
) -> Response:
    """Answer an enquiry; a published answer is shown to every bidder, without the asker."""

    def work() -> None:
        reply = forms.text(text, "answer", required=True, max_length=forms.ANSWER_MAX)
        service.answer_question(uow, tender_id, enquiry_id, reply, publish=forms.ticked(publish))

    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.ENQUIRY_ANSWER,
        form=f"answer-{enquiry_id}",
        values={"text": text, "publish": publish},
        done="answered",
        work=work,
    )


@router.post(
    "/tenders/{tender_id}/obtain",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.DOCUMENT_OBTAIN),
)
def obtain(
    request: Request, tender_id: str, services: ServicesDep, actor: ActorDep, uow: UowDep
) -> Response:
    """A bidder obtains the tender documents (获取招标文件) and is told of every change."""
    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.DOCUMENT_OBTAIN,
        form="obtain",
        values={},
        done="obtained",
        public=True,
        work=lambda: service.obtain_documents(uow, tender_id),
    )


@router.post(
    "/tenders/{tender_id}/enquiries",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.ENQUIRY_ASK),
)
def ask(
    request: Request,
    tender_id: str,
    services: ServicesDep,
    actor: ActorDep,
    uow: UowDep,
    kind: Annotated[str, Form()] = EnquiryKind.QUESTION.value,
    text: Annotated[str, Form()] = "",
) -> Response:
    """A bidder asks a question or raises an objection to the tender documents."""

    def work() -> None:
        service.ask_question(
            uow,
            services.rule_packs,
            tender_id,
            forms.choice(EnquiryKind, kind, "kind"),
            forms.text(text, "text", required=True, max_length=forms.QUESTION_MAX),
        )

    return _act(
        request,
        services,
        actor,
        tender_id,
        action=Action.ENQUIRY_ASK,
        form="ask",
        values={"kind": kind, "text": text},
        done="asked",
        public=True,
        work=work,
    )
