"""The opening hall page as the server renders it (no script): in each phase it shows what the
hall's snapshot says, to each reader the actions that reader may take, and nothing more."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime, timedelta
from html import unescape
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.web.pages.opening import countdown, yuan
from tests.factories import World, auth, project_body, published_tender, tender_body
from tests.opening_world import BIDDERS, Opening


def hall_page(opening: Opening, user: str | None = None, lang: str = "en") -> str:
    headers = auth(opening.services, user) if user else {}
    response = opening.client.get(f"/tenders/{opening.id}/opening?lang={lang}", headers=headers)
    assert response.status_code == 200, response.text[:2000]
    return response.text


def by_id(html: str, element_id: str) -> str:
    """The opening tag and text of the element with this id (up to its first child's end)."""
    match = re.search(rf'<[^>]*\bid="{element_id}"[^>]*>([^<]*)', html)
    assert match is not None, f"no #{element_id}"
    return match.group(0)


def is_hidden(html: str, element_id: str) -> bool:
    return " hidden" in re.sub(r'"[^"]*"', '""', by_id(html, element_id).split(">")[0])


def text_of(html: str, element_id: str) -> str:
    return unescape(by_id(html, element_id).split(">", 1)[1]).strip()


def test_prices_are_read_out_with_every_sealed_digit_and_separators() -> None:
    assert yuan("10234567.89") == "10,234,567.89"
    assert yuan("9800000") == "9,800,000.00"
    assert yuan("1234.5") == "1,234.50"
    assert yuan("0.125") == "0.125"  # never rounded
    assert yuan("-1000") == "-1,000.00"
    assert yuan(None) == "" and yuan("n/a") == "n/a"
    assert countdown(timedelta(days=2, seconds=3661.2), "%(n)s d") == "2 d 01:01:02"
    assert countdown(timedelta(seconds=59), "%(n)s d") == "00:00:59"
    assert countdown(timedelta(seconds=-5), "%(n)s d") == "00:00:00"


def test_the_hall_page_follows_the_opening_phase_by_phase(opening: Opening) -> None:
    receipts = {}
    for n, leaf in enumerate(("rsa-org", "ecdsa-org", "sm2-org")):
        user, price = BIDDERS[leaf]
        response = opening.submit(opening.seal(leaf, price), user, f"page-{n}-00000001")
        assert response.status_code == 201, response.text
        receipts[leaf] = response.json()

    # Before the deadline: the public sees the count and the countdown, not who has bid.
    public = hall_page(opening)
    assert 'data-phase="before-deadline"' in public
    assert text_of(public, "hall-phase") == "Before the bid deadline"
    assert text_of(public, "hall-countdown") == "30 d 00:00:00"  # by the server's clock
    assert text_of(public, "checkin-count") == "0"
    for action in ("checkin-button", "open-button", "publish-button", "statement-panel"):
        assert f'id="{action}"' not in public
    bidder = hall_page(opening, "bidder_rsa")
    assert not is_hidden(bidder, "checkin-button") and is_hidden(bidder, "checkin-done")
    assert 'id="open-button"' not in bidder
    checked = opening.client.post(
        f"/api/v1/tenders/{opening.id}/opening/check-in",
        headers=auth(opening.services, "bidder_rsa"),
    )
    assert checked.status_code == 204
    assert text_of(hall_page(opening), "checkin-count") == "1"
    assert "<li>" not in by_id(hall_page(opening), "checkin-names")  # no names before
    assert is_hidden(hall_page(opening, "bidder_rsa"), "checkin-button")
    custodian = hall_page(opening, "custodian2")
    assert "You hold share 2 of this tender" in custodian
    assert f"prex opening release --tender {opening.id} --server http://testserver" in custodian
    assert 'id="decrypt-panel"' not in bidder  # custodians open this tender
    host = hall_page(opening, "agency")
    assert is_hidden(host, "open-panel")  # only once the deadline has passed

    # After the deadline: names, envelopes, the key shares and the host's button.
    opening.to_deadline()
    assert opening.release(1).status_code == 200
    public = hall_page(opening)
    assert text_of(public, "hall-phase") == "Decrypting the bids"
    assert text_of(public, "hall-envelopes") == "3"
    assert text_of(public, "shares-released") == "1" and text_of(public, "shares-threshold") == "3"
    assert "Any 3 of the 5 custodians" in public
    state = opening.hall()
    left = datetime.fromisoformat(state["window_closes_at"]) - opening.clock.now()
    assert left == timedelta(minutes=60, seconds=-1)  # the rule pack's window, less 1 s
    assert text_of(public, "hall-countdown") == "00:59:59"
    names = opening.hall()["checked_in_names"]
    assert len(names) == 1
    assert f'id="checkin-names" class="names"><li>{names[0]}</li></ul>' in public
    host = hall_page(opening, "agency")
    assert not is_hidden(host, "open-panel")
    assert 'id="open-button"' not in public and 'id="open-button"' not in bidder

    # Opened: the price reading, formatted; the bidders' and the host's forms.
    for n in (2, 3):
        assert opening.release(n).status_code == 200
    assert opening.host("open").status_code == 200
    public = hall_page(opening, lang="zh_CN")
    start = public.index('id="reading"')
    table = public[start : public.index("</table>", start)]
    for leaf in ("rsa-org", "ecdsa-org", "sm2-org"):
        assert f">{BIDDERS[leaf][1]}<" in table  # "10,234,567.89" as sealed
    assert table.count('data-outcome="opened"') == 3 and "李建国" in table
    assert "施工一标段" in table and "365" in table
    bidder = hall_page(opening, "bidder_sm2")
    assert not is_hidden(bidder, "statement-panel")
    assert not is_hidden(hall_page(opening, "agency"), "publish-panel")
    objection = opening.client.post(
        f"/api/v1/tenders/{opening.id}/opening/statements",
        json={"kind": "objection", "text": "<b>工期读错</b>"},
        headers=auth(opening.services, "bidder_sm2"),
    )
    assert objection.status_code == 201
    host = hall_page(opening, "agency")
    assert f'data-statement-id="{objection.json()["id"]}"' in host
    assert "&lt;b&gt;工期读错&lt;/b&gt;" in host and "<b>工期读错" not in host
    assert "data-statement-id" not in hall_page(opening)  # the public cannot answer
    answered = opening.client.post(
        f"/api/v1/opening-statements/{objection.json()['id']}/answer",
        json={"answer": "已核对，唱标无误"},
        headers=auth(opening.services, "agency"),
    )
    assert answered.status_code == 204

    # Closed: the record's digest and where to fetch it.
    assert opening.host("record").status_code == 201
    record = opening.client.get(f"/api/v1/tenders/{opening.id}/opening-record").json()
    public = hall_page(opening)
    assert text_of(public, "hall-phase") == "Opening record published"
    assert text_of(public, "record-sha256") == record["sha256"]
    assert not is_hidden(public, "record-box") and is_hidden(public, "record-none")
    assert f'href="/api/v1/tenders/{opening.id}/opening-record"' in public
    assert "已核对，唱标无误" in public
    assert 'id="publish-button"' not in public


def test_the_tender_page_links_the_hall_once_published(
    client: TestClient, world: World, services: Services
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    page = client.get(f"/tenders/{tender['id']}")
    assert f'href="/tenders/{tender["id"]}/opening"' in page.text
    hall = client.get(f"/tenders/{tender['id']}/opening")
    assert hall.status_code == 200 and 'src="/static/opening.js"' in hall.text
    assert client.get("/tenders/01J0000000000000000000000/opening").status_code == 404


def test_a_draft_has_no_hall_yet(client: TestClient, world: World, services: Services) -> None:
    headers = auth(services, "agency")
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers)
    draft = client.post(
        "/api/v1/tenders", json=tender_body(project.json()["id"], services), headers=headers
    )
    assert draft.status_code == 201, draft.text
    page = client.get(f"/tenders/{draft.json()['id']}/opening?lang=en", headers=headers)
    assert page.status_code == 409 and "opens when the tender is published" in page.text
    assert (
        'id="opening-hall-link"'
        not in client.get(f"/tenders/{draft.json()['id']}", headers=headers).text
    )
    assert client.get(f"/tenders/{draft.json()['id']}/opening").status_code == 404  # public


AMOUNTS = ["10234567.89", "9800000", "1234.5", "0.125", "-1000", "007", "0", "n/a"]


def test_the_script_reads_prices_and_counts_down_as_the_server_renders() -> None:
    """opening.js's helpers, run by node, agree with the server's for the same inputs."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = resources.files("prex.web") / "static" / "opening.js"
    program = f"""
        import {{ formatYuan, countdown, beijing, localTimes, ServerClock }} from "{script}";
        let local = 1000;
        const clock = new ServerClock("2026-04-01T00:59:50+00:00", 1, () => local);
        local += 2500;
        const sandbox = new ServerClock("2026-04-01T00:00:00+00:00", 60, () => local);
        local += 1000;
        console.log(JSON.stringify({{
            yuan: {json.dumps(AMOUNTS)}.map(formatYuan),
            countdown: [[190861200, "%(n)s 天"], [59000, "%(n)s d"], [-5, "%(n)s d"], [1, "x"]]
                .map(([ms, days]) => countdown(ms, days)),
            clock: beijing(clock.now()),
            sandbox: beijing(sandbox.now()),
            message: localTimes("截止时间为 2026-04-01T01:00:00.123456+00:00，此前不接受"),
        }}));
    """
    out = subprocess.run(
        [node, "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    seen = json.loads(out.stdout)
    assert seen["yuan"] == [yuan(a) for a in AMOUNTS]
    assert seen["countdown"] == [
        countdown(timedelta(milliseconds=190861200), "%(n)s 天"),
        countdown(timedelta(seconds=59), "%(n)s d"),
        "00:00:00",
        "00:00:01",
    ]
    assert seen["countdown"][0] == "2 天 05:01:02"
    assert seen["clock"] == "2026-04-01 08:59:53"  # server time + 3.5 s, in Beijing
    assert seen["sandbox"] == "2026-04-01 08:01:00"  # 1 s here is a minute of sandbox time
    assert seen["message"] == "截止时间为 2026-04-01 09:00，此前不接受"
