"""The province-wide index: one row per compiled record, local or federated, with what a search
filters and shows (title, buyer, category, stage, value, date), marked by its source centre.

Rows are written where records are compiled — by the OCDS publisher for this centre's own, by a
pull or an import for a source's — so the index never lags the records it describes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from prex.exchange.federation.orm import ocds_index
from prex.exchange.releases.orm import ocds_records

if TYPE_CHECKING:
    from prex.bootstrap import Services

# The newest of these tags names the stage a process has reached.
_STAGES = ("planning", "tender", "award", "contract", "implementation")


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def parse_date(value: Any) -> datetime | None:
    """An OCDS date-time as an aware UTC datetime, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _stage(compiled: Mapping[str, Any]) -> str:
    """The furthest stage the compiled release shows: contracts, then awards, then the tender."""
    if compiled.get("contracts"):
        return "contract"
    if compiled.get("awards"):
        return "award"
    if compiled.get("tender"):
        return "tender"
    return "planning" if compiled.get("planning") else ""


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def summary(compiled: Mapping[str, Any]) -> dict[str, Any]:
    """What the index keeps of a compiled release (anything missing is empty, never an error:
    federated data is whatever the publisher published)."""
    tender = _object(compiled.get("tender"))
    buyer = _object(compiled.get("buyer"))
    value = _object(tender.get("value"))
    amount = value.get("amount")
    currency = value.get("currency")
    return {
        "title": _text(tender.get("title"), 1000),
        "buyer": _text(buyer.get("name"), 500),
        "category": _text(tender.get("mainProcurementCategory"), 32),
        "stage": _stage(compiled),
        "amount": str(amount)[:40] if isinstance(amount, int | float | str) else None,
        "currency": currency if isinstance(currency, str) and len(currency) == 3 else None,
        "date": parse_date(compiled.get("date")),
    }


def put(
    session: Session,
    *,
    source: str,
    ocid: str,
    compiled: Mapping[str, Any],
    local: bool,
    now: datetime,
) -> None:
    """Index one record (replacing its previous row), inside the caller's transaction."""
    session.execute(
        delete(ocds_index).where(ocds_index.c.source == source, ocds_index.c.ocid == ocid)
    )
    session.execute(
        insert(ocds_index).values(
            source=source, ocid=ocid, local=int(local), updated_at=now, **summary(compiled)
        )
    )


def index_local_backlog(session: Session, *, now: datetime, batch: int = 500) -> int:
    """Index this centre's records that have no index row yet (those compiled before the index
    existed); returns how many. The caller commits."""
    missing = session.execute(
        select(ocds_records.c.ocid, ocds_records.c.source, ocds_records.c.compiled)
        .outerjoin(
            ocds_index,
            (ocds_index.c.source == ocds_records.c.source)
            & (ocds_index.c.ocid == ocds_records.c.ocid),
        )
        .where(ocds_index.c.ocid.is_(None))
        .limit(batch)
    ).all()
    for row in missing:
        put(session, source=row.source, ocid=row.ocid, compiled=row.compiled, local=True, now=now)
    return len(missing)


def _missing_local(session: Session) -> bool:
    return (
        session.execute(
            select(ocds_records.c.ocid)
            .outerjoin(
                ocds_index,
                (ocds_index.c.source == ocds_records.c.source)
                & (ocds_index.c.ocid == ocds_records.c.ocid),
            )
            .where(ocds_index.c.ocid.is_(None))
            .limit(1)
        ).first()
        is not None
    )


_caught_up: set[str] = set()  # databases whose backlog this process has seen empty


def index_backlog(services: Services) -> int:
    """The worker's step: index local records compiled before the index existed. Once none is
    missing the step stops looking (the publisher indexes every record it compiles), so a
    worker pays for the check only until the backlog is done."""
    url = services.settings.resolved_database_url
    if url in _caught_up:
        return 0
    with services.read_session() as session:
        if not _missing_local(session):
            _caught_up.add(url)
            return 0
    with services.writer_session() as session:
        done = index_local_backlog(session, now=services.clock.now())
        session.commit()
    return done
