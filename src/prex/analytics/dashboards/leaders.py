"""The top buyers and the top suppliers, by awarded value (then by count).

A buyer's count is its tenders; a supplier's, the lots it won, beside the live bids it made
(its win rate is wins over bids). ``LIMIT`` rows each.
"""

from __future__ import annotations

import duckdb

from prex.analytics.dashboards.figures import N_, Column, Figures, fetch
from prex.analytics.dashboards.filters import Filter
from prex.analytics.dashboards.source import scope

LIMIT = 20

BUYERS = (
    Column("buyer_id", N_("Buyer"), "text"),
    Column("buyer_name", N_("Buyer name"), "text"),
    Column("tenders", N_("Tenders"), "count"),
    Column("awarded_lots", N_("Awarded lots"), "count"),
    Column("awarded_value", N_("Awarded value"), "money"),
)

SUPPLIERS = (
    Column("supplier_id", N_("Supplier"), "text"),
    Column("supplier_name", N_("Supplier name"), "text"),
    Column("awards", N_("Lots won"), "count"),
    Column("awarded_value", N_("Awarded value"), "money"),
    Column("bids", N_("Bids"), "count"),
    Column("win_rate", N_("Win rate"), "rate"),
)


def top_buyers(con: duckdb.DuckDBPyConnection, flt: Filter) -> Figures:
    ctes, params = scope(flt)
    sql = f"""{ctes}
        SELECT ft.buyer_id, any_value(ft.buyer_name) AS buyer_name,
               count(DISTINCT ft.tender_id) AS tenders,
               count(fl.award_amount) AS awarded_lots,
               coalesce(sum(fl.award_amount), 0) AS awarded_value
        FROM ft LEFT JOIN fl ON fl.tender_id = ft.tender_id
        WHERE ft.buyer_id IS NOT NULL
        GROUP BY ft.buyer_id
        ORDER BY awarded_value DESC, tenders DESC, buyer_id
        LIMIT {LIMIT}"""
    return Figures(
        "top-buyers",
        N_("Top buyers"),
        N_("Buyers by awarded value, then by number of tenders."),
        BUYERS,
        fetch(con, sql, params),
    )


def top_suppliers(con: duckdb.DuckDBPyConnection, flt: Filter) -> Figures:
    ctes, params = scope(flt)
    sql = f"""{ctes},
        won AS (
            SELECT winner_id AS supplier_id, count(*) AS awards,
                   coalesce(sum(award_amount), 0) AS awarded_value
            FROM fl WHERE winner_id IS NOT NULL GROUP BY winner_id
        ),
        bid AS (
            SELECT b.bidder_id AS supplier_id, any_value(b.bidder_name) AS supplier_name,
                   count(*) FILTER (WHERE b.status = 'live') AS bids
            FROM bids b JOIN fl ON b.lot_id = fl.lot_id
            GROUP BY b.bidder_id
        )
        SELECT won.supplier_id, bid.supplier_name, won.awards, won.awarded_value,
               coalesce(bid.bids, 0) AS bids, won.awards / nullif(bid.bids, 0) AS win_rate
        FROM won LEFT JOIN bid ON bid.supplier_id = won.supplier_id
        ORDER BY awarded_value DESC, awards DESC, supplier_id
        LIMIT {LIMIT}"""
    return Figures(
        "top-suppliers",
        N_("Top suppliers"),
        N_("Suppliers by awarded value, then by lots won; win rate: lots won over live bids."),
        SUPPLIERS,
        fetch(con, sql, params),
    )
