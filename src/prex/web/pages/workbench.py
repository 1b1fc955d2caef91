"""The workbench: a signed-in user's own tenders, and the form that starts a new one.

Creating a tender registers its project (which gives the unified deal code) and then the
draft, through the same services the API calls. The two are separate transactions; if the
draft is refused after the project was registered, the form comes back carrying the new
project's id, so that correcting it does not register the project twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from prex.bootstrap import Services
from prex.identity.policy import Action, Actor, Role, is_allowed
from prex.shared.errors import DomainError
from prex.tenders import service
from prex.tenders.model import EvaluationMethod, Method, TransactionType
from prex.tenders.queries import tenders_of_interest, tenders_of_parties
from prex.web.deps import ActorDep, ServicesDep, acts
from prex.web.i18n import N_
from prex.web.pages import forms
from prex.web.pages.common import (
    Problem,
    centre_rows,
    gate,
    organisations_of_kinds,
    problem_of,
    see_other,
)
from prex.web.pages.render import CHINA, render

router = APIRouter(include_in_schema=False)


class NewTenderForm(BaseModel):
    """The fields of the new-tender form, as text (read by :func:`_parse`)."""

    project_id: str = ""  # set when an earlier attempt registered the project already
    deal_code: str = ""
    project_name: str = ""
    transaction_type: str = TransactionType.ENGINEERING.value
    region_code: str = ""
    tenderer_org_id: str = ""
    agency_org_id: str = ""
    sandbox: str = ""
    title: str = ""
    description: str = ""
    qualification: str = ""
    evaluation_method: str = EvaluationMethod.COMPREHENSIVE.value
    method: str = Method.OPEN.value
    invitee_org_ids: str = ""
    bid_deadline: str = ""
    documents_until: str = ""
    opening_place: str = ""
    section_name: list[str] = []
    section_budget: list[str] = []
    section_ceiling_price: list[str] = []
    section_duration_days: list[str] = []

    def shown_again(self) -> dict[str, Any]:
        """The values to put back into the form after a refusal."""
        values = self.model_dump(
            exclude={
                "section_name",
                "section_budget",
                "section_ceiling_price",
                "section_duration_days",
            }
        )
        values["sections"] = forms.submitted_sections(
            self.section_name,
            self.section_budget,
            self.section_ceiling_price,
            self.section_duration_days,
        ) or [{}]
        return values


def _defaults(services: Services, actor: Actor, centres: list[dict[str, Any]]) -> dict[str, Any]:
    """A new form: the actor's organisation as tenderer or agency, the actor's centre as the
    region, and dates that satisfy every bundled rule pack (Beijing time)."""
    today = services.clock.now().astimezone(CHINA).date()
    region = next((r["division_code"] for r in centres if r["id"] == actor.centre_id), "")
    return NewTenderForm(
        region_code=region,
        tenderer_org_id=actor.org_id if Role.TENDERER in actor.roles and actor.org_id else "",
        agency_org_id=actor.org_id if Role.AGENCY in actor.roles and actor.org_id else "",
        bid_deadline=forms.input_datetime(
            datetime.combine(today + timedelta(days=25), time(9, 30), CHINA)
        ),
        documents_until=forms.input_datetime(
            datetime.combine(today + timedelta(days=10), time(17, 0), CHINA)
        ),
    ).shown_again()


def show_workbench(
    request: Request,
    services: Services,
    actor: Actor,
    *,
    values: dict[str, Any] | None = None,
    problem: Problem | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    own: list[dict[str, Any]] = []
    taking_part: list[dict[str, Any]] = []
    if actor.org_id:
        with services.read_session() as session:
            own = tenders_of_parties(session, actor.org_id)
            taking_part = tenders_of_interest(session, actor.org_id)
    centres = centre_rows(services)
    can_create = is_allowed(actor, Action.TENDER_CREATE)
    return render(
        request,
        "workbench.html",
        status_code,
        tenders=own,
        taking_part=taking_part,
        can_create=can_create,
        form=values or _defaults(services, actor, centres),
        problem=problem,
        centres=centres,
        organisations=(
            organisations_of_kinds(services, actor.centre_id, ("tenderer", "agency"))
            if can_create
            else {}
        ),
        page_url="/workbench",
    )


@router.get("/workbench", response_class=HTMLResponse, openapi_extra=acts(Action.SESSION_READ))
def workbench(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    """The signed-in user's tenders (drafts included) and the new-tender form."""
    refusal = gate(request, actor, Action.SESSION_READ)
    if refusal is not None:
        return refusal
    return show_workbench(request, services, actor)


