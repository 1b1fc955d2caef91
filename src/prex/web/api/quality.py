"""HTTP API of data-quality scoring: the ranking of centres, one centre's trend by month, and
its findings (the failing records, for the drill-down). Definitions: docs/quality.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from prex.exchange.quality.service import quality_centre, quality_findings, quality_ranking
from prex.identity.policy import Action
from prex.web.deps import ActorDep, ServicesDep, acts, require

router = APIRouter(tags=["quality"])

Period = Annotated[str | None, Query(description="YYYY-MM or YYYY-MM-DD (Beijing time)")]
TxnType = Annotated[
    str | None,
    Query(alias="type", description="engineering, procurement, land, mining or property"),
]


@router.get(
    "/quality/ranking",
    openapi_extra=acts(Action.QUALITY_READ),
    dependencies=[Depends(require(Action.QUALITY_READ))],
)
def ranking(
    services: ServicesDep, actor: ActorDep, period: Period = None, txn_type: TxnType = None
) -> dict[str, Any]:
    """Every centre with data in the period, best overall score first, with the four scores."""
    ranked = quality_ranking(services, actor, period=period, txn_type=txn_type)
    return {"period": period, "type": txn_type, "centres": [r.as_dict() for r in ranked]}


@router.get(
    "/quality/centres/{code}",
    openapi_extra=acts(Action.QUALITY_READ),
    dependencies=[Depends(require(Action.QUALITY_READ))],
)
def centre(
    code: str,
    services: ServicesDep,
    actor: ActorDep,
    period: Period = None,
    txn_type: TxnType = None,
) -> dict[str, Any]:
    """One centre's scores over the selection and month by month (``months``, oldest first)."""
    return quality_centre(services, actor, code, period=period, txn_type=txn_type)


@router.get(
    "/quality/centres/{code}/findings",
    openapi_extra=acts(Action.QUALITY_READ),
    dependencies=[Depends(require(Action.QUALITY_READ))],
)
def findings(
    code: str,
    services: ServicesDep,
    actor: ActorDep,
    dimension: Annotated[
        str | None, Query(description="coverage, accuracy, timeliness or lifecycle")
    ] = None,
    period: Period = None,
    txn_type: TxnType = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> dict[str, Any]:
    """The centre's failing records (and deals), newest first: dataset, record key, version,
    dimension, finding code, field and reason."""
    return quality_findings(
        services,
        actor,
        code,
        dimension=dimension,
        period=period,
        txn_type=txn_type,
        page=page,
    )
