"""The evaluation-assistance hooks at work: the read-only view of a tender's opened bids, the
advice of every installed assistant for the committee, and the committee's grants letting an
outside tool (a machine client with scope ``evaluation.read``) read that same view.

Nothing is readable before the opening (the bids are sealed until then). A grant is made and
revoked by a sitting member of the tender's committee — prex has no committee leader role, so
any sitting member may; both are audit entries under the member's seat — and lets exactly one
client read exactly one tender's opened bids, until revoked. The client reads only: its scope
admits one read action and no other (:data:`prex.integrations.model.SCOPE_ACTIONS`).
"""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from prex import extensions
from prex.bidding.orm import bids as bids_table
from prex.db.uow import SqlUnitOfWork
from prex.evaluation import events as ev
from prex.evaluation.access import resource, tender_for
from prex.evaluation.assistants import GROUP, BidView, Finding, SectionView
from prex.evaluation.orm import evaluation_assistant_grants as grants
from prex.experts.committee import sitting
from prex.experts.committee_orm import committee_draws, committee_members
from prex.experts.orm import experts as experts_table
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Role, is_allowed
from prex.integrations.orm import integration_clients
from prex.opening.orm import opened_bids, openings
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from prex.shared.ids import new_id
from prex.tenders.model import Tender

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.evaluation")
#: The scope a client must hold to be granted (and to call the read route at all).
SCOPE = "evaluation.read"
_FORM_KNOWN = {"tender_id", "section_id", "bidder_uscc", "price", "duration_days"}


class NotOpenedYet(Conflict):
    """The bids of the tender are still sealed: nothing about them is readable."""

    slug = "bids-not-opened"


class CommitteeNotDrawn(Conflict):
    slug = "committee-not-drawn"


class AssistantNotGranted(PermissionDenied):
    slug = "assistant-not-granted"


# -- the view -----------------------------------------------------------------------------------


def require_opened(session: Session, tender_id: str) -> Any:
    row = session.execute(
        select(openings.c.status, openings.c.opened_at).where(openings.c.tender_id == tender_id)
    ).first()
    if row is None or row.status not in ("opened", "closed"):
        raise NotOpenedYet(
            f"the bids of tender {tender_id} are not opened yet: nothing about them is readable "
            "before the opening",
            tender_id=tender_id,
        )
    return row


def _flatten(form: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key in sorted(form):
        value = form[key]
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, f"{name}."))
        elif prefix or key not in _FORM_KNOWN:
            out.append((name, str(value)))
    return out


def _duration(form: dict[str, Any]) -> int | None:
    value = form.get("duration_days")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def section_views(session: Session, tender: Tender) -> list[SectionView]:
    """The opened bids of every section of ``tender``, as read out at the opening."""
    opening = require_opened(session, tender.id)
    names = {s.id: s.name for s in tender.sections}
    by_section: dict[str, list[BidView]] = {}
    for r in session.execute(
        select(
            opened_bids.c.bid_id,
            opened_bids.c.section_id,
            opened_bids.c.form,
            organisations.c.uscc,
            organisations.c.name,
        )
        .join(organisations, organisations.c.id == opened_bids.c.bidder_org_id)
        .join(bids_table, bids_table.c.id == opened_bids.c.bid_id)
        .where(opened_bids.c.tender_id == tender.id, opened_bids.c.outcome == "opened")
        .order_by(opened_bids.c.bid_id)
    ):
        form = dict(r.form or {})
        try:
            price = Decimal(str(form["price"]))
        except (KeyError, InvalidOperation):
            continue  # no price read out: nothing an assistant could weigh
        by_section.setdefault(r.section_id, []).append(
            BidView(r.bid_id, r.name, r.uscc, price, _duration(form), tuple(_flatten(form)))
        )
    return [
        SectionView(
            tender.id,
            tender.title,
            tender.transaction_type.value,
            section_id,
            names.get(section_id, ""),
            opening.opened_at,
            tuple(found),
        )
        for section_id, found in sorted(by_section.items())
    ]


