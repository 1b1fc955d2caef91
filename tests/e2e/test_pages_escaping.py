"""Text that users type is shown as text: a tender whose title and description carry markup
appears escaped, never as live HTML, on every page that shows it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from prex.worker import run_once
from tests.e2e.test_pages_workbench import new_tender_form, sign_in
from tests.factories import World, auth, published_tender

SCRIPT = "<script>alert(1)</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
TITLE = f"体育馆改造 {SCRIPT} {IMAGE}"
DESCRIPTION = f"公告正文 {IMAGE} 与 {SCRIPT}"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
ESCAPED_IMAGE = "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"


def assert_escaped(html: str, where: str) -> None:
    assert SCRIPT not in html, where
    assert IMAGE not in html and "<img" not in html, where
    assert ESCAPED_SCRIPT in html and ESCAPED_IMAGE in html, where


def test_markup_in_a_title_and_description_is_escaped_on_every_page(
    client: TestClient, world: World
) -> None:
    tender = published_tender(
        client, world, auth(world.services, "agency"), title=TITLE, description=DESCRIPTION
    )
    run_once(world.services)  # the publication notification carries the title

    assert_escaped(client.get("/").text, "portal list")
    assert_escaped(client.get("/?q=体育馆").text, "portal list, searched")
    detail = client.get(f"/tenders/{tender['id']}").text
    assert_escaped(detail, "tender detail")
    assert detail.count(ESCAPED_SCRIPT) >= 3  # heading, page title, announcement

    sign_in(client, "agency")
    assert_escaped(client.get("/workbench").text, "workbench")
    assert_escaped(client.get(f"/workbench/tenders/{tender['id']}").text, "manage page")
    assert_escaped(client.get("/notifications").text, "notifications")


def test_markup_typed_into_a_refused_form_comes_back_escaped(
    client: TestClient, world: World
) -> None:
    sign_in(client, "agency")
    refused = client.post(
        "/workbench/tenders",
        data=new_tender_form(world, title=TITLE, description=DESCRIPTION, bid_deadline="soon"),
    )
    assert refused.status_code == 422
    assert_escaped(refused.text, "refused new-tender form")

    draft = client.post("/workbench/tenders", data=new_tender_form(world))
    tender_id = draft.url.path.rsplit("/", 1)[1]
    refused = client.post(
        f"/workbench/tenders/{tender_id}/edit",
        data={
            "title": TITLE,
            "description": DESCRIPTION,
            "bid_deadline": "",
            "documents_until": "2026-03-12T17:00",
            "section_name": ["一标段"],
            "section_budget": ["100"],
        },
    )
    assert refused.status_code == 422
    assert_escaped(refused.text, "refused edit form")
