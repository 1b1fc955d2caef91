"""The dashboards' charts as data: categories and series the page hands to
``/static/analytics.js`` (ECharts) as JSON. Built from the same tables the page shows, in
Python, so that the script only draws.

Tables split by type and region are summed by month here; rates are recomputed from the sums
(bids over lots with bids, savings over the ceiling or budget), never averaged.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from prex.analytics.dashboards.figures import Figures
from prex.web.pages import labels


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def _by_month(figures: Figures, keys: tuple[str, ...]) -> dict[str, dict[str, Decimal]]:
    months: dict[str, dict[str, Decimal]] = {}
    for row in figures.rows:
        sums = months.setdefault(str(row["month"]), {k: Decimal(0) for k in keys})
        for key in keys:
            sums[key] += Decimal(row[key] or 0)
    return dict(sorted(months.items()))


def _ratio(top: Decimal, bottom: Decimal) -> float | None:
    return float(top / bottom) if bottom else None


def _series(name: str, kind: str, values: list[float | None], axis: int = 0) -> dict[str, Any]:
    return {"name": name, "type": kind, "values": values, "axis": axis}


def charts(tables: dict[str, Figures], gettext: Callable[[str], str]) -> list[dict[str, Any]]:
    """One chart per dashboard that has rows: ``id`` (the element), ``categories``,
    ``series`` (bar or line, on the left axis 0 or the right axis 1), ``percent`` (the right
    axis is a rate)."""
    out: list[dict[str, Any]] = []
    volume = _by_month(tables["volume"], ("tenders", "value"))
    if volume:
        out.append(
            {
                "id": "chart-volume",
                "categories": list(volume),
                "series": [
                    _series(
                        gettext("Tenders"), "bar", [float(v["tenders"]) for v in volume.values()]
                    ),
                    _series(
                        gettext("Value"), "line", [float(v["value"]) for v in volume.values()], 1
                    ),
                ],
            }
        )
    compete = _by_month(
        tables["competition"], ("lots", "lots_without_bids", "bids", "single_bid_lots")
    )
    if compete:
        with_bids = {m: v["lots"] - v["lots_without_bids"] for m, v in compete.items()}
        out.append(
            {
                "id": "chart-competition",
                "categories": list(compete),
                "percent": True,
                "series": [
                    _series(
                        gettext("Bids per lot"),
                        "bar",
                        [_ratio(v["bids"], with_bids[m]) for m, v in compete.items()],
                    ),
                    _series(
                        gettext("Single-bid rate"),
                        "line",
                        [_ratio(v["single_bid_lots"], with_bids[m]) for m, v in compete.items()],
                        1,
                    ),
                ],
            }
        )
    saved = _by_month(tables["savings"], ("reference", "savings"))
    if saved:
        out.append(
            {
                "id": "chart-savings",
                "categories": list(saved),
                "percent": True,
                "series": [
                    _series(
                        gettext("Savings"), "bar", [float(v["savings"]) for v in saved.values()]
                    ),
                    _series(
                        gettext("Savings rate"),
                        "line",
                        [_ratio(v["savings"], v["reference"]) for v in saved.values()],
                        1,
                    ),
                ],
            }
        )
    timing = tables["timing"].rows
    if timing:
        months = sorted({str(r["month"]) for r in timing})
        types = sorted({str(r["transaction_type"]) for r in timing})
        cell = {(str(r["month"]), str(r["transaction_type"])): r["median_days"] for r in timing}
        median = gettext("Median days")
        out.append(
            {
                "id": "chart-timing",
                "categories": months,
                "series": [
                    _series(
                        f"{gettext(labels.label(labels.QUALITY_TYPE, t))} · {median}",
                        "line",
                        [_number(cell.get((m, t))) for m in months],
                    )
                    for t in types
                ],
            }
        )
    markets = tables["concentration"].rows[:10]
    if markets:
        out.append(
            {
                "id": "chart-concentration",
                "categories": [f"{r['buyer_name'] or r['buyer_id']} {r['year']}" for r in markets],
                "series": [_series(gettext("HHI"), "bar", [_number(r["hhi"]) for r in markets])],
                "mark": 2500,
            }
        )
    for name, key in (("top-buyers", "buyer"), ("top-suppliers", "supplier")):
        rows = tables[name].rows[:10]
        if rows:
            out.append(
                {
                    "id": f"chart-{name}",
                    "categories": [str(r[f"{key}_name"] or r[f"{key}_id"]) for r in rows],
                    "series": [
                        _series(
                            gettext("Awarded value"),
                            "bar",
                            [_number(r["awarded_value"]) for r in rows],
                        )
                    ],
                }
            )
    return out


def quality_chart(figures: Figures, gettext: Callable[[str], str]) -> dict[str, Any] | None:
    if not figures.rows:
        return None
    return {
        "id": "chart-quality",
        "categories": [str(r["name"]) for r in figures.rows],
        "series": [
            _series(gettext("Overall"), "bar", [_number(r["overall"]) for r in figures.rows])
        ],
    }
