"""The dashboards' figures computed again in plain Python from a ``Market``'s rows, by the
definitions in docs/dashboards.md, to check the DuckDB SQL against (and the pages' numbers)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from tests.analytics_world import Market

Row = dict[str, Any]


def selected(
    market: Market,
    *,
    centre: str | None = None,
    region: str | None = None,
    txn_type: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    sandbox: bool = False,
    centres: Iterable[str] | None = None,
) -> tuple[list[Row], list[Row], list[Row]]:
    """The tenders a filter selects, their lots, and those lots' bids (current rows)."""
    visible = None if centres is None else set(centres)
    tenders = [
        t
        for t in market.current("tenders")
        if (sandbox or not t["sandbox"])
        and (centre is None or t["centre_id"] == centre)
        and (visible is None or t["centre_id"] in visible)
        and (region is None or t["region_code"].startswith(region))
        and (txn_type is None or t["transaction_type"] == txn_type)
        and (month_from is None or t["month"] >= month_from)
        and (month_to is None or t["month"] <= month_to)
    ]
    ids = {t["tender_id"] for t in tenders}
    lots = [lt for lt in market.current("lots") if lt["tender_id"] in ids]
    lot_ids = {lt["lot_id"] for lt in lots}
    bids = [b for b in market.current("bids") if b["lot_id"] in lot_ids]
    return tenders, lots, bids


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default, DuckDB's cont)."""
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def volume(tenders: list[Row], lots: list[Row]) -> dict[tuple[str, str, str], Row]:
    out: dict[tuple[str, str, str], Row] = {}
    for t in tenders:
        key = (t["month"], t["transaction_type"], t["region_code"])
        row = out.setdefault(
            key,
            {
                "tenders": 0,
                "lots": 0,
                "awarded_lots": 0,
                "awarded_value": Decimal(0),
                "budget_not_awarded": Decimal(0),
            },
        )
        row["tenders"] += 1
        for lt in (lt for lt in lots if lt["tender_id"] == t["tender_id"]):
            row["lots"] += 1
            if lt["award_amount"] is not None:
                row["awarded_lots"] += 1
                row["awarded_value"] += lt["award_amount"]
            elif lt["budget"] is not None:
                row["budget_not_awarded"] += lt["budget"]
    for row in out.values():
        row["value"] = row["awarded_value"] + row["budget_not_awarded"]
    return out


def _tender_of(tenders: list[Row]) -> dict[str, Row]:
    return {t["tender_id"]: t for t in tenders}


def competition(tenders: list[Row], lots: list[Row], bids: list[Row]) -> dict[tuple[str, str], Row]:
    by_tender = _tender_of(tenders)
    counts: dict[tuple[str, str], list[int]] = defaultdict(list)
    for lt in lots:
        t = by_tender[lt["tender_id"]]
        live = sum(1 for b in bids if b["lot_id"] == lt["lot_id"] and b["status"] == "live")
        counts[(t["month"], t["transaction_type"])].append(live)
    out = {}
    for key, per_lot in counts.items():
        with_bids = [n for n in per_lot if n > 0]
        out[key] = {
            "lots": len(per_lot),
            "lots_without_bids": len(per_lot) - len(with_bids),
            "bids": sum(per_lot),
            "bids_per_lot": sum(with_bids) / len(with_bids) if with_bids else None,
            "single_bid_lots": sum(1 for n in per_lot if n == 1),
            "single_bid_rate": (
                sum(1 for n in per_lot if n == 1) / len(with_bids) if with_bids else None
            ),
        }
    return out