def view_json(view: SectionView) -> dict[str, Any]:
    return {
        "section_id": view.section_id,
        "section_name": view.section_name,
        "bids": [
            {
                "bid_id": b.bid_id,
                "bidder_name": b.bidder_name,
                "bidder_uscc": b.bidder_uscc,
                "price": f"{b.price:.2f}",
                "duration_days": b.duration_days,
                "fields": dict(b.fields),
            }
            for b in view.bids
        ],
    }


# -- who may read -------------------------------------------------------------------------------


def seat_of(session: Session, tender_id: str, user_id: str | None) -> str | None:
    """The committee_members id of the user's seat on the tender's current committee, when
    the user sits on it."""
    if user_id is None:
        return None
    current = (
        session.execute(
            select(committee_draws.c.round).where(committee_draws.c.tender_id == tender_id)
        ).scalar()
        or 1
    )
    for seat in session.execute(
        select(
            committee_members.c.id,
            committee_members.c.status,
            committee_members.c.role,
            committee_members.c.replaces,
        )
        .join(experts_table, experts_table.c.id == committee_members.c.expert_id)
        .where(
            committee_members.c.tender_id == tender_id,
            committee_members.c.round == current,
            experts_table.c.user_id == user_id,
        )
    ):
        if sitting(seat.status, seat.role, seat.replaces):
            return str(seat.id)
    return None


def require_drawn(session: Session, tender_id: str) -> None:
    drawn = session.execute(
        select(committee_draws.c.round).where(committee_draws.c.tender_id == tender_id)
    ).first()
    if drawn is None:
        raise CommitteeNotDrawn(
            f"the committee of tender {tender_id} is not drawn yet", tender_id=tender_id
        )


def _committee_or_centre(
    services: Services, actor: Actor, tender_id: str, *, opened: bool
) -> Tender:
    """The tender, for its sitting members and its centre's operators and supervisors (once
    its committee is drawn, or with ``opened`` once its bids are opened)."""
    tender = tender_for(services, actor, tender_id, Action.EVALUATION_READ)
    with services.read_session() as session:
        if opened:
            require_opened(session, tender.id)
        else:
            require_drawn(session, tender.id)
        seat = seat_of(session, tender.id, actor.user_id)
    centre = dataclasses.replace(actor, roles=actor.roles - {Role.EXPERT})
    if seat is None and not is_allowed(centre, Action.EVALUATION_READ, resource(tender)):
        raise PermissionDenied(
            f"{actor.label} is not a sitting member of the committee of tender {tender.id}",
            tender_id=tender.id,
        )
    return tender


# -- advice -------------------------------------------------------------------------------------


def run_assistants(services: Services, views: list[SectionView]) -> dict[str, Any]:
    """Every installed assistant over every section. One that fails to load or to advise is
    reported by name, never hiding the others' advice."""
    assistants: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for item in extensions.installed(GROUP):
        try:
            assistants[item.name] = extensions.load(GROUP, item.name, services)
        except Exception as exc:  # noqa: BLE001 - an outside module may fail in any way
            errors.append({"assistant": item.name, "error": getattr(exc, "message", repr(exc))})
    findings: list[Finding] = []
    for name, assistant in sorted(assistants.items()):
        for view in views:
            try:
                findings.extend(assistant.advise(view))
            except Exception as exc:  # noqa: BLE001
                log.exception("evaluation assistant %s failed", name)
                errors.append({"assistant": name, "error": f"{type(exc).__name__}: {exc}"})
    return {
        "assistants": [
            {"name": name, "title": str(getattr(a, "title", name))}
            for name, a in sorted(assistants.items())
        ],
        "findings": [f.to_json() for f in findings],
        "errors": errors,
    }


