"""The warehouse as the dashboards read it: the newest rows of ``tenders``, ``lots``, ``bids``.

A table the refresh has not written yet is an empty table of its schema, so a new platform's
dashboards show zeros instead of failing; and every query starts from the same filtered
tenders and their lots (``scope``), so all dashboards count the same things.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from prex.analytics.dashboards.filters import Filter
from prex.analytics.warehouse import schema, store

TABLES = ("tenders", "lots", "bids")


def open_dashboards(root: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with a view (or an empty table) for each table the dashboards read."""
    con = store.open_warehouse(root, {name: schema.KEYS[name] for name in TABLES})
    present = {row[0] for row in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
    for name in TABLES:
        if name not in present:
            con.register(name, schema.PLATFORM_TABLES[name].empty_table())
    return con


def scope(flt: Filter) -> tuple[str, dict[str, Any]]:
    """Two CTEs: ``ft``, the tenders the filter selects, and ``fl``, their lots with the
    tender's type, month (of publication), region, buyer, method and times beside them."""
    where, params = flt.where("t")
    sql = f"""
        WITH ft AS (
            SELECT t.*, CAST(t.month AS VARCHAR) AS t_month FROM tenders t WHERE {where}
        ),
        fl AS (
            SELECT l.lot_id, l.tender_id, l.budget, l.ceiling_price, l.winner_id,
                   l.award_amount, l.awarded_at,
                   ft.transaction_type AS t_type, ft.t_month, ft.region_code AS t_region,
                   ft.buyer_id AS t_buyer, ft.buyer_name AS t_buyer_name, ft.method AS t_method,
                   ft.published_at AS t_published, ft.awarded_at AS t_awarded
            FROM lots l JOIN ft ON l.tender_id = ft.tender_id
        )"""
    return sql, params
