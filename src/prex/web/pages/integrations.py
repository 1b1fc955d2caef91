"""The integrations page: the machine clients the operator manages (its centre's; all for the
administrator), their scopes, rates and secrets' dates — never a secret (docs/integration.md)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from prex.identity.policy import Action
from prex.integrations.model import SCOPE_DESCRIPTIONS
from prex.integrations.service import list_clients
from prex.web.deps import ActorDep, ServicesDep, acts
from prex.web.pages.common import gate
from prex.web.pages.render import render

router = APIRouter(include_in_schema=False)


@router.get(
    "/integrations", response_class=HTMLResponse, openapi_extra=acts(Action.INTEGRATION_MANAGE)
)
def integrations_page(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    refused = gate(request, actor, Action.INTEGRATION_MANAGE)
    if refused is not None:
        return refused
    rows = list_clients(services, actor)
    return render(request, "integrations.html", clients=rows, scopes=SCOPE_DESCRIPTIONS)
