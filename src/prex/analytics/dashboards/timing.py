"""Time from the tender's announcement to the award, median and 90th percentile, in days.

Per awarded lot: its own award time, else the tender's first award notice. Percentiles are
continuous (interpolated between the two nearest lots), as DuckDB's ``quantile_cont``.
"""

from __future__ import annotations

import duckdb

from prex.analytics.dashboards.figures import MONTH, N_, TYPE, Column, Figures, fetch
from prex.analytics.dashboards.filters import Filter
from prex.analytics.dashboards.source import scope

COLUMNS = (
    MONTH,
    TYPE,
    Column("awarded_lots", N_("Awarded lots"), "count"),
    Column("median_days", N_("Median days"), "days"),
    Column("p90_days", N_("90th percentile days"), "days"),
)


def timing(con: duckdb.DuckDBPyConnection, flt: Filter) -> Figures:
    ctes, params = scope(flt)
    sql = f"""{ctes},
        spans AS (
            SELECT t_month, t_type,
                   (epoch(coalesce(awarded_at, t_awarded)) - epoch(t_published)) / 86400.0
                       AS days
            FROM fl
            WHERE coalesce(awarded_at, t_awarded) IS NOT NULL AND t_published IS NOT NULL
        )
        SELECT t_month AS month, t_type AS transaction_type, count(*) AS awarded_lots,
               quantile_cont(days, 0.5) AS median_days, quantile_cont(days, 0.9) AS p90_days
        FROM spans
        GROUP BY ALL
        ORDER BY month, transaction_type"""
    return Figures(
        "timing",
        N_("Time to award"),
        N_("Days from the tender's announcement to the award of each awarded lot."),
        COLUMNS,
        fetch(con, sql, params),
    )
