"""The dashboards as the API and the pages read them, behind the policy (``analytics.read``).

An operator or supervisor sees its own centre and the centres under it (a province's staff see
its cities'); the filter is narrowed to those before any query runs, and asking for another
centre is refused. The warehouse is opened read-only per request: DuckDB over Parquet files
needs no server and no lock.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
from sqlalchemy import select

from prex.analytics.dashboards.competition import competition
from prex.analytics.dashboards.concentration import concentration
from prex.analytics.dashboards.figures import Figures
from prex.analytics.dashboards.filters import Filter
from prex.analytics.dashboards.leaders import top_buyers, top_suppliers
from prex.analytics.dashboards.quality import quality
from prex.analytics.dashboards.savings import savings
from prex.analytics.dashboards.source import open_dashboards
from prex.analytics.dashboards.timing import timing
from prex.analytics.dashboards.volume import volume
from prex.analytics.warehouse.store import warehouse_root
from prex.bootstrap import Services
from prex.identity.orm import centres
from prex.identity.policy import Action, Actor, authorize
from prex.shared.errors import NotFound, PermissionDenied

Query = Callable[[duckdb.DuckDBPyConnection, Filter], Figures]

#: The warehouse dashboards, in the order the overview shows them.
WAREHOUSE: dict[str, Query] = {
    "volume": volume,
    "competition": competition,
    "savings": savings,
    "timing": timing,
    "concentration": concentration,
    "top-buyers": top_buyers,
    "top-suppliers": top_suppliers,
}
NAMES = (*WAREHOUSE, "quality")


def visible_centres(services: Services, actor: Actor) -> tuple[str, ...]:
    """The actor's centre and every centre below it (an actor of no centre sees none)."""
    if actor.centre_id is None:
        return ()
    with services.read_session() as session:
        rows = session.execute(select(centres.c.id, centres.c.parent_id)).all()
    children: dict[str | None, list[str]] = {}
    for centre_id, parent_id in rows:
        children.setdefault(parent_id, []).append(str(centre_id))
    seen: list[str] = []
    todo = [actor.centre_id]
    while todo:
        centre_id = todo.pop()
        if centre_id not in seen:
            seen.append(centre_id)
            todo.extend(children.get(centre_id, []))
    return tuple(sorted(seen))


def narrow(services: Services, actor: Actor, flt: Filter) -> Filter:
    """Authorise, and narrow the filter to the centres the actor may see."""
    authorize(actor, Action.ANALYTICS_READ)
    visible = visible_centres(services, actor)
    if flt.centre is not None and flt.centre not in visible:
        raise PermissionDenied(
            f"{actor.label} may not read the dashboards of centre {flt.centre}",
            action=str(Action.ANALYTICS_READ),
            user_id=actor.user_id,
        )
    return flt.narrowed(visible)


def dashboard(services: Services, actor: Actor, name: str, flt: Filter) -> Figures:
    """One dashboard's table."""
    if name not in NAMES:
        raise NotFound(f"no dashboard '{name}' (one of {', '.join(NAMES)})", dashboard=name)
    flt = narrow(services, actor, flt)
    if name == "quality":
        return quality(services, actor, flt)
    con = open_dashboards(warehouse_root(services.settings))
    try:
        return WAREHOUSE[name](con, flt)
    finally:
        con.close()


def overview(
    services: Services, actor: Actor, flt: Filter
) -> tuple[dict[str, Figures], Figures | None]:
    """Every warehouse dashboard over one connection, and data quality where the actor may
    read it (``None`` otherwise)."""
    flt = narrow(services, actor, flt)
    con = open_dashboards(warehouse_root(services.settings))
    try:
        tables = {name: query(con, flt) for name, query in WAREHOUSE.items()}
    finally:
        con.close()
    try:
        scores: Figures | None = quality(services, actor, flt)
    except PermissionDenied:
        scores = None
    return tables, scores
