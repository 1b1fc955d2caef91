"""A supervisor in a real browser (Debian's chromium, Playwright): signs in, sees the tender's
flag panel, opens a case from its hits on the flags page, starts the review, is refused a
referral without a reason, then refers the case with one — without a console error.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from prex.analytics.risk.service import record_run
from prex.bootstrap import Services
from prex.identity.policy import SYSTEM
from tests.factories import PASSWORD, World, auth, published_tender
from tests.live_server import serve
from tests.supervision_world import C001, C002, RULES, bidder_hit

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]


@pytest.fixture
def flagged(client: TestClient, services: Services, world: World) -> Iterator[tuple[str, str]]:
    """A published tender with two collusion presumptions on one bidder; the served URL."""
    tender = published_tender(client, world, auth(services, "agency"))
    hits = [bidder_hit(C001, "B1", tender["id"]), bidder_hit(C002, "B1", tender["id"])]
    record_run(services.uow(SYSTEM), hits, rules=RULES, centres={tender["id"]: world.centre_id})
    with serve(services) as url:
        yield url, tender["id"]


def test_a_supervisor_opens_a_case_from_a_flag_and_refers_it(
    page: Page, flagged: tuple[str, str], tmp_path: Path
) -> None:
    base_url, tender_id = flagged
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    page.goto(f"{base_url}/tenders/{tender_id}")
    assert page.locator("#flag-panel").count() == 0  # the public sees no panel
    page.goto(base_url + "/supervision/flags")
    page.wait_for_url("**/login?next=%2Fsupervision%2Fflags")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/supervision/flags")

    page.goto(f"{base_url}/tenders/{tender_id}")
    assert page.inner_text("#risk-level") == "一级（最严重）"  # 45 + 45 = 90
    assert page.locator("#tender-flags tbody tr").count() == 2

    page.click("a[href='/supervision/flags?tender_id=" + tender_id + "']")
    page.wait_for_selector("#flags tbody tr[data-rule=C001]")
    page.check("#flags tr[data-rule=C001] input[type=checkbox]")
    page.check("#flags tr[data-rule=C002] input[type=checkbox]")
    page.fill("#open-case input[name=title]", "B1 机器码与上传地址一致")
    page.click("#open-case button[type=submit]")
    page.wait_for_url("**/supervision/cases/*?done=case_opened")
    assert page.get_attribute("#case-status", "data-status") == "open"
    assert page.locator("#evidence-hits tbody tr").count() == 2

    page.click("#transition button[value=under_review]")
    page.wait_for_url("**?done=case_moved")
    assert page.get_attribute("#case-status", "data-status") == "under_review"
    page.click("#transition button[value=referred]")  # no reason yet
    page.wait_for_selector("#problem")
    assert page.get_attribute("#case-status", "data-status") == "under_review"
    page.fill("#transition textarea[name=reason]", "移送：两项串通情形同时成立")
    page.click("#transition button[value=referred]")
    page.wait_for_url("**?done=case_moved")
    assert page.get_attribute("#case-status", "data-status") == "referred"
    assert page.inner_text("#decision-reason") == "移送：两项串通情形同时成立"
    assert page.locator("#transition").count() == 0
    page.screenshot(path=str(tmp_path / "case-referred.png"), full_page=True)
    # The refused referral's page came with status 422, as a refused form does; nothing else.
    assert [e for e in errors if "status of 422" not in e] == []
    assert len(errors) == 1
