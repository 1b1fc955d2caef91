"""A supervisor in a real browser (Debian's chromium, Playwright) decides a complaint on its page:
accepts it, suspends the tender — whose public page then shows the suspension — prepares the
written decision, signs its bytes with a personal certificate (OpenSSL-made, through `prex sig
sign`), publishes it; the tender page then shows the decision and no suspension. No console
error on the way.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from tests.complaints_world import Complaints, beijing
from tests.factories import PASSWORD, World
from tests.live_server import serve
from tests.pki_openssl import PkiWorld

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]


@pytest.fixture
def filed(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> Iterator[tuple[str, Complaints, dict[str, str]]]:
    clock.set(beijing("2026-09-28"))
    cx = Complaints(client, services, world, pki_world, tmp_path, clock)
    tender = cx.tender()
    clock.set(beijing("2026-10-08"))
    complaint = cx.file(tender["id"])
    assert complaint.status_code == 201, complaint.text
    with serve(services) as url:
        yield url, cx, {"tender": tender["id"], "complaint": complaint.json()["id"]}


def test_a_supervisor_decides_a_complaint_and_the_tender_page_follows(
    page: Page, filed: tuple[str, Complaints, dict[str, str]]
) -> None:
    base_url, cx, ids = filed
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    page.goto(base_url + "/complaints")
    page.wait_for_url("**/login?next=%2Fcomplaints")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/complaints")
    page.click(f"#complaints a[href='/complaints/{ids['complaint']}']")
    page.wait_for_selector("#complaint-text")
    assert page.get_attribute("#complaint-status", "data-status") == "filed"

    page.click("#accept")
    page.wait_for_url("**?done=complaint_accepted")
    assert page.get_attribute("#complaint-status", "data-status") == "accepted"
    page.fill("#suspend-reason", "资格条件涉嫌排斥潜在投标人，责令暂停招标")
    page.click("#suspend")
    page.wait_for_url("**?done=tender_suspended")

    page.click("#tender-link")
    page.wait_for_selector("#suspension")
    number = page.inner_text("#suspension-number")
    assert number.startswith("TS-")
    assert "责令暂停招标" in page.inner_text("#suspension")
    assert page.locator("#complaint-decisions").count() == 0

    page.goto(f"{base_url}/complaints/{ids['complaint']}")
    page.select_option("#outcome", "dismissed")
    page.select_option("#remedy", "resume")
    page.fill("#findings", "经调查，资格条件符合法律规定，投诉不成立，驳回投诉。")
    page.click("#prepare")
    page.wait_for_selector("#to-sign")
    to_sign = base64.b64decode(page.inner_text("#to-sign-b64"))
    assert "投诉不成立".encode() in to_sign
    page.fill("#signature", cx.supervisor.sign(to_sign))
    page.click("#publish-decision")
    page.wait_for_url("**?done=complaint_decided")
    assert page.get_attribute("#complaint-status", "data-status") == "decided"
    assert page.inner_text("#decision-outcome") == "投诉不成立"

    page.click("#tender-link")
    page.wait_for_selector("#complaint-decisions")
    assert page.locator("#suspension").count() == 0
    decision = page.inner_text("#complaint-decisions")
    assert number in decision and "驳回投诉" in decision
    assert errors == []
