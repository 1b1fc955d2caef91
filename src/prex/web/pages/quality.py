"""Data-quality pages (supervision): the ranking of centres with a bar chart and a trend line
per centre, and each centre's page with its trend and the failing records, with the reason.

Server-rendered; the charts are drawn by the vendored ECharts (``static/vendor``) from the
numbers the page carries as JSON, and the tables say the same without script.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from prex.exchange.quality.queries import PAGE_SIZE
from prex.exchange.quality.rules import TYPES, Dimension
from prex.exchange.quality.service import quality_centre, quality_findings, quality_overview
from prex.identity.policy import Action
from prex.web.deps import ActorDep, ServicesDep, acts
from prex.web.i18n import translations
from prex.web.pages import labels
from prex.web.pages.common import gate
from prex.web.pages.render import locale_of, render

router = APIRouter(include_in_schema=False)
SCORES = ("overall", "coverage", "accuracy", "timeliness", "lifecycle")


def _chart_labels(request: Request) -> dict[str, str]:
    gettext = translations(locale_of(request)).gettext
    return {name: gettext(labels.DIMENSION[name]) for name in SCORES}


@router.get("/quality", response_class=HTMLResponse, openapi_extra=acts(Action.QUALITY_READ))
def ranking_page(
    request: Request,
    services: ServicesDep,
    actor: ActorDep,
    period: str | None = None,
    txn_type: Annotated[str | None, Query(alias="type")] = None,
) -> Response:
    """The ranking for a period and type, best first; the chart compares the four scores."""
    refused = gate(request, actor, Action.QUALITY_READ)
    if refused is not None:
        return refused
    period, txn_type = period or None, txn_type or None
    ranked, by_month = quality_overview(services, actor, period=period, txn_type=txn_type)
    months = sorted({month for code in by_month for month in by_month[code]})
    names = _chart_labels(request)
    chart: dict[str, Any] = {
        "centres": [r.name for r in ranked],
        "bars": [{"name": names[s], "values": [r.scores[s] for r in ranked]} for s in SCORES],
        "months": months,
        "trends": [
            {"name": r.name, "values": [by_month.get(r.code, {}).get(m) for m in months]}
            for r in ranked
        ],
    }
    return render(
        request,
        "quality_ranking.html",
        ranked=ranked,
        chart=chart,
        period=period or "",
        txn_type=txn_type or "",
        types=TYPES,
        scores=SCORES,
    )


@router.get(
    "/quality/centres/{code}",
    response_class=HTMLResponse,
    openapi_extra=acts(Action.QUALITY_READ),
)
def centre_page(
    request: Request,
    code: str,
    services: ServicesDep,
    actor: ActorDep,
    dimension: str | None = None,
    period: str | None = None,
    txn_type: Annotated[str | None, Query(alias="type")] = None,
    page: int = 1,
) -> Response:
    """One centre: its scores month by month and the findings behind them (drill-down)."""
    refused = gate(request, actor, Action.QUALITY_READ)
    if refused is not None:
        return refused
    dimension, period, txn_type = dimension or None, period or None, txn_type or None
    trend = quality_centre(services, actor, code, period=period, txn_type=txn_type)
    found = quality_findings(
        services,
        actor,
        code,
        dimension=dimension,
        period=period,
        txn_type=txn_type,
        page=max(page, 1),
    )
    names = _chart_labels(request)
    chart = {
        "months": [m["month"] for m in trend["months"]],
        "lines": [{"name": names[s], "values": [m[s] for m in trend["months"]]} for s in SCORES],
    }
    pages = max(1, -(-found["total"] // PAGE_SIZE))
    return render(
        request,
        "quality_centre.html",
        trend=trend,
        found=found,
        chart=chart,
        pages=pages,
        dimension=dimension or "",
        period=period or "",
        txn_type=txn_type or "",
        types=TYPES,
        dimensions=[d.value for d in Dimension],
        scores=SCORES,
    )
