"""HTTP API for the system: health, rule packs, the audit trail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import text

from prex import __version__
from prex.auctions import listing_views
from prex.audit.service import entries_for, verify_chain
from prex.identity.policy import Action, authorize
from prex.tenders.queries import tender_resource_of
from prex.web.deps import ActorDep, ServicesDep, acts, require

router = APIRouter(tags=["system"])


@router.get("/health", openapi_extra=acts(Action.PUBLIC_READ))
def health(services: ServicesDep) -> dict[str, str]:
    """Liveness and database reachability."""
    with services.read_session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": services.engines.dialect}


@router.get("/rule-packs", openapi_extra=acts(Action.PUBLIC_READ))
def rule_packs(services: ServicesDep) -> list[dict[str, Any]]:
    """Every rule pack with its periods and their statutory sources."""
    return [
        {
            "id": pack.id,
            "name": pack.name,
            "transaction_type": pack.transaction_type,
            "method": pack.method,
            "min_invitees": pack.min_invitees,
            "periods": {
                rule: {
                    "amount": p.amount,
                    "unit": p.unit.value,
                    "text": p.text,
                    "source": p.source,
                }
                for rule, p in pack.periods.items()
            },
        }
        for pack in services.rule_packs.all()
    ]


@router.get(
    "/audit/verify",
    openapi_extra=acts(Action.AUDIT_READ),
    dependencies=[Depends(require(Action.AUDIT_READ))],
)
def audit_verify(services: ServicesDep) -> dict[str, Any]:
    """Recompute the hash chain; names the first broken entry."""
    with services.read_session() as session:
        result = verify_chain(session)
    return {
        "ok": result.ok,
        "entries": result.entries,
        "broken_seq": result.broken.seq if result.broken else None,
        "reason": result.broken.reason if result.broken else None,
    }


@router.get(
    "/audit/{object_type}/{object_id}",
    openapi_extra=acts(Action.AUDIT_READ),
    dependencies=[Depends(require(Action.AUDIT_READ))],
)
def audit_of(
    object_type: str, object_id: str, services: ServicesDep, actor: ActorDep
) -> list[dict[str, Any]]:
    """Every audit entry about one object, oldest first. A tender's or a listing's trail is
    readable by the operators and supervisors of its own centre (and administrators)."""
    with services.read_session() as session:
        if object_type == "tender":
            authorize(actor, Action.AUDIT_READ, tender_resource_of(session, object_id))
        elif object_type == "listing":
            authorize(
                actor,
                Action.AUDIT_READ,
                listing_views.resource_of(listing_views.load(session, object_id)),
            )
        rows = entries_for(session, object_type, object_id)
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
        for row in rows
    ]
