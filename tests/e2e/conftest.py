"""End-to-end tests use the ``client`` and ``world`` fixtures of tests/conftest.py; browser tests
the chromium fixtures here (a test module may override ``browser`` with a wider scope)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from prex.bootstrap import Services
from prex.shared.clock import FixedClock
from tests.factories import World
from tests.opening_world import Opening
from tests.pki_openssl import PkiWorld

# Debian's chromium, headless, as CI installs it (a browser download is impossible here).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def opening(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> Opening:
    """A published tender ready for five bidders to seal, submit and be opened."""
    return Opening(client, services, world, pki_world, tmp_path, clock)
