"""The scores as the API, the pages and the CLI read them, behind the policy.

Who may read: the platform administrator; operators and supervisors of the scoring centre (the
centre whose PLATFORM_CODE is this instance's) see every centre; those of a connected centre
that is also a centre of this instance see that centre's own scores and findings.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from prex.bootstrap import Services
from prex.exchange.quality import queries
from prex.identity.orm import centres
from prex.identity.policy import Action, Actor, Resource, authorize, is_allowed


def _resource(session: Session, code: str, *, scoring: bool = False) -> Resource:
    """The scores of platform ``code`` as a policy resource, owned by the centre of this
    instance with that platform code. The scoring centre's own staff are every operator and
    supervisor here when it has no centre row (``None``: the instance itself); a connected
    platform without a centre here belongs to no centre, so only administrators see it."""
    centre = session.execute(
        select(centres.c.id).where(centres.c.platform_code == code).order_by(centres.c.created_at)
    ).first()
    owner = centre.id if centre else (None if scoring else f"platform:{code}")
    return Resource("quality", code, centre_id=owner)


def _authorize_centre(services: Services, session: Session, actor: Actor, code: str) -> None:
    own = _resource(session, services.settings.platform_code, scoring=True)
    if not is_allowed(actor, Action.QUALITY_READ, own):
        authorize(actor, Action.QUALITY_READ, _resource(session, code))


def quality_ranking(
    services: Services,
    actor: Actor,
    *,
    period: str | None = None,
    txn_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[queries.Ranked]:
    """Every centre with data in the period (or the months ``since``–``until``), best overall
    score first."""
    own = services.settings.platform_code
    with services.read_session() as session:
        authorize(actor, Action.QUALITY_READ, _resource(session, own, scoring=True))
        return queries.ranking(
            session, own, period=period, txn_type=txn_type, since=since, until=until
        )


def quality_overview(
    services: Services, actor: Actor, *, period: str | None = None, txn_type: str | None = None
) -> tuple[list[queries.Ranked], dict[str, dict[str, float | None]]]:
    """The ranking, and each centre's overall score per month over all periods (its trend)."""
    own = services.settings.platform_code
    with services.read_session() as session:
        authorize(actor, Action.QUALITY_READ, _resource(session, own, scoring=True))
        ranked = queries.ranking(session, own, period=period, txn_type=txn_type)
        return ranked, queries.overall_by_month(session, txn_type=txn_type)


def quality_centre(
    services: Services,
    actor: Actor,
    code: str,
    *,
    period: str | None = None,
    txn_type: str | None = None,
) -> dict[str, Any]:
    """One centre's scores over the selection and by month."""
    with services.read_session() as session:
        _authorize_centre(services, session, actor, code)
        return queries.centre_trend(
            session, services.settings.platform_code, code, period=period, txn_type=txn_type
        )


def quality_findings(
    services: Services,
    actor: Actor,
    code: str,
    *,
    dimension: str | None = None,
    period: str | None = None,
    txn_type: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """One centre's failing records and deals, a page at a time."""
    with services.read_session() as session:
        _authorize_centre(services, session, actor, code)
        return queries.findings(
            session, code, dimension=dimension, period=period, txn_type=txn_type, page=page
        )
