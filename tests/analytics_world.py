"""A small hand-made warehouse for the dashboards' tests, written as the refresh writes it:
Parquet under ``<data_dir>/warehouse/<table>/month=YYYY-MM/part-<refresh>-<part>.parquet``
(``store.partition_path``), the ``month`` column only in the folder name, a ``refresh`` column.

``Market`` keeps the rows it wrote, so that a test can compute the expected figures itself in
plain Python (``current``: the newest row per key, as readers must see them).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from prex.analytics.warehouse import schema, store

D = Decimal


def at(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 2, 0, tzinfo=UTC)


def write_rows(root: Path, table: str, rows: list[dict[str, Any]], refresh: int) -> None:
    """One refresh's rows of ``table``, one file per month partition."""
    full = schema.PLATFORM_TABLES[table]
    stored = full.remove(full.get_field_index("month"))
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_month[row["month"]].append(row)
    for month, group in by_month.items():
        records = [{n: r.get(n) for n in stored.names} | {"refresh": refresh} for r in group]
        path = store.partition_path(root, table, month, refresh, 0)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(records, schema=stored), path)


@dataclass
class Market:
    root: Path
    written: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"tenders": [], "lots": [], "bids": []}
    )

    def write(self, table: str, rows: list[dict[str, Any]], refresh: int = 1) -> None:
        write_rows(self.root, table, rows, refresh)
        self.written[table].extend({**r, "refresh": refresh} for r in rows)

    def current(self, table: str) -> list[dict[str, Any]]:
        key = schema.KEYS[table]
        newest: dict[str, dict[str, Any]] = {}
        for row in self.written[table]:
            if row[key] not in newest or row["refresh"] > newest[row[key]]["refresh"]:
                newest[row[key]] = row
        return list(newest.values())


def tender(
    tid: str, centre: str, region: str, kind: str, month: int, **extra: Any
) -> dict[str, Any]:
    return {
        "tender_id": tid,
        "centre_id": centre,
        "region_code": region,
        "transaction_type": kind,
        "method": extra.pop("method", "open"),
        "buyer_id": extra.pop("buyer", "B1"),
        "buyer_name": extra.pop("buyer_name", "杭州市第一中学"),
        "title": f"项目 {tid}",
        "status": "awarded",
        "sandbox": extra.pop("sandbox", False),
        "budget": extra.pop("budget", None),
        "published_at": at(month, 3),
        "awarded_at": extra.pop("awarded_at", None),
        "month": f"2026-{month:02d}",
        **extra,
    }


def lot(lid: str, t: dict[str, Any], budget: str | None, **extra: Any) -> dict[str, Any]:
    award = extra.pop("award", None)
    return {
        "lot_id": lid,
        "tender_id": t["tender_id"],
        "number": 1,
        "name": lid,
        "budget": None if budget is None else D(budget),
        "ceiling_price": None if (c := extra.pop("ceiling", None)) is None else D(c),
        "centre_id": t["centre_id"],
        "region_code": t["region_code"],
        "transaction_type": t["transaction_type"],
        "method": t["method"],
        "buyer_id": t["buyer_id"],
        "published_at": t["published_at"],
        "winner_id": extra.pop("winner", None),
        "award_amount": None if award is None else D(award),
        "awarded_at": extra.pop("awarded_at", None),
        "month": t["month"],
        **extra,
    }


def bid(bid_id: str, lt: dict[str, Any], bidder: str, status: str = "live") -> dict[str, Any]:
    return {
        "bid_id": bid_id,
        "tender_id": lt["tender_id"],
        "lot_id": lt["lot_id"],
        "bidder_id": bidder,
        "bidder_name": f"供应商{bidder}",
        "status": status,
        "received_at": lt["published_at"],
        "opened": True,
        "won": lt["winner_id"] == bidder,
        "month": lt["month"],
    }


def build_market(root: Path, province: str, city: str) -> Market:
    """Tenders of two months in a province and its city, one sandbox tender, one of another
    centre; lots awarded against a ceiling or a budget or not at all; live, replaced and
    withdrawn bids; and a second refresh that awards a lot the first left open."""
    market = Market(root)
    t1 = tender("T1", province, "330100", "engineering", 1, budget=D("2000000"))
    t2 = tender("T2", city, "330102", "procurement", 1, buyer="B2", buyer_name="杭州市卫健委")
    t3 = tender(
        "T3",
        province,
        "330200",
        "engineering",
        2,
        method="invited",
        buyer="B2",
        buyer_name="杭州市卫健委",
    )
    t4 = tender("T4", province, "330100", "engineering", 2)
    t5 = tender("T5", province, "330100", "engineering", 2, sandbox=True)
    t6 = tender("T6", "other-centre", "110100", "engineering", 2, buyer="B9")
    t7 = tender(
        "T7",
        province,
        "330100",
        "procurement",
        3,
        buyer="B2",
        buyer_name="杭州市卫健委",
        awarded_at=at(4, 20),
    )
    market.write("tenders", [t1, t2, t3, t4, t5, t6, t7])
    l1 = lot(
        "L1",
        t1,
        "1200000.00",
        ceiling="1100000.00",
        winner="S1",
        award="990000.50",
        awarded_at=at(2, 10),
    )
    l2 = lot("L2", t1, "800000.00", winner="S2", award="760000.00", awarded_at=at(2, 17))
    l3 = lot("L3", t2, "500000.00", winner="S1", award="455000.00", awarded_at=at(1, 30))
    l4 = lot("L4", t3, "300000.00")
    l5 = lot("L5", t4, "650000.00", ceiling="640000.00")  # awarded by refresh 2
    l6 = lot("L6", t5, "99999.00", winner="S1", award="90000.00", awarded_at=at(3, 1))
    l7 = lot("L7", t6, "70000.00", winner="S3", award="60000.00", awarded_at=at(3, 2))
    l8 = lot("L8", t7, None, winner="S1", award="120000.00")
    l9 = lot("L9", t7, "410000.00", winner="S3", award="400000.00", awarded_at=at(4, 2))
    market.write("lots", [l1, l2, l3, l4, l5, l6, l7, l8, l9])
    bids = [
        bid("b1", l1, "S1"),
        bid("b2", l1, "S2"),
        bid("b3", l1, "S3"),
        bid("b4", l1, "S4", "withdrawn"),
        bid("b5", l2, "S2"),
        bid("b6", l2, "S1", "replaced"),
        bid("b7", l3, "S1"),
        bid("b8", l5, "S1"),
        bid("b9", l5, "S2"),
        bid("b10", l6, "S1"),
        bid("b11", l7, "S3"),
        bid("b12", l8, "S1"),
        bid("b13", l9, "S3"),
        bid("b14", l9, "S1"),
    ]
    market.write("bids", bids)
    l5_awarded = {**l5, "winner_id": "S2", "award_amount": D("600000.00"), "awarded_at": at(3, 25)}
    market.write("lots", [l5_awarded], refresh=2)
    return market
