"""Tiny hand-made warehouse tables for rule tests: every column filled, each bidder with its own
machine, address, account and contacts unless a test says otherwise."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from prex.analytics.flags.engine import parameters_for, run_rule
from prex.analytics.flags.rule import Hit, Rule, load_rules
from prex.analytics.warehouse.schema import BIDS, LOTS
from prex.analytics.warehouse.store import connect_tables

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
RULES = {rule.code: rule for rule in load_rules()}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def bid(
    lot: str, bidder: str, price: float | str | None = 1_000_000, **overrides: Any
) -> dict[str, Any]:
    """One live, opened bid of ``bidder`` for ``lot`` with everything of its own."""
    row: dict[str, Any] = {
        "bid_id": f"{lot}:{bidder}:{overrides.pop('n', 0)}",
        "tender_id": lot.split("/")[0],
        "lot_id": lot,
        "bidder_id": bidder,
        "bidder_uscc": "91110101MA00000000",
        "bidder_name": f"{bidder} 有限公司",
        "status": "live",
        "received_at": T0,
        "upload_ip": f"10.0.{sum(map(ord, bidder)) % 250}.{len(bidder)}",
        "opened": True,
        "price": None if price is None else Decimal(str(price)),
        "duration_days": 180,
        "project_manager": f"经理{bidder}",
        "qualified": True,
        "rank": None,
        "won": False,
        "mac_hashes": [sha(f"{bidder}-mac")],
        "cpu_hash": sha(f"{bidder}-cpu"),
        "disk_hashes": [sha(f"{bidder}-disk")],
        "tool": "prex-seal 1.0.0",
        "document_hashes": [sha(f"{lot}-{bidder}-doc")],
        "creation_ids": [sha(f"{bidder}-template")],
        "submitter_id": f"U-{bidder}",
        "submitter_email": f"staff@{bidder}.example.cn",
        "bidder_email": f"bid@{bidder}.example.cn",
        "contact_phone": f"1380000{sum(map(ord, bidder)) % 10000:04d}",
        "bond_kind": "cash",
        "bond_account": f"6222{sum(map(ord, bidder)):012d}",
        "bond_account_name": f"{bidder} 有限公司",
        "month": "2025-03",
        "refresh": 1,
    }
    row.update(overrides)
    return row


def lot(
    lot_id: str,
    winner: str | None = None,
    award: float | None = None,
    *,
    buyer: str = "G1",
    kind: str = "engineering",
    method: str = "open",
    ceiling: float | None = None,
    awarded: datetime | None = None,
) -> dict[str, Any]:
    return {
        "lot_id": lot_id,
        "tender_id": lot_id.split("/")[0],
        "number": 1,
        "name": "第1标段",
        "budget": Decimal("5000000"),
        "ceiling_price": None if ceiling is None else Decimal(str(ceiling)),
        "centre_id": "CTR-1101",
        "region_code": "110101",
        "transaction_type": kind,
        "method": method,
        "buyer_id": buyer,
        "published_at": T0,
        "winner_id": winner,
        "winning_bid_id": None,
        "award_amount": None if award is None else Decimal(str(award)),
        "awarded_at": (awarded or T0 + timedelta(days=40)) if winner else None,
        "contract_value": None if award is None else Decimal(str(award)),
        "month": "2025-03",
        "refresh": 1,
    }


def connect(
    bids: Iterable[Mapping[str, Any]] = (), lots: Iterable[Mapping[str, Any]] = ()
) -> duckdb.DuckDBPyConnection:
    return connect_tables(
        {
            "bids": pa.Table.from_pylist(list(bids), schema=BIDS),
            "lots": pa.Table.from_pylist(list(lots), schema=LOTS),
        }
    )


def run(code: str, con: duckdb.DuckDBPyConnection, **settings: Any) -> list[Hit]:
    rule: Rule = RULES[code]
    return run_rule(con, rule, parameters_for(rule, {code: settings}))


def flagged_lots(hits: Iterable[Hit]) -> set[str]:
    return {h.lot_id for h in hits if h.lot_id}
