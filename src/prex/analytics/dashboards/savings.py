"""Savings: the ceiling price (or, where none was set, the budget) against the award amount.

Only awarded lots with a reference count. The rate is the savings over the reference, summed
over the lots first (a weighted rate: large lots weigh more).
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
    Column("against_ceiling", N_("Against the ceiling price"), "count"),
    Column("against_budget", N_("Against the budget"), "count"),
    Column("reference", N_("Ceiling or budget"), "money"),
    Column("awarded", N_("Awarded value"), "money"),
    Column("savings", N_("Savings"), "money"),
    Column("savings_rate", N_("Savings rate"), "rate"),
)


def savings(con: duckdb.DuckDBPyConnection, flt: Filter) -> Figures:
    ctes, params = scope(flt)
    sql = f"""{ctes},
        awarded AS (
            SELECT *, coalesce(ceiling_price, budget) AS reference FROM fl
            WHERE award_amount IS NOT NULL AND coalesce(ceiling_price, budget) IS NOT NULL
        )
        SELECT t_month AS month, t_type AS transaction_type,
               count(*) AS awarded_lots,
               count(ceiling_price) AS against_ceiling,
               count(*) - count(ceiling_price) AS against_budget,
               sum(reference) AS reference,
               sum(award_amount) AS awarded,
               sum(reference - award_amount) AS savings,
               CAST(sum(reference - award_amount) AS DOUBLE)
                   / nullif(CAST(sum(reference) AS DOUBLE), 0) AS savings_rate
        FROM awarded
        GROUP BY ALL
        ORDER BY month, transaction_type"""
    return Figures(
        "savings",
        N_("Savings"),
        N_(
            "Awarded lots: the ceiling price, or the budget where no ceiling was set, minus "
            "the award amount; the rate is over the summed ceiling or budget."
        ),
        COLUMNS,
        fetch(con, sql, params),
    )
