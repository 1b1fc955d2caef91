"""The Content-Security-Policy in a real browser: chromium visits the main pages of the demo
province — the portal, a tender, the live auction, the API documentation (Swagger UI, which
must make no request off the site), the opening hall, the evaluation room, the dashboards and
the quality charts, the supervision pages — signed in as the roles that see them,
and reports no CSP violation (no ``securitypolicyviolation`` event, no "Refused to …" console
message); the charts still draw and the sign-in and sign-out forms still work.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page
from sqlalchemy import select

from prex.bootstrap import Services
from prex.db.all_tables import metadata
from prex.demo import DEMO_PASSWORD, DemoSeed
from prex.demo_supervision import seed_supervision
from tests.live_server import serve

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

# Every CSP violation of the page, as the page itself sees it (init scripts are not subject to
# the page's policy, so this listener runs even under script-src 'self').
LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`);
});
"""


@pytest.fixture
def csp_demo(services: Services, demo: DemoSeed) -> Iterator[tuple[str, dict[str, str]]]:
    seed = demo
    seed_supervision(services)
    with services.read_session() as session:
        listing = session.execute(select(metadata.tables["listings"].c.id)).scalars().first()
        platform = (
            session.execute(select(metadata.tables["upstream_platforms"].c.code)).scalars().first()
        )
    ids = {
        "tender": seed.tenders["complete"],
        "listing": str(listing),
        "platform": str(platform),
    }
    with serve(services, websockets=True) as base:
        yield base, ids


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/workbench")


def test_the_main_pages_raise_no_csp_violation(
    browser: Browser, csp_demo: tuple[str, dict[str, str]]
) -> None:
    base, ids = csp_demo
    tender, listing, platform = ids["tender"], ids["listing"], ids["platform"]
    visits = {
        None: [
            "/",
            f"/tenders/{tender}",
            "/listings",
            f"/listings/{listing}/live",
            "/credit",
            "/api/v1/docs",
        ],
        "operator": [
            "/workbench",
            "/analytics",
            "/quality",
            f"/quality/centres/{platform}",
            "/integrations",
            f"/tenders/{tender}/opening",
        ],
        "supervisor": ["/supervision/flags", "/supervision/alerts", "/supervision/cases"],
        "agency": [f"/workbench/tenders/{tender}", f"/tenders/{tender}/evaluation", "/archives"],
        "bidder1": [f"/tenders/{tender}/bid", "/certificates", "/notifications"],
    }
    refused: list[str] = []
    for who, paths in visits.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.add_init_script(LISTEN)
        page = context.new_page()

        def console(message: ConsoleMessage, who: str | None = who) -> None:
            if "Content Security Policy" in message.text or "Refused to" in message.text:
                refused.append(f"{who}: {message.text}")

        page.on("console", console)
        requested: list[str] = []
        page.on("request", lambda request, seen=requested: seen.append(request.url))
        if who is not None:
            sign_in(page, base, who)
        for path in paths:
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            violations = page.evaluate("window.__violations")
            refused.extend(f"{who} {path}: {v}" for v in violations)
            if path == "/api/v1/docs":
                # Swagger UI (vendored, no request leaves the site) read the OpenAPI document.
                # (it renders the tags near the viewport first)
                page.wait_for_selector(".opblock", timeout=20_000)
                assert page.locator(".opblock").count() >= 10
                assert "prex" in page.locator(".info .title").inner_text()
                assert all(u.startswith(base) for u in requested), requested
            if path in ("/analytics", "/quality", f"/quality/centres/{platform}"):
                # ECharts drew (its styles go through the CSSOM, which CSP allows).
                page.wait_for_selector(".chart canvas", timeout=10_000)
        if who is not None:
            page.click("form[action='/logout'] button")
            page.wait_for_url(f"{base}/?done=signed_out")
        else:
            # The listener hears a violation: an inline style attribute is refused.
            page.remove_listener("console", console)
            page.evaluate("document.body.setAttribute('style', 'color: red')")
            page.wait_for_function("window.__violations.length > 0")
            [planted] = page.evaluate("window.__violations")
            assert planted.startswith("style-src-attr"), planted
        context.close()
    assert refused == []
