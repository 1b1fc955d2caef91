"""The data-quality pages in a real browser (Debian's chromium, Playwright): a supervisor sees
the ranking drawn as ECharts canvases without a console error, and drills down from a centre to
the record planted with a wrong amount.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page

from prex.bootstrap import Services
from prex.exchange.dataspec.schemas import DATASETS
from prex.exchange.quality import score_quality
from prex.shared.clock import FixedClock
from tests.factories import PASSWORD, World
from tests.live_server import serve
from tests.quality_world import entry, stamped, store, tender

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

FEB = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def planted(services: Services, world: World, clock: FixedClock) -> Iterator[tuple[str, str]]:
    """Two cities' tenders, pushed on time; Ningbo's result notice names a wrong amount.
    Yields the served URL and the planted record's key."""
    deals = {
        "PREX330100": tender("PREX330100", 1, FEB - timedelta(days=40)),
        "PREX330200": tender("PREX330200", 2, FEB - timedelta(days=40), notice_price=Decimal(9)),
    }
    for platform, built in deals.items():
        for name, record in built:
            clock.set(stamped(record) + timedelta(hours=1))
            store(services, platform, [entry(name, record)])
    clock.set(FEB + timedelta(days=20))
    score_quality(services)
    notice = next(r for n, r in deals["PREX330200"] if n == "RESULT_NOTICE")
    with serve(services) as url:
        yield url, DATASETS["RESULT_NOTICE"].key_of(notice)


def test_the_ranking_draws_its_charts_and_the_drill_down_lists_the_planted_record(
    page: Page, planted: tuple[str, str], tmp_path: Path
) -> None:
    base_url, planted_key = planted
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    page.goto(base_url + "/quality")
    page.wait_for_url("**/login?next=%2Fquality")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/quality")
    assert "各交易中心数据质量" in page.inner_text("h1")
    page.wait_for_selector("#quality-bars canvas")
    page.wait_for_selector("#quality-trends canvas")
    ranking = [
        r.get_attribute("data-centre") for r in page.locator("#quality-ranking tbody tr").all()
    ]
    assert ranking == ["PREX330100", "PREX330200"]  # the wrong amount costs Ningbo accuracy
    page.screenshot(path=str(tmp_path / "quality-ranking.png"), full_page=True)

    page.click("#quality-ranking a[href^='/quality/centres/PREX330200']")
    page.wait_for_url("**/quality/centres/PREX330200**")
    page.wait_for_selector("#quality-centre-trend canvas")
    page.select_option("#findings-filter select[name=dimension]", "accuracy")
    page.click("#findings-filter button[type=submit]")
    page.wait_for_url("**dimension=accuracy**")
    rows = page.locator("#quality-findings tbody tr").all()
    assert [(r.get_attribute("data-code"), r.get_attribute("data-record")) for r in rows] == [
        ("amount-mismatch", planted_key)
    ]
    assert "金额前后不一致" in rows[0].inner_text()
    assert "WIN_BID_AMOUNT" in rows[0].inner_text()
    page.screenshot(path=str(tmp_path / "quality-centre.png"), full_page=True)
    assert errors == []
