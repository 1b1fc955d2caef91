"""The live bidding page in a real browser: two bidders, each signed in through the sign-in form
in a browser context of their own with its key file, bid against each other through the timed
round; a member of the public watches from a computer whose clock says 2001. Served by uvicorn
(WebSockets on) in a thread over the same services — the same database and the same test clock
— as the test, which drives the worker.

Both bidders see the price, the leader's number and the countdown change without a reload; a
refused bid shows the current price; the clock shown is the server's; no bidder's organisation
is named anywhere on the pages.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect
from sqlalchemy import insert, select, update

from prex.auctions.orm import listing_registrations
from prex.bootstrap import Services
from prex.identity.orm import credentials, organisations
from prex.shared.clock import FixedClock
from prex.shared.ids import new_id
from prex.web.pages.render import CHINA
from tests.bidding_world import Listing, open_listing
from tests.factories import PASSWORD, World
from tests.live_server import serve
from tests.pki_helpers import member_of
from tests.pki_openssl import _COMPANIES as COMPANIES
from tests.pki_openssl import PkiWorld

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

LIVE = 10_000  # ms: a change shows well within this
RSA_USER = "bidder_rsa_live"


@pytest.fixture
def live_server(services: Services) -> Iterator[str]:
    with serve(services, websockets=True) as url:
        yield url


def admit(listing: Listing, leaf: str, user: str, number: str) -> None:
    """Register ``leaf``'s organisation as an admitted bidder with its deposit confirmed."""
    services, pki = listing.services, listing.pki
    member_of(services, listing.world, pki.uscc[leaf], user)
    now = listing.clock.now()
    with services.writer_session() as session:
        org_id = session.execute(
            select(organisations.c.id).where(organisations.c.uscc == pki.uscc[leaf])
        ).scalar_one()
        listing.registration[leaf] = new_id()
        listing.number[leaf] = number
        session.execute(
            insert(listing_registrations).values(
                id=listing.registration[leaf],
                listing_id=listing.id,
                org_id=org_id,
                number=number,
                certificate_sha256="0" * 64,
                signature=b"-",
                applied_at=now,
                eligibility="approved",
                deposit_status="confirmed",
                deposit_amount="2000000.00",
                deposit_reference=f"REF-{listing.id[-6:]}-live",
                continuing=False,
                updated_at=now,
            )
        )
        session.commit()


def bundle(folder: Path, pki: PkiWorld, leaf: str) -> Path:
    """The signing certificate followed by its CAs, as a CA hands them out."""
    issued = pki.leaves[leaf]
    path = folder / f"{leaf}-证书.pem"
    path.write_bytes(issued.cert.read_bytes() + b"".join(p.read_bytes() for p in issued.chain))
    return path


def live_page(
    context: BrowserContext, base_url: str, listing_id: str, user: str | None, errors: list[str]
) -> Page:
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{user}: {error}"))
    path = f"/listings/{listing_id}/live"
    if user is None:
        page.goto(base_url + path)
    else:
        page.goto(f"{base_url}/login?next={quote(path)}")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("#login-form button[type=submit]")
        page.wait_for_url(f"**{path}")
    expect(page.locator("#auction-connection")).to_have_attribute(
        "data-state", "live", timeout=LIVE
    )
    return page


def place(page: Page, amount: str) -> None:
    page.fill("#bid-amount", amount)
    page.click("#bid-button")


def seconds_left(page: Page) -> int:
    text = page.inner_text("#auction-countdown")
    match = re.fullmatch(r"(\d\d):(\d\d):(\d\d)", text)
    assert match, text
    h, m, s = (int(x) for x in match.groups())
    return h * 3600 + m * 60 + s


