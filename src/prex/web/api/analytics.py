"""HTTP API of the market dashboards: ``GET /analytics/dashboards/{name}`` as JSON, or the same
table as ``?format=csv`` or ``?format=xlsx``. Definitions: docs/dashboards.md.

The filter's parameters are read as text and parsed once (``prex.analytics.dashboards.
filters``): a bad value is a 422 problem naming the field, never a half-filtered answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from prex.analytics.dashboards.export import CSV_TYPE, XLSX_TYPE, json_value, to_csv, to_xlsx
from prex.analytics.dashboards.filters import Filter, parse_filter
from prex.analytics.dashboards.service import NAMES, dashboard
from prex.identity.policy import Action
from prex.shared.errors import InvalidInput
from prex.web.deps import ActorDep, ServicesDep, acts, require

router = APIRouter(prefix="/analytics", tags=["analytics"])

Cell = str | int | float | bool | None


class ColumnOut(BaseModel):
    key: str
    label: str = Field(description="English label (the pages show it translated)")
    kind: str = Field(
        description="text, month, type, method, region, count, money (decimal text, yuan), "
        "rate (a fraction), days, mean, score (0–100), hhi (0–10,000) or band"
    )


class FilterOut(BaseModel):
    centre: str | None
    region: str | None = Field(description="division-code prefix (330000 is read as 33)")
    type: str | None
    from_month: str | None = Field(alias="from")
    to_month: str | None = Field(alias="to")
    sandbox: bool


class DashboardOut(BaseModel):
    name: str
    title: str
    note: str = Field(description="what is counted, and on what basis")
    filter: FilterOut
    columns: list[ColumnOut]
    rows: list[dict[str, Cell]]


def _filter_out(flt: Filter) -> FilterOut:
    return FilterOut.model_validate(
        {
            "centre": flt.centre,
            "region": flt.region,
            "type": flt.txn_type,
            "from": flt.month_from,
            "to": flt.month_to,
            "sandbox": flt.sandbox,
        }
    )


@router.get(
    "/dashboards/{name}",
    response_model=DashboardOut,
    response_model_by_alias=True,
    openapi_extra=acts(Action.ANALYTICS_READ),
    dependencies=[Depends(require(Action.ANALYTICS_READ))],
    responses={
        200: {
            "content": {CSV_TYPE.split(";")[0]: {}, XLSX_TYPE: {}},
            "description": "the table as JSON, or as CSV or XLSX with ?format=",
        }
    },
)
def get_dashboard(
    name: Annotated[str, Path(description=f"one of {', '.join(NAMES)}")],
    services: ServicesDep,
    actor: ActorDep,
    centre: Annotated[str | None, Query(description="a centre's id")] = None,
    region: Annotated[
        str | None, Query(description="a division code or prefix: 33, 3301, 330100")
    ] = None,
    txn_type: Annotated[
        str | None,
        Query(alias="type", description="engineering, procurement, land, mining or property"),
    ] = None,
    month_from: Annotated[
        str | None, Query(alias="from", description="first month of publication, YYYY-MM")
    ] = None,
    month_to: Annotated[
        str | None, Query(alias="to", description="last month of publication, YYYY-MM")
    ] = None,
    sandbox: Annotated[
        str | None, Query(description="true to count sandbox (training) tenders too")
    ] = None,
    format: Annotated[str, Query(description="json, csv or xlsx")] = "json",  # noqa: A002
) -> Any:
    """One dashboard's table over the warehouse (empty figures while it is empty)."""
    if format not in ("json", "csv", "xlsx"):
        raise InvalidInput(f"'{format}' is not a format (json, csv or xlsx)", field="format")
    flt = parse_filter(
        {
            "centre": centre,
            "region": region,
            "type": txn_type,
            "from": month_from,
            "to": month_to,
            "sandbox": sandbox,
        }
    )
    figures = dashboard(services, actor, name, flt)
    if format == "csv":
        return Response(
            to_csv(figures),
            media_type=CSV_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{figures.name}.csv"'},
        )
    if format == "xlsx":
        return Response(
            to_xlsx(figures),
            media_type=XLSX_TYPE,
            headers={"Content-Disposition": f'attachment; filename="{figures.name}.xlsx"'},
        )
    return DashboardOut(
        name=figures.name,
        title=figures.title,
        note=figures.note,
        filter=_filter_out(flt),
        columns=[ColumnOut(key=c.key, label=c.label, kind=c.kind) for c in figures.columns],
        rows=[{k: json_value(v) for k, v in row.items()} for row in figures.rows],
    )