def advice_of(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The assistants' advice on the tender's opened bids, for its committee and centre."""
    tender = _committee_or_centre(services, actor, tender_id, opened=True)
    with services.read_session() as session:
        views = section_views(session, tender)
    return {"tender_id": tender.id, **run_assistants(services, views)}


# -- grants -------------------------------------------------------------------------------------


def _grant_json(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "client_id": row.client_id,
        "granted_at": row.granted_at.isoformat(),
        "revoked_at": None if row.revoked_at is None else row.revoked_at.isoformat(),
    }


def grants_of(services: Services, actor: Actor, tender_id: str) -> list[dict[str, Any]]:
    tender = _committee_or_centre(services, actor, tender_id, opened=False)
    with services.read_session() as session:
        rows = session.execute(
            select(grants).where(grants.c.tender_id == tender.id).order_by(grants.c.granted_at)
        ).all()
    return [_grant_json(r) for r in rows]


def _member_seat(uow: SqlUnitOfWork, services: Services, tender_id: str) -> tuple[Tender, str]:
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_ASSIST_GRANT)
    require_drawn(uow.session, tender.id)
    seat = seat_of(uow.session, tender.id, uow.actor.user_id)
    if seat is None:
        raise PermissionDenied(
            f"{uow.actor.label} is not a sitting member of the committee of tender {tender.id}",
            tender_id=tender.id,
        )
    return tender, seat


def _live(session: Session, tender_id: str, client_id: str) -> Any:
    return session.execute(
        select(grants).where(
            grants.c.tender_id == tender_id,
            grants.c.client_id == client_id,
            grants.c.revoked_at.is_(None),
        )
    ).first()


def grant(uow: SqlUnitOfWork, services: Services, tender_id: str, client_id: str) -> dict[str, Any]:
    """A sitting member lets ``client_id`` read the tender's opened bids. Granting a client
    that holds a live grant already changes nothing."""
    with uow:
        tender, seat = _member_seat(uow, services, tender_id)
        client = uow.session.execute(
            select(integration_clients.c.scopes, integration_clients.c.revoked_at).where(
                integration_clients.c.client_id == client_id
            )
        ).first()
        if client is None or client.revoked_at is not None:
            raise NotFound(f"no registered client '{client_id}'", client_id=client_id)
        if SCOPE not in (client.scopes or []):
            raise InvalidInput(
                f"client {client_id} is not registered with scope '{SCOPE}'",
                field="client_id",
                client_id=client_id,
            )
        existing = _live(uow.session, tender.id, client_id)
        if existing is not None:
            return _grant_json(existing)
        now = uow.clock.now()
        grant_id = new_id()
        uow.session.execute(
            grants.insert().values(
                id=grant_id,
                tender_id=tender.id,
                client_id=client_id,
                granted_by=seat,
                granted_at=now,
            )
        )
        uow.record(
            ev.AssistantGranted("evaluation", tender.id, now, member_id=seat, client_id=client_id)
        )
        uow.commit()
        row = uow.session.execute(select(grants).where(grants.c.id == grant_id)).one()
    return _grant_json(row)


def revoke(uow: SqlUnitOfWork, services: Services, tender_id: str, client_id: str) -> None:
    """A sitting member ends a client's grant: its next call is refused."""
    with uow:
        tender, seat = _member_seat(uow, services, tender_id)
        existing = _live(uow.session, tender.id, client_id)
        if existing is None:
            raise NotFound(
                f"client {client_id} holds no grant for tender {tender.id}", client_id=client_id
            )
        now = uow.clock.now()
        uow.session.execute(
            update(grants).where(grants.c.id == existing.id).values(revoked_at=now, revoked_by=seat)
        )
        uow.record(
            ev.AssistantRevoked("evaluation", tender.id, now, member_id=seat, client_id=client_id)
        )
        uow.commit()


def client_view(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The opened bids for a machine client holding the committee's live grant — after the
    opening only."""
    tender = tender_for(services, actor, tender_id, Action.EVALUATION_ASSIST_READ)
    with services.read_session() as session:
        views = section_views(session, tender)  # refuses before the opening, whoever asks
        if actor.client_id is None or actor.user_id is not None:
            raise AssistantNotGranted(
                "only a machine client the committee granted reads this (scope evaluation.read)",
                tender_id=tender.id,
            )
        if _live(session, tender.id, actor.client_id) is None:
            raise AssistantNotGranted(
                f"the committee of tender {tender.id} has not granted client {actor.client_id}",
                tender_id=tender.id,
                client_id=actor.client_id,
            )
        opened_at = require_opened(session, tender.id).opened_at
    return {
        "tender_id": tender.id,
        "title": tender.title,
        "transaction_type": tender.transaction_type.value,
        "opened_at": None if opened_at is None else opened_at.isoformat(),
        "sections": [view_json(v) for v in views],
    }
