"""Volume and value by transaction type, region and month (of the tender's publication).

Value is counted per lot: the award amount where the lot was awarded, its budget where not
(yet) awarded — both are shown apart, and their sum. A lot without a budget adds no value.
"""

from __future__ import annotations

import duckdb

from prex.analytics.dashboards.figures import MONTH, N_, TYPE, Column, Figures, fetch
from prex.analytics.dashboards.filters import Filter
from prex.analytics.dashboards.source import scope

COLUMNS = (
    MONTH,
    TYPE,
    Column("region_code", N_("Region"), "region"),
    Column("tenders", N_("Tenders"), "count"),
    Column("lots", N_("Lots"), "count"),
    Column("awarded_lots", N_("Awarded lots"), "count"),
    Column("awarded_value", N_("Awarded value"), "money"),
    Column("budget_not_awarded", N_("Budget of lots not awarded"), "money"),
    Column("value", N_("Value"), "money"),
)


def volume(con: duckdb.DuckDBPyConnection, flt: Filter) -> Figures:
    ctes, params = scope(flt)
    sql = f"""{ctes}
        SELECT ft.t_month AS month, ft.transaction_type, ft.region_code,
               count(DISTINCT ft.tender_id) AS tenders,
               count(fl.lot_id) AS lots,
               count(fl.award_amount) AS awarded_lots,
               coalesce(sum(fl.award_amount), 0) AS awarded_value,
               coalesce(sum(fl.budget) FILTER (WHERE fl.award_amount IS NULL), 0)
                   AS budget_not_awarded,
               coalesce(sum(coalesce(fl.award_amount, fl.budget)), 0) AS value
        FROM ft LEFT JOIN fl ON fl.tender_id = ft.tender_id
        GROUP BY ALL
        ORDER BY month, transaction_type, region_code"""
    return Figures(
        "volume",
        N_("Volume and value"),
        N_(
            "Tenders by month of publication. Value: the award amount of each awarded lot, "
            "the budget of each lot not awarded."
        ),
        COLUMNS,
        fetch(con, sql, params),
    )