def savings(tenders: list[Row], lots: list[Row]) -> dict[tuple[str, str], Row]:
    by_tender = _tender_of(tenders)
    out: dict[tuple[str, str], Row] = {}
    for lt in lots:
        reference = lt["ceiling_price"] if lt["ceiling_price"] is not None else lt["budget"]
        if lt["award_amount"] is None or reference is None:
            continue
        t = by_tender[lt["tender_id"]]
        row = out.setdefault(
            (t["month"], t["transaction_type"]),
            {
                "awarded_lots": 0,
                "against_ceiling": 0,
                "against_budget": 0,
                "reference": Decimal(0),
                "awarded": Decimal(0),
            },
        )
        row["awarded_lots"] += 1
        row["against_ceiling" if lt["ceiling_price"] is not None else "against_budget"] += 1
        row["reference"] += reference
        row["awarded"] += lt["award_amount"]
    for row in out.values():
        row["savings"] = row["reference"] - row["awarded"]
        row["savings_rate"] = float(row["savings"] / row["reference"])
    return out


def timing(tenders: list[Row], lots: list[Row]) -> dict[tuple[str, str], Row]:
    by_tender = _tender_of(tenders)
    days: dict[tuple[str, str], list[float]] = defaultdict(list)
    for lt in lots:
        t = by_tender[lt["tender_id"]]
        awarded = lt["awarded_at"] or t["awarded_at"]
        if awarded is None or t["published_at"] is None:
            continue
        span = (awarded - t["published_at"]).total_seconds() / 86400
        days[(t["month"], t["transaction_type"])].append(span)
    return {
        key: {"awarded_lots": len(v), "median_days": quantile(v, 0.5), "p90_days": quantile(v, 0.9)}
        for key, v in days.items()
    }


def concentration(tenders: list[Row], lots: list[Row]) -> dict[tuple[str, str, str, str], Row]:
    by_tender = _tender_of(tenders)
    values: dict[tuple[str, str, str, str], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    awards: dict[tuple[str, str, str, str], int] = defaultdict(int)
    for lt in lots:
        if lt["winner_id"] is None or lt["award_amount"] is None:
            continue
        t = by_tender[lt["tender_id"]]
        key = (t["buyer_id"], t["transaction_type"], t["method"], t["month"][:4])
        values[key][lt["winner_id"]] += lt["award_amount"]
        awards[key] += 1
    out = {}
    for key, per_supplier in values.items():
        total = sum(per_supplier.values())
        hhi = sum((100 * float(v) / float(total)) ** 2 for v in per_supplier.values())
        out[key] = {
            "awards": awards[key],
            "suppliers": len(per_supplier),
            "value": total,
            "hhi": hhi,
            "band": "high" if hhi > 2500 else "moderate" if hhi >= 1500 else "low",
        }
    return out


def top_buyers(tenders: list[Row], lots: list[Row]) -> list[Row]:
    rows: dict[str, Row] = {}
    for t in tenders:
        row = rows.setdefault(
            t["buyer_id"],
            {
                "buyer_id": t["buyer_id"],
                "tenders": 0,
                "awarded_lots": 0,
                "awarded_value": Decimal(0),
            },
        )
        row["tenders"] += 1
        for lt in lots:
            if lt["tender_id"] == t["tender_id"] and lt["award_amount"] is not None:
                row["awarded_lots"] += 1
                row["awarded_value"] += lt["award_amount"]
    return sorted(rows.values(), key=lambda r: (-r["awarded_value"], -r["tenders"], r["buyer_id"]))


def top_suppliers(lots: list[Row], bids: list[Row]) -> list[Row]:
    rows: dict[str, Row] = {}
    for lt in lots:
        if lt["winner_id"] is None:
            continue
        row = rows.setdefault(
            lt["winner_id"],
            {"supplier_id": lt["winner_id"], "awards": 0, "awarded_value": Decimal(0)},
        )
        row["awards"] += 1
        row["awarded_value"] += lt["award_amount"] or Decimal(0)
    for row in rows.values():
        live = sum(
            1 for b in bids if b["bidder_id"] == row["supplier_id"] and b["status"] == "live"
        )
        row["bids"] = live
        row["win_rate"] = row["awards"] / live if live else None
    return sorted(
        rows.values(), key=lambda r: (-r["awarded_value"], -r["awards"], r["supplier_id"])
    )
