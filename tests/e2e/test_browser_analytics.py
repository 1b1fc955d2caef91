"""The market dashboards in a real browser (Debian's chromium, Playwright): a supervisor signs
in, opens ``/analytics`` over a warehouse with data, and sees every chart drawn by ECharts
without a console error; the numbers in its tables are those of SQL written here, straight
over the Parquet files, independently of the dashboards' queries. A filter from the form
narrows them, and the CSV export link answers with the same table.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Page

from prex.bootstrap import Services
from tests.analytics_world import build_market
from tests.factories import PASSWORD, World
from tests.live_server import serve

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

CHARTS = ("volume", "competition", "savings", "timing", "concentration")
CHARTS += ("top-buyers", "top-suppliers")


@pytest.fixture
def served(services: Services, world: World) -> Iterator[str]:
    build_market(services.settings.data_dir / "warehouse", world.centre_id, world.city_centre_id)
    with serve(services) as url:
        yield url


def independent(root: Path, centres: tuple[str, ...], sql: str) -> list[tuple[object, ...]]:
    """``sql`` over views ``t`` and ``l``: the newest row per key read straight from the
    files, without sandbox tenders and other centres' — as the dashboards define them."""
    con = duckdb.connect()

    def newest(table: str, key: str) -> str:
        return (
            f"SELECT * FROM read_parquet('{root}/{table}/*/*.parquet', hive_partitioning=true)"
            f" QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY refresh DESC) = 1"
        )

    listed = ", ".join(f"'{c}'" for c in centres)
    con.execute(
        f"CREATE VIEW t AS SELECT * FROM ({newest('tenders', 'tender_id')}) "
        f"WHERE NOT sandbox AND centre_id IN ({listed})"
    )
    con.execute(f"CREATE VIEW l AS SELECT * FROM ({newest('lots', 'lot_id')})")
    con.execute(f"CREATE VIEW b AS SELECT * FROM ({newest('bids', 'bid_id')})")
    rows = con.execute(sql).fetchall()
    con.close()
    return rows


def cells(page: Page, table: str, keys: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [
        tuple(row.locator(f"td[data-key='{k}']").inner_text() for k in keys)
        for row in page.locator(f"#table-{table} tbody tr").all()
    ]


def test_the_dashboards_draw_their_charts_with_the_numbers_of_independent_sql(
    page: Page, served: str, services: Services, world: World, tmp_path: Path
) -> None:
    root = services.settings.data_dir / "warehouse"
    centres = (world.centre_id, world.city_centre_id)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    page.goto(served + "/analytics")
    page.wait_for_url("**/login?next=%2Fanalytics")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/analytics")
    assert "交易大数据看板" in page.inner_text("h1")
    assert page.locator("header nav a[href='/analytics']").count() == 1
    for name in CHARTS:
        page.wait_for_selector(f"#chart-{name} canvas")

    volume = independent(
        root,
        centres,
        """SELECT t.month, count(DISTINCT t.tender_id),
                  sum(coalesce(l.award_amount, l.budget))
           FROM t LEFT JOIN l ON l.tender_id = t.tender_id
           GROUP BY t.month, t.transaction_type, t.region_code
           ORDER BY t.month, t.transaction_type, t.region_code""",
    )
    assert cells(page, "volume", ("month", "tenders", "value")) == [
        (str(m), str(n), f"{Decimal(v or 0):,.2f}") for m, n, v in volume
    ]
    single = independent(
        root,
        centres,
        """WITH per_lot AS (
               SELECT t.month, t.transaction_type, l.lot_id,
                      count(b.bid_id) FILTER (WHERE b.status = 'live') AS n
               FROM t JOIN l ON l.tender_id = t.tender_id
               LEFT JOIN b ON b.lot_id = l.lot_id GROUP BY ALL)
           SELECT month, sum(n), count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n > 0)
           FROM per_lot GROUP BY month, transaction_type ORDER BY month, transaction_type""",
    )
    assert cells(page, "competition", ("month", "bids", "single_bid_rate")) == [
        (str(m), str(n), f"{100 * one / some:.1f}%") for m, n, one, some in single
    ]
    savings = independent(
        root,
        centres,
        """SELECT t.month, sum(coalesce(l.ceiling_price, l.budget) - l.award_amount)
           FROM t JOIN l ON l.tender_id = t.tender_id
           WHERE l.award_amount IS NOT NULL AND coalesce(l.ceiling_price, l.budget) IS NOT NULL
           GROUP BY t.month, t.transaction_type ORDER BY t.month, t.transaction_type""",
    )
    assert cells(page, "savings", ("month", "savings")) == [
        (str(m), f"{Decimal(s):,.2f}") for m, s in savings
    ]
    suppliers = independent(
        root,
        centres,
        """SELECT l.winner_id, sum(l.award_amount) AS v FROM t JOIN l ON l.tender_id = t.tender_id
           WHERE l.winner_id IS NOT NULL GROUP BY l.winner_id ORDER BY v DESC""",
    )
    assert cells(page, "top-suppliers", ("supplier_id", "awarded_value")) == [
        (str(s), f"{Decimal(v):,.2f}") for s, v in suppliers
    ]
    page.screenshot(path=str(tmp_path / "analytics.png"), full_page=True)

    # The form narrows every table: government procurement only.
    page.select_option("#analytics-filter select[name=type]", "procurement")
    page.click("#analytics-filter button[type=submit]")
    page.wait_for_url("**type=procurement**")
    page.wait_for_selector("#chart-volume canvas")
    assert {c[0] for c in cells(page, "volume", ("transaction_type",))} == {"政府采购"}
    csv_link = page.locator("#dashboard-volume a", has_text="CSV").get_attribute("href")
    assert csv_link is not None and "type=procurement" in csv_link
    answer = page.request.get(served + csv_link)
    assert answer.status == 200
    lines = answer.body().decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(cells(page, "volume", ("month",)))
    assert errors == []
