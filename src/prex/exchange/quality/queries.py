"""Reading the scores: the ranking of centres, a centre's trend by month, its findings.

A period is a Beijing month (``YYYY-MM``) or day (``YYYY-MM-DD``); the totals are kept per day
and summed here. Bad filters are :class:`InvalidInput` (a problem document, a CLI error line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prex.exchange.dataspec.orm import upstream_platforms
from prex.exchange.quality.orm import quality_findings, quality_totals
from prex.exchange.quality.rules import TYPES, Dimension
from prex.exchange.quality.scores import Totals, scores
from prex.identity.orm import centres
from prex.shared.errors import InvalidInput, NotFound

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
PAGE_SIZE = 50


def check_period(period: str | None) -> str | None:
    if period is None or period == "":
        return None
    if not _PERIOD.match(period):
        raise InvalidInput(f"'{period}' is not a period (YYYY-MM or YYYY-MM-DD)", field="period")
    return period


def check_month(month: str | None) -> str | None:
    if month is not None and not _MONTH.match(month):
        raise InvalidInput(f"'{month}' is not a month (YYYY-MM)", field="period")
    return month


def check_type(txn_type: str | None) -> str | None:
    if txn_type is None or txn_type == "":
        return None
    if txn_type not in TYPES:
        raise InvalidInput(
            f"'{txn_type}' is not a transaction type ({', '.join(TYPES)})", field="type"
        )
    return txn_type


def check_dimension(dimension: str | None) -> str | None:
    if dimension is None or dimension == "":
        return None
    if dimension not in set(Dimension):
        names = ", ".join(d.value for d in Dimension)
        raise InvalidInput(f"'{dimension}' is not a dimension ({names})", field="dimension")
    return dimension


def centre_names(session: Session, own: str) -> dict[str, str]:
    """Platform code → name: the registered platforms, and this centre under its own code."""
    names = {
        r.code: r.name
        for r in session.execute(select(upstream_platforms.c.code, upstream_platforms.c.name))
    }
    mine = session.execute(
        select(centres.c.name).where(centres.c.platform_code == own).order_by(centres.c.created_at)
    ).first()
    names.setdefault(own, mine.name if mine else own)
    return names


def _totals(
    session: Session,
    *,
    code: str | None,
    period: str | None,
    txn_type: str | None,
    since: str | None = None,
    until: str | None = None,
) -> dict[tuple[str, str], Totals]:
    """Totals keyed by (platform, month) over the days matching the filters (``since`` and
    ``until`` are months, inclusive)."""
    t = quality_totals
    month = func.substr(t.c.day, 1, 7)
    query = select(
        t.c.platform_code, month.label("month"), *(func.sum(t.c[n]) for n in Totals.names())
    ).group_by(t.c.platform_code, month)
    if code is not None:
        query = query.where(t.c.platform_code == code)
    if txn_type is not None:
        query = query.where(t.c.txn_type == txn_type)
    if period is not None:
        query = query.where(t.c.day.startswith(period))
    if since is not None:
        query = query.where(month >= since)
    if until is not None:
        query = query.where(month <= until)
    return {
        (row[0], row[1]): Totals(*(int(v or 0) for v in row[2:])) for row in session.execute(query)
    }


@dataclass(frozen=True)
class Ranked:
    rank: int
    code: str
    name: str
    scores: dict[str, float | None]
    totals: Totals

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "code": self.code,
            "name": self.name,
            **self.scores,
            "records": self.totals.records,
            "deals": self.totals.deals,
        }


def ranking(
    session: Session,
    own: str,
    *,
    period: str | None = None,
    txn_type: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[Ranked]:
    """Every centre with data in the period (or from month ``since`` to month ``until``, as
    the analytics dashboards ask), best overall score first (ties: by code)."""
    by_code: dict[str, Totals] = {}
    for (code, _month), sums in _totals(
        session,
        code=None,
        period=check_period(period),
        txn_type=check_type(txn_type),
        since=check_month(since),
        until=check_month(until),
    ).items():
        by_code[code] = by_code.get(code, Totals()) + sums
    names = centre_names(session, own)
    rows = [(code, scores(sums).as_dict(), sums) for code, sums in by_code.items()]
    rows.sort(key=lambda r: (-(r[1]["overall"] or 0.0), r[0]))
    return [
        Ranked(i, code, names.get(code, code), values, sums)
        for i, (code, values, sums) in enumerate(rows, start=1)
    ]


def overall_by_month(
    session: Session, *, txn_type: str | None = None
) -> dict[str, dict[str, float | None]]:
    """Every centre's overall score per month (for the ranking's trend lines), in one query."""
    by_code: dict[str, dict[str, float | None]] = {}
    for (code, month), sums in _totals(
        session, code=None, period=None, txn_type=check_type(txn_type)
    ).items():
        by_code.setdefault(code, {})[month] = scores(sums).as_dict()["overall"]
    return by_code


def centre_trend(
    session: Session,
    own: str,
    code: str,
    *,
    period: str | None = None,
    txn_type: str | None = None,
) -> dict[str, Any]:
    """A centre's scores per month (oldest first) and over the whole selection."""
    names = centre_names(session, own)
    months = _totals(session, code=code, period=check_period(period), txn_type=check_type(txn_type))
    if code not in names and not months:
        known = session.execute(
            select(quality_totals.c.platform_code).where(quality_totals.c.platform_code == code)
        ).first()
        if known is None:  # neither registered here nor ever scored (a platform since removed)
            raise NotFound(f"no centre {code} pushes data here", centre=code)
    ordered = sorted((month, sums) for (_c, month), sums in months.items())
    whole = Totals()
    for _month, sums in ordered:
        whole = whole + sums
    return {
        "code": code,
        "name": names.get(code, code),
        "period": period,
        "type": txn_type,
        **scores(whole).as_dict(),
        "records": whole.records,
        "deals": whole.deals,
        "months": [
            {"month": month, **scores(sums).as_dict(), "records": sums.records}
            for month, sums in ordered
        ],
    }


def findings(
    session: Session,
    code: str,
    *,
    dimension: str | None = None,
    period: str | None = None,
    txn_type: str | None = None,
    page: int = 1,
) -> dict[str, Any]:
    """The failing records (and deals) of a centre, newest first, ``PAGE_SIZE`` a page."""
    if page < 1:
        raise InvalidInput("page is 1 or more", field="page")
    f = quality_findings
    query = select(f).where(f.c.platform_code == code)
    if (dimension := check_dimension(dimension)) is not None:
        query = query.where(f.c.dimension == dimension)
    if (period := check_period(period)) is not None:
        query = query.where(f.c.day.startswith(period))
    if (txn_type := check_type(txn_type)) is not None:
        query = query.where(f.c.txn_type == txn_type)
    count = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(f.c.day.desc(), f.c.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).mappings()
    items = [{k: v for k, v in r.items() if k not in ("id", "platform_code")} for r in rows]
    return {"code": code, "page": page, "page_size": PAGE_SIZE, "total": count, "items": items}
