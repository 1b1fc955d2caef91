"""The market dashboards' page (supervision): ``/analytics``, every dashboard as an ECharts
chart and a table, under one filter form, with links to each table's CSV and XLSX export.

Server-rendered like the data-quality pages: the numbers are in the tables; the charts are
drawn by the vendored ECharts from the same numbers carried as JSON (``#analytics-data``) by
``/static/analytics.js`` — no inline script, so the pages keep their strict CSP.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from prex.analytics.dashboards.figures import Figures
from prex.analytics.dashboards.filters import FIELDS, Filter, parse_filter
from prex.analytics.dashboards.service import overview
from prex.exchange.quality.rules import TYPES
from prex.identity.divisions import division_name
from prex.identity.policy import Action
from prex.shared.errors import InvalidInput
from prex.web.deps import ActorDep, ServicesDep, acts
from prex.web.i18n import N_, translations
from prex.web.pages import labels
from prex.web.pages.analytics_charts import charts, quality_chart
from prex.web.pages.common import centre_rows, gate, problem_of
from prex.web.pages.render import locale_of, money, render

router = APIRouter(include_in_schema=False)

BAND = {
    "high": N_("Highly concentrated"),
    "moderate": N_("Moderately concentrated"),
    "low": N_("Unconcentrated"),
}


def cell(kind: str, value: Any, gettext: Callable[[str], str]) -> str:
    """A value as the table shows it (the API's JSON has it unformatted)."""
    if value is None:
        return "–"
    if kind == "money":
        return money(Decimal(value))
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind in ("days", "mean", "score"):
        return f"{float(value):.1f}"
    if kind == "hhi":
        return f"{float(value):,.0f}"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "type":
        return gettext(labels.label(labels.QUALITY_TYPE, value))
    if kind == "method":
        return gettext(labels.label(labels.METHOD, value))
    if kind == "region":
        return division_name(str(value))
    if kind == "band":
        return gettext(BAND.get(str(value), str(value)))
    return str(value)


def table(figures: Figures, gettext: Callable[[str], str]) -> dict[str, Any]:
    """A dashboard as the template shows it: translated headings, formatted cells."""
    return {
        "name": figures.name,
        "title": gettext(figures.title),
        "note": gettext(figures.note),
        "columns": [(c.key, gettext(c.label)) for c in figures.columns],
        "rows": [
            [(c.key, cell(c.kind, row.get(c.key), gettext)) for c in figures.columns]
            for row in figures.rows
        ],
    }


def exports(name: str, flt: Filter) -> dict[str, str]:
    base = f"/api/v1/analytics/dashboards/{name}"
    return {
        fmt: f"{base}?{urlencode({**flt.as_params(), 'format': fmt})}" for fmt in ("csv", "xlsx")
    }


@router.get("/analytics", response_class=HTMLResponse, openapi_extra=acts(Action.ANALYTICS_READ))
def analytics_page(request: Request, services: ServicesDep, actor: ActorDep) -> Response:
    """Every dashboard under the filter; a bad filter is shown above the form (422)."""
    refused = gate(request, actor, Action.ANALYTICS_READ)
    if refused is not None:
        return refused
    gettext = translations(locale_of(request)).gettext
    values = {name: request.query_params.get(name, "") for name in FIELDS}
    problem = None
    shown: list[dict[str, Any]] = []
    chart_data: list[dict[str, Any]] = []
    flt = Filter()
    try:
        flt = parse_filter(values)
        tables, scores = overview(services, actor, flt)
    except InvalidInput as exc:
        problem = problem_of(exc, request, form="analytics-filter")
    else:
        chart_data = charts(tables, gettext)
        every = [*tables.values(), *([scores] if scores is not None else [])]
        shown = [{**table(f, gettext), "exports": exports(f.name, flt)} for f in every]
        if scores is not None and (drawn := quality_chart(scores, gettext)) is not None:
            chart_data.append(drawn)
    return render(
        request,
        "analytics/overview.html",
        status_code=422 if problem else 200,
        problem=problem,
        values=values,
        dashboards=shown,
        charts=chart_data,
        drawn={c["id"] for c in chart_data},
        types=TYPES,
        centres=centre_rows(services),
    )