def _parse(form: NewTenderForm) -> tuple[service.RegisterProject | None, dict[str, Any]]:
    """The project to register (None when registered already) and the draft's fields."""
    title = forms.text(form.title, "title", required=True)
    method = forms.choice(Method, form.method, "method")
    sections = forms.sections(
        form.section_name,
        form.section_budget,
        form.section_ceiling_price,
        form.section_duration_days,
    )
    draft: dict[str, Any] = {
        "title": title,
        "description": forms.text(form.description, "description", max_length=forms.LONG_TEXT_MAX),
        "qualification": forms.text(
            form.qualification, "qualification", max_length=forms.LONG_TEXT_MAX
        ),
        "evaluation_method": forms.choice(
            EvaluationMethod, form.evaluation_method, "evaluation_method"
        ),
        "method": method.value,
        "invitee_org_ids": (
            forms.org_ids(form.invitee_org_ids, "invitee_org_ids")
            if method is Method.INVITED
            else ()
        ),
        "bid_deadline": forms.required_datetime(form.bid_deadline, "bid_deadline"),
        "documents_until": forms.required_datetime(form.documents_until, "documents_until"),
        "opening_place": forms.text(form.opening_place, "opening_place"),
        "sections": sections,
    }
    if form.project_id:
        return None, draft
    region = form.region_code.strip()
    if not (len(region) == 6 and region.isdigit() and region[0] != "0"):
        raise forms.FieldError("region_code", N_("%(field)s: choose one of the options."))
    tenderer = forms.org_id(form.tenderer_org_id, "tenderer_org_id", required=True)
    assert tenderer is not None
    project = service.RegisterProject(
        name=forms.text(form.project_name, "project_name") or title,
        transaction_type=forms.choice(TransactionType, form.transaction_type, "transaction_type"),
        region_code=region,
        tenderer_org_id=tenderer,
        agency_org_id=forms.org_id(form.agency_org_id, "agency_org_id"),
        budget=sum((s["budget"] for s in sections), Decimal("0.00")),
        sandbox=forms.ticked(form.sandbox),
    )
    return project, draft


@router.post(
    "/workbench/tenders", response_class=HTMLResponse, openapi_extra=acts(Action.TENDER_CREATE)
)
def create_tender(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    form: Annotated[NewTenderForm, Form()],
) -> Response:
    """Register the project and create the draft; then go to the draft's manage page."""
    refusal = gate(request, actor, Action.TENDER_CREATE)
    if refusal is not None:
        return refusal
    values = form.shown_again()
    try:
        project, draft = _parse(form)
        if project is not None:
            registered = service.register_project(services.uow(actor), project)
            values.update(project_id=registered.id, deal_code=registered.deal_code)
        tender = service.create_tender(
            services.uow(actor),
            services.rule_packs,
            service.CreateTender(project_id=values["project_id"], **draft),
            sandbox_acceleration=services.settings.sandbox_acceleration,
        )
    except DomainError as exc:
        return show_workbench(
            request,
            services,
            actor,
            values=values,
            problem=problem_of(exc, request, form="create"),
            status_code=exc.status,
        )
    return see_other(f"/workbench/tenders/{tender.id}?done=created")
