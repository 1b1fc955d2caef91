"""The evaluation room in a real browser: two sitting experts, each in a browser context of their
own, signed in through the sign-in page, on the same room served by uvicorn (WebSockets on) in a
thread over the test's services — the same database and the same test clock.

Expert A fills in the review sheet on the page (a fail without its reason is refused on the
page), then, once every review is in, the score sheet; expert B's page shows A's finished
sheet under A's pseudonym without a reload. When the others have scored, A's outlying score
is flagged on A's page and A justifies it there. The operator pauses the room through the API and
both pages lock. The clock shown is the server's even where the browser's clock is years off,
and no expert's name appears on either page.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from prex.web.pages.render import CHINA
from tests.e2e.test_evaluation import OUTLIER, SCORES
from tests.evaluation_world import Room, started_room
from tests.factories import PASSWORD
from tests.live_server import serve
from tests.opening_world import Opening

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

LIVE = 10_000  # ms: the room is polled once a second; a change shows well within this


@pytest.fixture
def live_server(services: Services) -> Iterator[str]:
    with serve(services, websockets=True) as url:
        yield url


def room_in(
    context: BrowserContext, base_url: str, tender_id: str, user: str, errors: list[str]
) -> Page:
    """The room, signed in as ``user`` through the sign-in form; script errors go to
    ``errors``."""
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{user}: {error}"))
    room = f"/tenders/{tender_id}/evaluation"
    page.goto(f"{base_url}/login?next={quote(room)}")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"**{room}")
    expect(page.locator("#room-connection")).to_have_attribute("data-state", "live", timeout=LIVE)
    return page


def no_expert_named(room: Room, page: Page) -> None:
    html = page.content()
    assert [name for name in room.names if name in html] == []


def test_an_expert_scores_and_another_sees_the_finished_sheet_live_under_a_pseudonym(
    browser: Browser,
    live_server: str,
    opening: Opening,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    room = started_room(opening)
    a, b = room.judges[0], room.judges[1]
    for user in room.judges[1:]:  # everyone's review but A's is in
        assert room.put(user, "review").status_code == 200

    contexts = [browser.new_context(locale="zh-CN") for _ in range(2)]
    try:
        a_context, b_context = contexts
        # B's computer believes it is 2001: the room keeps the server's time anyway.
        b_context.clock.install(time=datetime(2001, 1, 1, tzinfo=UTC))
        errors: list[str] = []
        page_a = room_in(a_context, live_server, opening.id, a, errors)
        page_b = room_in(b_context, live_server, opening.id, b, errors)
        server_minute = clock.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        for user, page in ((a, page_a), (b, page_b)):
            assert page.inner_text("#room-clock").startswith(server_minute)
            assert page.inner_text("#room-me") == room.sitting[user]
            no_expert_named(room, page)
        submitted = str(page_a.locator('#room-messages [data-msg="yes"]').text_content())
        expect(page_a.locator("#score-form")).to_be_hidden()  # A's review is awaited
        assert page_b.locator(f'#sheets [data-member="{room.sitting[a]}"]').count() == 0

        # A fails an item without a reason: refused on the page; then passes everything.
        first = page_a.locator("#review-form tr.mark").first
        first.locator("select.verdict").select_option("fail")
        page_a.click("#review-submit")
        expect(page_a.locator("#room-problem")).to_be_visible()
        first.locator("select.verdict").select_option("pass")
        page_a.click("#review-submit")
        expect(page_a.locator("#room-done")).to_be_visible(timeout=LIVE)
        expect(page_a.locator("#review-state")).to_have_text(submitted, timeout=LIVE)

        # Every review is in: A's score form opens by itself, one row per bid that passed.
        score_form = page_a.locator("#score-form")
        expect(score_form).to_be_visible(timeout=LIVE)
        expect(score_form.locator("#score-rows tr")).to_have_count(3)
        leaf_of = {bid_id: leaf for leaf, bid_id in room.bid_of.items()}
        entered = dict(SCORES, **{"sm2-org": (OUTLIER, SCORES["sm2-org"][1])})  # A's outlier
        for row in score_form.locator("#score-rows tr").all():
            construction, management = entered[leaf_of[str(row.get_attribute("data-bid-id"))]]
            row.locator('input[data-criterion="construction"]').fill(construction)
            row.locator('input[data-criterion="management"]').fill(management)
        page_a.click("#score-submit")
        expect(page_a.locator("#room-done")).to_be_visible(timeout=LIVE)

        # B sees A's finished scores appear, under A's pseudonym, without reloading.
        sheet = page_b.locator(f'#sheets section.sheet[data-member="{room.sitting[a]}"]')
        expect(sheet.locator("td.score")).to_have_count(6, timeout=LIVE)
        shown = {
            leaf_of[str(r.get_attribute("data-bid-id"))]: tuple(
                r.locator("td.score").all_inner_texts()
            )
            for r in sheet.locator("tbody tr").all()
        }
        assert shown == entered
        scored = page_b.locator(f'#members tr[data-member="{room.sitting[a]}"] td:nth-child(3)')
        expect(scored).to_have_text(submitted)
        for page in (page_a, page_b):
            no_expert_named(room, page)

        # The others score: A's outlier must be justified; the form comes to A's page by itself.
        for user in room.judges[1:]:
            assert room.put(user, "scores").status_code == 200
        justify = page_a.locator(f'#justifications form[data-bid-id="{room.bid_of["sm2-org"]}"]')
        expect(justify).to_be_visible(timeout=LIVE)
        expect(page_a.locator("#justifications-none")).to_be_hidden()
        expect(page_a.locator("#blocking")).to_contain_text(f"{room.sitting[a]} must justify")
        justify.locator("textarea").fill("施工组织设计缺少冬季施工措施")
        justify.locator("button[type=submit]").click()
        expect(page_a.locator("#justifications .ok")).to_contain_text("冬季施工", timeout=LIVE)
        expect(page_b.locator("#blocking")).not_to_contain_text("must justify", timeout=LIVE)

        # The operator pauses the room: both pages lock, with a banner.
        reason = {"reason": "远程评标室网络中断"}
        paused = opening.client.post(
            f"{room.url}/pause", json=reason, headers=room.headers("operator")
        )
        assert paused.status_code == 200, paused.text
        for page in (page_a, page_b):
            expect(page.locator("#room-paused")).to_be_visible(timeout=LIVE)
            expect(page.locator("#room")).to_have_attribute("data-status", "paused")
            expect(page.locator("#review-submit")).to_be_disabled()
            expect(page.locator("#review-form select.verdict").first).to_be_disabled()
        expect(page_a.locator("#score-form input.score").first).to_be_disabled()
        # The server's clock, still, on the page whose browser is in 2001.
        assert page_b.inner_text("#room-clock").startswith(server_minute)
        assert errors == []
        for name, page in (("a", page_a), ("b", page_b)):
            shot = tmp_path / f"evaluation-room-{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
    finally:
        for context in contexts:
            context.close()
