"""Hits, scores and alerts as supervisors read them, behind the policy, and acknowledging an
alert. A supervisor sees the hits of the centre's own tenders and those that belong to no
centre (imported OCDS, whose subjects are public anyway); never another centre's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true, update

from prex.analytics.risk import events as ev
from prex.analytics.risk.orm import flag_hits, risk_alerts, risk_scores
from prex.analytics.risk.score import AlertLevel
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import (
    Action,
    Actor,
    Resource,
    Scope,
    authorize,
    is_allowed,
    widest_scope,
)
from prex.shared.errors import Conflict, InvalidInput, NotFound
from prex.shared.events import to_jsonable

PAGE_SIZE = 50
HIT_STATES = ("open", "resolved", "all")


def visible(actor: Actor, action: Action, centre: Any) -> ColumnElement[bool]:
    """The rows of ``centre`` column the actor may see for ``action`` (refuses no grant)."""
    authorize(actor, action)
    if widest_scope(actor, action) is Scope.ANY:
        return true()
    return or_(centre.is_(None), centre == actor.centre_id)


@dataclass(frozen=True)
class HitFilter:
    rule: str | None = None
    group: str | None = None
    subject_id: str | None = None
    tender_id: str | None = None
    severity: str | None = None
    state: str = "open"

    def __post_init__(self) -> None:
        if self.state not in HIT_STATES:
            raise InvalidInput(f"state is one of {', '.join(HIT_STATES)}", field="state")
        if self.severity and self.severity not in ("low", "medium", "high"):
            raise InvalidInput("severity is one of low, medium, high", field="severity")


def hit_view(row: Any) -> dict[str, Any]:
    data = {k: to_jsonable(v) for k, v in row._mapping.items() if k != "hit_key"}
    data["group"] = data.pop("grp")
    data["resolved"] = row.resolved_at is not None
    return data


def _hits_query(actor: Actor, f: HitFilter) -> Select[Any]:
    conditions = [visible(actor, Action.FLAGS_READ, flag_hits.c.centre_id)]
    if f.rule:
        conditions.append(flag_hits.c.rule_code == f.rule)
    if f.group:
        conditions.append(flag_hits.c.grp == f.group)
    if f.subject_id:
        conditions.append(flag_hits.c.subject_id == f.subject_id)
    if f.tender_id:
        conditions.append(flag_hits.c.tender_id == f.tender_id)
    if f.severity:
        conditions.append(flag_hits.c.severity == f.severity)
    if f.state == "open":
        conditions.append(flag_hits.c.resolved_at.is_(None))
    elif f.state == "resolved":
        conditions.append(flag_hits.c.resolved_at.is_not(None))
    return select(flag_hits).where(and_(*conditions))


def list_hits(session: Any, actor: Actor, f: HitFilter, page: int = 1) -> dict[str, Any]:
    """One page of the hits the actor may see, newest finding first."""
    query = _hits_query(actor, f)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(flag_hits.c.last_seen_at.desc(), flag_hits.c.rule_code, flag_hits.c.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return {"total": int(total), "page": max(page, 1), "items": [hit_view(r) for r in rows]}


def alert_view(row: Any) -> dict[str, Any]:
    data = {k: to_jsonable(v) for k, v in row._mapping.items()}
    data["level_label"] = AlertLevel(row.level).label_zh
    return data


def list_alerts(
    session: Any, actor: Actor, *, level: int | None = None, open_only: bool = False, page: int = 1
) -> dict[str, Any]:
    """The alerts the actor may see, newest first; ``open_only``: not yet acknowledged."""
    if level is not None and level not in {int(v) for v in AlertLevel}:
        raise InvalidInput("level is 1 (most serious) to 4", field="level")
    conditions = [visible(actor, Action.FLAGS_READ, risk_alerts.c.centre_id)]
    if level is not None:
        conditions.append(risk_alerts.c.level == level)
    if open_only:
        conditions.append(risk_alerts.c.acknowledged_at.is_(None))
    query = select(risk_alerts).where(and_(*conditions))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(risk_alerts.c.raised_at.desc(), risk_alerts.c.level, risk_alerts.c.id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return {"total": int(total), "page": max(page, 1), "items": [alert_view(r) for r in rows]}


def acknowledge_alert(uow: SqlUnitOfWork, alert_id: str, note: str = "") -> dict[str, Any]:
    """Mark an alert as seen by the acting supervisor (audited with time, actor and address)."""
    if len(note) > 2000:
        raise InvalidInput("the note is at most 2000 characters", field="note")
    with uow:
        session = uow.session
        row = session.execute(select(risk_alerts).where(risk_alerts.c.id == alert_id)).first()
        if row is None:
            raise NotFound(f"no alert {alert_id}", alert_id=alert_id)
        authorize(
            uow.actor,
            Action.ALERT_ACKNOWLEDGE,
            Resource("alert", alert_id, centre_id=row.centre_id),
        )
        if row.acknowledged_at is not None:
            raise Conflict(f"alert {alert_id} was acknowledged already", alert_id=alert_id)
        now = uow.clock.now()
        session.execute(
            update(risk_alerts)
            .where(risk_alerts.c.id == alert_id, risk_alerts.c.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by=uow.actor.user_id, acknowledged_note=note)
        )
        uow.record(ev.AlertAcknowledged("alert", alert_id, now, note=note))
        uow.commit()
        updated = session.execute(select(risk_alerts).where(risk_alerts.c.id == alert_id)).one()
    return alert_view(updated)


def tender_risk(
    session: Any, actor: Actor, tender_id: str, centre_id: str
) -> dict[str, Any] | None:
    """The flag panel of a tender page: its score, level and open hits — or None when the
    reader may not see flags of this tender's centre (then the page shows no panel at all)."""
    if not is_allowed(actor, Action.FLAGS_READ, Resource("tender", tender_id, centre_id=centre_id)):
        return None
    score = session.execute(
        select(risk_scores.c.score, risk_scores.c.level).where(
            risk_scores.c.kind == "tender",
            risk_scores.c.subject_id == tender_id,
            risk_scores.c.centre_id == centre_id,
        )
    ).first()
    hits = session.execute(
        select(flag_hits)
        .where(
            flag_hits.c.tender_id == tender_id,
            flag_hits.c.resolved_at.is_(None),
            or_(flag_hits.c.centre_id.is_(None), flag_hits.c.centre_id == centre_id),
        )
        .order_by(flag_hits.c.rule_code, flag_hits.c.subject_id)
    )
    level = score.level if score else None
    return {
        "score": score.score if score else 0.0,
        "level": level,
        "level_label": AlertLevel(level).label_zh if level else None,
        "hits": [hit_view(h) for h in hits],
    }


def list_scores(session: Any, actor: Actor, kind: str, page: int = 1) -> dict[str, Any]:
    """Current risk scores of tenders or bidders the actor may see, highest first (zeros left
    out: a subject whose hits were all resolved has nothing to show)."""
    if kind not in ("tender", "bidder"):
        raise InvalidInput("kind is tender or bidder", field="kind")
    query = select(risk_scores).where(
        risk_scores.c.kind == kind,
        risk_scores.c.score > 0,
        visible(actor, Action.FLAGS_READ, func.nullif(risk_scores.c.centre_id, "")),
    )
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(risk_scores.c.score.desc(), risk_scores.c.subject_id)
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    items = [
        {
            "kind": r.kind,
            "subject_id": r.subject_id,
            "centre_id": r.centre_id or None,
            "score": r.score,
            "level": r.level,
            "level_label": AlertLevel(r.level).label_zh if r.level else None,
            "hits": r.hits,
            "updated_at": to_jsonable(r.updated_at),
        }
        for r in rows
    ]
    return {"total": int(total), "page": max(page, 1), "items": items}