def test_two_bidders_bid_against_each_other_live_through_the_timed_round(
    browser: Browser,
    live_server: str,
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    listing = open_listing(client, services, world, pki_world, clock)
    admit(listing, "rsa-org", RSA_USER, "8100")
    ec, rsa = listing.number["ecdsa-org"], listing.number["rsa-org"]
    contexts = [browser.new_context(locale="zh-CN") for _ in range(3)]
    try:
        ec_context, rsa_context, public_context = contexts
        # The public's computer believes it is 2001: the page keeps the server's time anyway.
        public_context.clock.install(time=datetime(2001, 1, 1, tzinfo=UTC))
        sockets: list[WebSocketRoute] = []

        def through_test(ws: WebSocketRoute) -> None:
            ws.connect_to_server()
            sockets.append(ws)

        public_context.route_web_socket(re.compile(r".*/live(\?.*)?$"), through_test)
        errors: list[str] = []
        one = live_page(ec_context, live_server, listing.id, "bidder_ec", errors)
        two = live_page(rsa_context, live_server, listing.id, RSA_USER, errors)
        public = live_page(public_context, live_server, listing.id, None, errors)
        one.set_input_files("#bid-certificate", str(bundle(tmp_path, pki_world, "ecdsa-org")))
        one.set_input_files("#bid-key", str(pki_world.leaves["ecdsa-org"].key))
        two.set_input_files("#bid-certificate", str(bundle(tmp_path, pki_world, "rsa-org")))
        two.set_input_files("#bid-key", str(pki_world.leaves["rsa-org"].key))

        # Each bidder sees its own number; the public sees no form.
        assert ec in one.inner_text("#auction-number")
        assert rsa in two.inner_text("#auction-number")
        assert public.locator("#bid-form").count() == 0
        server_now = clock.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        assert public.inner_text("#auction-clock").startswith(server_now)

        # The listing period: a quote each, signed in the browser, seen by everyone live.
        place(one, "10000000")
        expect(one.locator("#auction-done")).to_contain_text("10,000,000.00", timeout=LIVE)
        for page in (one, two, public):
            expect(page.locator("#auction-best")).to_have_text("10,000,000.00", timeout=LIVE)
            expect(page.locator("#auction-leader")).to_have_text(ec, timeout=LIVE)
        place(two, "10100000.00")
        for page in (one, two, public):
            expect(page.locator("#auction-leader")).to_have_text(rsa, timeout=LIVE)
            expect(page.locator("#auction-minimum")).to_have_text("10,200,000.00", timeout=LIVE)

        # The listing period ends with both going on: the timed round, a 300 s countdown.
        listing.continuing("ecdsa-org", "rsa-org")
        ends = datetime.fromisoformat(listing.book()["listing_ends_at"])
        # The clock jumps over the listing period (two weeks) and the server checks a bidder's
        # session again for every bid: the sessions last through the round, as if both had
        # signed in again that morning.
        with services.writer_session() as session:
            session.execute(update(credentials).values(expires_at=ends + timedelta(hours=12)))
            session.commit()
        listing.at(ends)
        for page in (one, two, public):
            expect(page.locator("#auction")).to_have_attribute("data-status", "round", timeout=LIVE)
            assert 280 <= seconds_left(page) <= 300
        assert public.inner_text("#auction-clock").startswith(
            ends.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        )

        # The public's line drops: the page reconnects by itself, from the last bid it saw.
        sockets[0].close(code=1011)
        connection = public.locator("#auction-connection")
        expect(connection).to_have_attribute("data-state", "reconnecting", timeout=LIVE)
        expect(connection).to_have_attribute("data-state", "live", timeout=LIVE)
        assert sockets[-1].url.endswith("/live?after_seq=2"), sockets[-1].url

        # 200 s into the round a bid resets the countdown to 300 s on every page.
        clock.set(ends + timedelta(seconds=200))
        place(one, "10200000")
        for page in (one, two, public):
            expect(page.locator("#auction-leader")).to_have_text(ec, timeout=LIVE)
            expect(page.locator("#auction-best")).to_have_text("10,200,000.00", timeout=LIVE)
        expect(two.locator("#auction-countdown")).to_have_text(re.compile(r"00:0[45]:\d\d"))
        assert seconds_left(two) > 280 and seconds_left(public) > 280

        # A bid that no longer beats the price is refused, with the current price shown.
        place(two, "10200000")
        problem = two.locator("#auction-problem")
        expect(problem).to_have_attribute("data-reason", "too-low", timeout=LIVE)
        expect(problem).to_contain_text("10,200,000.00")
        expect(problem).to_contain_text("10,300,000.00")
        assert two.input_value("#bid-amount") == "10300000.00"
        place(two, "10300000")
        for page in (one, two, public):
            expect(page.locator("#auction-leader")).to_have_text(rsa, timeout=LIVE)
            expect(page.locator("#bids tbody tr")).to_have_count(4, timeout=LIVE)

        # The countdown runs out; the worker closes the bidding and every page shows it.
        listing.at(ends + timedelta(seconds=500))
        for page in (one, two, public):
            expect(page.locator("#auction")).to_have_attribute("data-status", "sold", timeout=LIVE)
            expect(page.locator("#countdown-box")).to_be_hidden()

        # Bidders are numbers: no organisation is named anywhere.
        with services.read_session() as session:
            registered = list(session.execute(select(organisations.c.name)).scalars())
        names = [COMPANIES["ecdsa-org"], COMPANIES["rsa-org"], *registered]
        for page in (one, two, public):
            content = page.content()
            assert not [n for n in names if n in content]
        assert errors == []
    finally:
        for context in contexts:
            context.close()
