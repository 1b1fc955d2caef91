"""Data quality of the connected centres, as the exchange context scores it.

Not recomputed here: the ranking is ``prex.exchange.quality``'s (behind its own policy,
``quality.read``), narrowed to the dashboards' filter — type and months as the ranking reads
them, centre and region through the centres registered on this platform.
"""

from __future__ import annotations

from sqlalchemy import select

from prex.analytics.dashboards.figures import N_, Column, Figures
from prex.analytics.dashboards.filters import Filter
from prex.bootstrap import Services
from prex.exchange.quality.service import quality_ranking
from prex.identity.orm import centres
from prex.identity.policy import Actor

SCORES = ("overall", "coverage", "accuracy", "timeliness", "lifecycle")

COLUMNS = (
    Column("rank", N_("Rank"), "count"),
    Column("code", N_("Platform code"), "text"),
    Column("name", N_("Centre"), "text"),
    Column("overall", N_("Overall"), "score"),
    Column("coverage", N_("Coverage"), "score"),
    Column("accuracy", N_("Accuracy"), "score"),
    Column("timeliness", N_("Timeliness"), "score"),
    Column("lifecycle", N_("Life-cycle completeness"), "score"),
    Column("records", N_("Records"), "count"),
    Column("deals", N_("Deals"), "count"),
)


def _platforms(services: Services, flt: Filter) -> set[str] | None:
    """The platform codes of the centres the filter's centre and region name (None: all)."""
    if flt.centre is None and flt.region is None:
        return None
    query = select(centres.c.platform_code).where(centres.c.platform_code.is_not(None))
    if flt.centre is not None:
        query = query.where(centres.c.id == flt.centre)
    if flt.region is not None:
        query = query.where(centres.c.division_code.startswith(flt.region))
    with services.read_session() as session:
        return {str(code) for code in session.execute(query).scalars()}


def quality(services: Services, actor: Actor, flt: Filter) -> Figures:
    ranked = quality_ranking(
        services, actor, txn_type=flt.txn_type, since=flt.month_from, until=flt.month_to
    )
    wanted = _platforms(services, flt)
    rows = [r.as_dict() for r in ranked if wanted is None or r.code in wanted]
    return Figures(
        "quality",
        N_("Data quality"),
        N_(
            "The exchange's data-quality scores of the centres pushing records here, 0–100 "
            "(definitions: docs/quality.md)."
        ),
        COLUMNS,
        rows,
    )
