"""The opening hall in a real browser: the public, a bidder and the host, each in a browser
context of their own on the same hall, served by uvicorn (WebSockets on) in a thread over the
same services — and so the same database and the same test clock — as the test.

The bidder checks in before the deadline and the public sees the count change without a reload;
the clock passes the deadline and the worker starts the opening; custodians release their shares
through the API; the host opens on the page and every page reads the prices out; the bidder
objects, the host answers on the page and publishes, and the public page shows the record's
digest. Along the way: the countdown follows the server's clock even where the browser's clock
is years off, a dropped socket reconnects by itself, and refusals are shown as messages.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from prex.web.pages.render import CHINA
from tests.factories import PASSWORD
from tests.live_server import serve
from tests.opening_world import BIDDERS, Opening

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

LIVE = 10_000  # ms: the hall polls once a second; a change shows well within this
LEAVES = ("rsa-org", "ecdsa-org", "sm2-org")


@pytest.fixture
def live_server(services: Services) -> Iterator[str]:
    """The app served by uvicorn with WebSockets on, over the test's services."""
    with serve(services, websockets=True) as url:
        yield url


def hall_in(
    context: BrowserContext, base_url: str, tender_id: str, user: str | None, errors: list[str]
) -> Page:
    """A page on the hall, signed in as ``user`` through the sign-in form (or the public);
    any uncaught script error goes to ``errors``."""
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{user}: {error}"))
    hall = f"/tenders/{tender_id}/opening"
    if user is None:
        page.goto(base_url + hall)
    else:
        page.goto(f"{base_url}/login?next={quote(hall)}")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"**{hall}")
    expect(page.locator("#hall-connection")).to_have_attribute("data-state", "live", timeout=LIVE)
    return page


def prices(page: Page) -> set[str]:
    return set(page.locator("#reading tbody td.price").all_inner_texts())


