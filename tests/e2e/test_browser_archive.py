"""The archive in a real browser (Debian's chromium, Playwright): the tenderer opens its
cancelled tender's page, follows the link to the electronic archive, downloads the file, and the
file verifies offline.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from prex.archive.verify import verify_archive
from prex.bootstrap import Services
from prex.worker import run_once
from tests.factories import PASSWORD, World, auth, published_tender
from tests.live_server import serve

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]


@pytest.fixture
def ended(client: TestClient, world: World, services: Services) -> Iterator[tuple[str, str]]:
    """A tender cancelled by its agency and archived by the worker; the served URL and its id."""
    tender = published_tender(client, world, auth(services, "agency"))
    cancelled = client.post(
        f"/api/v1/tenders/{tender['id']}/cancel",
        json={"reason": "项目取消"},
        headers=auth(services, "agency"),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert run_once(services).archived == 1
    with serve(services) as url:
        yield url, tender["id"]


def test_the_tenderer_downloads_its_archive_from_the_tender_page_and_it_verifies(
    page: Page, ended: tuple[str, str], tmp_path: Path
) -> None:
    base_url, tender_id = ended
    page.goto(base_url + "/login")
    page.fill("input[name=username]", "tenderer")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{base_url}/tenders/{tender_id}")
    page.click("#archive-link")
    page.wait_for_url(f"**/archives?tender_id={tender_id}")
    assert "电子档案" in page.inner_text("h1")
    row = page.locator("#archives tbody tr[data-archive]")
    assert row.count() == 1 and "已终止" in row.inner_text()
    page.screenshot(path=str(tmp_path / "archives.png"), full_page=True)
    with page.expect_download() as download:
        row.locator("a[download]").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".zip"
    report = verify_archive(saved.read_bytes())
    assert report.ok, report.failures
    assert report.manifest["tender_id"] == tender_id and report.manifest["ending"] == "cancelled"
