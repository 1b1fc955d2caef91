"""Competition: bids per lot and the single-bid rate, by transaction type and month.

A lot's bids are its live envelopes (replaced and withdrawn ones do not compete). The mean and
the rate are over the lots that received at least one bid; lots with none are counted apart.
"""

from __future__ import annotations

import duckdb

from prex.analytics.dashboards.figures import MONTH, N_, TYPE, Column, Figures, fetch
from prex.analytics.dashboards.filters import Filter
from prex.analytics.dashboards.source import scope

COLUMNS = (
    MONTH,
    TYPE,
    Column("lots", N_("Lots"), "count"),
    Column("lots_without_bids", N_("Lots without bids"), "count"),
    Column("bids", N_("Bids"), "count"),
    Column("bids_per_lot", N_("Bids per lot"), "mean"),
    Column("single_bid_lots", N_("Single-bid lots"), "count"),
    Column("single_bid_rate", N_("Single-bid rate"), "rate"),
)


def competition(con: duckdb.DuckDBPyConnection, flt: Filter) -> Figures:
    ctes, params = scope(flt)
    sql = f"""{ctes},
        per_lot AS (
            SELECT fl.lot_id, fl.t_type, fl.t_month,
                   count(b.bid_id) FILTER (WHERE b.status = 'live') AS bids
            FROM fl LEFT JOIN bids b ON b.lot_id = fl.lot_id
            GROUP BY ALL
        )
        SELECT t_month AS month, t_type AS transaction_type,
               count(*) AS lots,
               count(*) FILTER (WHERE bids = 0) AS lots_without_bids,
               CAST(sum(bids) AS BIGINT) AS bids,
               sum(bids) / nullif(count(*) FILTER (WHERE bids > 0), 0) AS bids_per_lot,
               count(*) FILTER (WHERE bids = 1) AS single_bid_lots,
               count(*) FILTER (WHERE bids = 1)
                   / nullif(count(*) FILTER (WHERE bids > 0), 0) AS single_bid_rate
        FROM per_lot
        GROUP BY ALL
        ORDER BY month, transaction_type"""
    return Figures(
        "competition",
        N_("Competition"),
        N_(
            "Live bids per lot; the mean and the single-bid rate are over the lots that "
            "received at least one bid."
        ),
        COLUMNS,
        fetch(con, sql, params),
    )