def test_public_bidder_and_host_follow_one_opening_live(
    browser: Browser,  # noqa: F811
    live_server: str,
    opening: Opening,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    for n, leaf in enumerate(LEAVES):
        user, price = BIDDERS[leaf]
        response = opening.submit(opening.seal(leaf, price), user, f"browser-{n}-0000001")
        assert response.status_code == 201, response.text
    deadline = datetime.fromisoformat(opening.tender["bid_deadline"])
    clock.set(deadline - timedelta(minutes=10))  # the hall fills shortly before the deadline

    contexts = [browser.new_context(locale="zh-CN") for _ in range(3)]
    try:
        public_context, bidder_context, host_context = contexts
        # The public's computer believes it is 2001: the hall keeps the server's time anyway.
        public_context.clock.install(time=datetime(2001, 1, 1, tzinfo=UTC))
        sockets: list[WebSocketRoute] = []

        def through_test(ws: WebSocketRoute) -> None:
            ws.connect_to_server()
            sockets.append(ws)

        public_context.route_web_socket(re.compile(r".*/opening/live$"), through_test)
        errors: list[str] = []
        public = hall_in(public_context, live_server, opening.id, None, errors)
        bidder = hall_in(bidder_context, live_server, opening.id, "bidder_rsa", errors)
        host = hall_in(host_context, live_server, opening.id, "agency", errors)

        # Before the deadline: a 10-minute countdown by the server's clock; no names.
        assert public.locator("#hall").get_attribute("data-phase") == "before-deadline"
        assert re.fullmatch(r"00:(09:[0-5]\d|10:00)", public.inner_text("#hall-countdown"))
        assert public.inner_text("#hall-clock").startswith(
            (deadline - timedelta(minutes=10)).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        )
        assert public.inner_text("#checkin-count") == "0"
        for absent in ("#checkin-button", "#open-button", "#publish-button", "#statement-panel"):
            assert public.locator(absent).count() == 0, absent
        assert host.locator("#checkin-panel").count() == 0
        expect(host.locator("#open-panel")).to_be_hidden()

        # The public's socket drops: the page says so and reconnects by itself.
        sockets[0].close(code=1011)
        connection = public.locator("#hall-connection")
        expect(connection).to_have_attribute("data-state", "reconnecting", timeout=LIVE)
        expect(connection).to_have_attribute("data-state", "live", timeout=LIVE)
        assert len(sockets) == 2

        # The bidder checks in; the public sees the count change, without reloading.
        expect(bidder.locator("#checkin-done")).to_be_hidden()
        bidder.click("#checkin-button")
        expect(bidder.locator("#checkin-done")).to_be_visible(timeout=LIVE)
        expect(bidder.locator("#checkin-button")).to_be_hidden()
        expect(public.locator("#checkin-count")).to_have_text("1", timeout=LIVE)
        bidder.screenshot(path=str(tmp_path / "opening-hall-bidder-before.png"), full_page=True)
        assert public.locator("#checkin-names li").count() == 0  # secret until the deadline

        # The deadline passes; the worker starts the opening; every page follows.
        opening.to_deadline()
        for page in (public, bidder, host):
            expect(page.locator("#hall")).to_have_attribute(
                "data-phase", "decrypting", timeout=LIVE
            )
        expect(public.locator("#hall-envelopes")).to_have_text("3")
        committed = opening.client.get(f"/api/v1/tenders/{opening.id}/bid-commitment").json()
        expect(public.locator("#hall-commitment code")).to_have_text(committed["sha256"])
        assert re.fullmatch(r"00:(59:[0-5]\d|00:00)|01:00:00", public.inner_text("#hall-countdown"))
        names = opening.hall()["checked_in_names"]
        expect(public.locator("#checkin-names li")).to_have_text(names)
        expect(host.locator("#open-button")).to_be_visible()

        # Two shares are not enough: the host's click is refused, and the page says why.
        for n in (1, 2):
            assert opening.release(n).status_code == 200
        expect(public.locator("#shares-released")).to_have_text("2", timeout=LIVE)
        host.click("#open-button")
        problem = host.locator("#hall-problem")
        expect(problem).to_be_visible(timeout=LIVE)
        assert "3 custodians must release their shares" in problem.inner_text()
        assert opening.hall()["phase"] == "decrypting"

        # The third share; the host opens; all three pages read the prices out.
        assert opening.release(3).status_code == 200
        expect(host.locator("#shares-released")).to_have_text("3", timeout=LIVE)
        host.click("#open-button")
        read_out = {BIDDERS[leaf][1] for leaf in LEAVES}  # "10,234,567.89", as sealed
        for page in (public, bidder, host):
            expect(page.locator("#reading tbody td.price")).to_have_count(3, timeout=LIVE)
            assert prices(page) == read_out
            expect(page.locator("#hall-phase")).to_have_attribute("class", "phase phase-opened")
        expect(host.locator("#hall-done")).to_be_visible()
        assert "李建国" in public.inner_text("#reading")
        expect(public.locator("#open-panel")).to_have_count(0)
        expect(host.locator("#open-panel")).to_be_hidden()

        # The bidder objects; the host answers on the page; everyone sees the answer.
        bidder.click("#object-button")  # without grounds: refused on the page
        expect(bidder.locator("#hall-problem")).to_be_visible()
        bidder.fill("#objection-text", "第一标段工期唱读有误，请核对")
        bidder.click("#object-button")
        expect(bidder.locator("#hall-done")).to_be_visible(timeout=LIVE)
        objection = public.locator("#statements li.statement-objection")
        expect(objection).to_contain_text("第一标段工期唱读有误", timeout=LIVE)
        assert public.locator("#statements .answer-form").count() == 0
        host.click("#publish-button")  # an objection is unanswered: refused
        expect(host.locator("#hall-problem")).to_contain_text(
            "answer every objection", timeout=LIVE
        )
        form = host.locator("#statements .answer-form")
        expect(form).to_be_visible(timeout=LIVE)
        form.locator("textarea").fill("已核对，工期为365日历天，唱标无误")
        form.locator("button[type=submit]").click()
        for page in (public, bidder, host):
            expect(page.locator("#statements .statement-answer")).to_contain_text(
                "工期为365日历天", timeout=LIVE
            )
        expect(host.locator("#statements .answer-form")).to_have_count(0)

        # The host publishes the record: the public page shows its digest and where it is.
        host.click("#publish-button")
        record = opening.client.get(f"/api/v1/tenders/{opening.id}/opening-record")
        deadline_for_record = time.monotonic() + 10
        while record.status_code != 200 and time.monotonic() < deadline_for_record:
            time.sleep(0.2)
            record = opening.client.get(f"/api/v1/tenders/{opening.id}/opening-record")
        assert record.status_code == 200, record.text
        digest = record.json()["sha256"]
        expect(public.locator("#record-sha256")).to_have_text(digest, timeout=LIVE)
        expect(public.locator("#record-link")).to_have_attribute(
            "href", f"/api/v1/tenders/{opening.id}/opening-record"
        )
        expect(public.locator("#hall")).to_have_attribute("data-phase", "closed")
        expect(host.locator("#publish-panel")).to_be_hidden()
        expect(public.locator("#countdown-box")).to_be_hidden()
        assert errors == []
        for name, page in (("public", public), ("host", host), ("bidder", bidder)):
            shot = tmp_path / f"opening-hall-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
    finally:
        for context in contexts:
            context.close()
