"""One scan: open the warehouse, run every rule, record the run, score, raise alerts.

This is what ``prex flags scan`` (and a scheduled job) does. The warehouse is opened with the
key columns of the tables it should expose: the platform's (``warehouse.schema.KEYS``) by
default; the caller adds the OCDS tables' keys. Tenders and lots are placed in their centre by
the warehouse's own ``tenders`` and ``lots`` tables, so each centre's supervisors see theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from prex.analytics.flags.engine import available_tables, run_rules
from prex.analytics.flags.rule import Rule, load_rules
from prex.analytics.risk.service import RunSummary, record_run
from prex.analytics.warehouse.schema import all_keys
from prex.analytics.warehouse.snapshot import warehouse_snapshot
from prex.analytics.warehouse.store import warehouse_root
from prex.bootstrap import Services
from prex.identity.policy import Actor
from prex.shared.errors import InvalidInput


def centres_of(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Tender and lot id → centre id, from the warehouse's platform tables (if present)."""
    present = available_tables(con)
    found: dict[str, str] = {}
    for table, key in (("tenders", "tender_id"), ("lots", "lot_id")):
        if table in present:
            rows = con.execute(
                f"SELECT {key}, centre_id FROM {table} WHERE centre_id IS NOT NULL"
            ).fetchall()
            found.update({str(k): str(c) for k, c in rows})
    return found


def scan(
    services: Services,
    actor: Actor,
    *,
    warehouse: Path | None = None,
    keys: Mapping[str, str] | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    rules: Sequence[Rule] | None = None,
) -> RunSummary:
    """Run ``rules`` (default: every bundled rule) over the warehouse and record the run.

    Only the rules whose tables the warehouse has are recorded as having run, so a warehouse
    without bids resolves none of the collusion hits a fuller one found before."""
    root = warehouse or warehouse_root(services.settings)
    if not root.is_dir():
        raise InvalidInput(
            f"no warehouse at {root}: run 'prex analytics refresh' first", field="warehouse"
        )
    started = services.clock.now()
    with warehouse_snapshot(root, dict(keys) if keys is not None else all_keys()) as con:
        chosen = list(rules) if rules is not None else load_rules()
        present = available_tables(con)
        ran = [r for r in chosen if set(r.tables) <= present]
        hits = run_rules(con, ran, settings or {})
        centres = centres_of(con)
    return record_run(
        services.uow(actor), hits, rules=ran, centres=centres, source=str(root), started_at=started
    )
