"""Market concentration: the Herfindahl–Hirschman index of each buyer's awards per
transaction type, method and year (of the tender's publication).

A supplier's share is its awarded value over the buyer's in that market; HHI is the sum of
the squared shares in percent (0–10,000). Above 2,500 a market is highly concentrated, from
1,500 moderately (the bands of the US merger guidelines, used by OCDS red-flag guides).
"""

from __future__ import annotations

import duckdb

from prex.analytics.dashboards.figures import N_, TYPE, Column, Figures, fetch
from prex.analytics.dashboards.filters import Filter
from prex.analytics.dashboards.source import scope

HIGH, MODERATE = 2500, 1500

COLUMNS = (
    Column("buyer_id", N_("Buyer"), "text"),
    Column("buyer_name", N_("Buyer name"), "text"),
    TYPE,
    Column("method", N_("Method"), "method"),
    Column("year", N_("Year"), "text"),
    Column("awards", N_("Awards"), "count"),
    Column("suppliers", N_("Suppliers"), "count"),
    Column("value", N_("Awarded value"), "money"),
    Column("hhi", N_("HHI"), "hhi"),
    Column("band", N_("Concentration"), "band"),
)


def concentration(con: duckdb.DuckDBPyConnection, flt: Filter) -> Figures:
    ctes, params = scope(flt)
    sql = f"""{ctes},
        wins AS (
            SELECT t_buyer AS buyer_id, any_value(t_buyer_name) AS buyer_name,
                   t_type AS transaction_type, t_method AS method,
                   substr(t_month, 1, 4) AS year, winner_id,
                   count(*) AS awards, sum(award_amount) AS value
            FROM fl
            WHERE winner_id IS NOT NULL AND award_amount IS NOT NULL
            GROUP BY t_buyer, t_type, t_method, substr(t_month, 1, 4), winner_id
        ),
        shares AS (
            SELECT *, CAST(value AS DOUBLE) / nullif(CAST(sum(value) OVER (
                PARTITION BY buyer_id, transaction_type, method, year) AS DOUBLE), 0) AS share
            FROM wins
        ),
        markets AS (
            SELECT buyer_id, any_value(buyer_name) AS buyer_name, transaction_type, method,
                   year, CAST(sum(awards) AS BIGINT) AS awards, count(*) AS suppliers,
                   sum(value) AS value, sum((100 * share) * (100 * share)) AS hhi
            FROM shares
            GROUP BY buyer_id, transaction_type, method, year
        )
        SELECT *, CASE WHEN hhi > {HIGH} THEN 'high' WHEN hhi >= {MODERATE} THEN 'moderate'
                       WHEN hhi IS NOT NULL THEN 'low' END AS band
        FROM markets
        ORDER BY hhi DESC NULLS LAST, value DESC, buyer_id, transaction_type, method, year"""
    return Figures(
        "concentration",
        N_("Market concentration"),
        N_(
            "HHI of each buyer's awarded value per transaction type, method and year: the "
            "sum of the suppliers' squared shares in percent. Above 2,500 the market is highly "
            "concentrated, from 1,500 moderately."
        ),
        COLUMNS,
        fetch(con, sql, params),
    )
