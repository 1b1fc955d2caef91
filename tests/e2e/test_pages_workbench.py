"""Running tenders through the workbench's HTML forms only: sign in, create, upload, publish,
clarify, amend, cancel, answer; and the refusals a person sees (in Chinese by default).

The pages are read as a browser would (the session cookie kept, redirects followed); the JSON
API is only used to look at the result.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from prex.bootstrap import Services
from prex.worker import run_once
from tests.factories import PASSWORD, World, auth, published_tender

DOCUMENTS = b"%PDF-1.4 tender documents of the gymnasium"
CHANGED = b"%PDF-1.4 changed bill of quantities"


def sign_in(client: TestClient, username: str) -> None:
    client.cookies.clear()
    page = client.post("/login", data={"username": username, "password": PASSWORD})
    assert page.status_code == 200, page.text
    assert page.url.path == "/workbench"
    assert client.cookies.get("prex_session")


def new_tender_form(world: World, **overrides: Any) -> dict[str, Any]:
    """The new-tender form as a person fills it in (Beijing times; the clock is 2026-03-02)."""
    form: dict[str, Any] = {
        "project_name": "杭州市第一中学体育馆改造工程",
        "transaction_type": "engineering",
        "region_code": "330100",
        "tenderer_org_id": world.orgs["tenderer"],
        "agency_org_id": world.orgs["agency"],
        "title": "杭州市第一中学体育馆改造工程施工招标",
        "description": "本项目已具备招标条件，现对该项目的施工进行公开招标。",
        "qualification": "具备建筑工程施工总承包二级及以上资质。",
        "evaluation_method": "comprehensive_scoring",
        "method": "open",
        "bid_deadline": "2026-04-01T09:30",
        "documents_until": "2026-03-12T17:00",
        "opening_place": "杭州市公共资源交易中心 第3开标室",
        "section_name": ["施工一标段", ""],
        "section_budget": ["12,500,000.00", ""],
        "section_ceiling_price": ["12000000", ""],
        "section_duration_days": ["365", ""],
    }
    form.update(overrides)
    return form


def manage_id(page: httpx.Response) -> str:
    match = re.fullmatch(r"/workbench/tenders/([0-9A-Z]{26})", page.url.path)
    assert match, page.url
    return match.group(1)


def create_draft(client: TestClient, world: World, **overrides: Any) -> str:
    page = client.post("/workbench/tenders", data=new_tender_form(world, **overrides))
    assert page.status_code == 200, page.text
    assert "草稿已创建" in page.text
    return manage_id(page)


def upload(client: TestClient, tender_id: str, content: bytes = DOCUMENTS) -> httpx.Response:
    return client.post(
        f"/workbench/tenders/{tender_id}/documents",
        data={"kind": "tender_documents"},
        files={"file": ("招标文件.pdf", content, "application/pdf")},
    )


def published_draft(client: TestClient, world: World, **overrides: Any) -> str:
    tender_id = create_draft(client, world, **overrides)
    assert upload(client, tender_id).status_code == 200
    page = client.post(f"/workbench/tenders/{tender_id}/publish")
    assert page.status_code == 200, page.text
    assert "已发布" in page.text
    return tender_id


def api_view(client: TestClient, tender_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/tenders/{tender_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_tender_is_created_uploaded_published_clarified_and_amended_through_the_forms(
    client: TestClient, world: World
) -> None:
    sign_in(client, "agency")
    workbench = client.get("/workbench")
    assert "新建招标项目" in workbench.text and 'action="/workbench/tenders"' in workbench.text

    tender_id = create_draft(client, world)
    draft = api_view(client, tender_id)
    assert draft["status"] == "draft"
    assert draft["bid_deadline"] == "2026-04-01T01:30:00Z"  # 09:30 Beijing time
    assert draft["sections"][0]["budget"] == "12500000.00"
    assert draft["sections"][0]["ceiling_price"] == "12000000.00"
    assert tender_id in client.get("/workbench").text

    manage = upload(client, tender_id)
    assert manage.status_code == 200
    assert "文件已上传" in manage.text
    assert hashlib.sha256(DOCUMENTS).hexdigest() in manage.text

    manage = client.post(f"/workbench/tenders/{tender_id}/publish")
    assert manage.url.path == f"/workbench/tenders/{tender_id}"
    assert "招标中" in manage.text  # the status, in Chinese
    assert api_view(client, tender_id)["status"] == "published"

    manage = client.post(
        f"/workbench/tenders/{tender_id}/amendments",
        data={"kind": "clarification", "text": "第3.2条所称“类似工程业绩”指近三年的体育场馆工程。"},
    )
    assert manage.status_code == 200, manage.text
    assert "澄清或修改已发出" in manage.text
    clarified = api_view(client, tender_id)
    assert [a["kind"] for a in clarified["amendments"]] == ["clarification"]
    assert clarified["bid_deadline"] == "2026-04-01T01:30:00Z"

    world.services.clock.advance(timedelta(days=20))  # type: ignore[attr-defined]
    sign_in(client, "agency")  # a session lasts hours, not days
    manage = client.post(
        f"/workbench/tenders/{tender_id}/amendments",
        data={
            "kind": "amendment",
            "text": "工程量清单第5项调整，投标截止时间顺延。",
            "affects_bids": "on",
            "new_deadline": "2026-04-10T09:30",
        },
        files=[("files", ("工程量清单（修改）.pdf", CHANGED, "application/pdf"))],
    )
    assert manage.status_code == 200, manage.text
    assert manage.url.path == f"/workbench/tenders/{tender_id}"
    amended = api_view(client, tender_id)
    assert amended["bid_deadline"] == "2026-04-10T01:30:00Z"
    assert amended["amendments"][1]["old_deadline"] == "2026-04-01T01:30:00Z"
    changed = [d for d in amended["documents"] if d["kind"] == "clarification"]
    assert [d["sha256"] for d in changed] == [hashlib.sha256(CHANGED).hexdigest()]
    public = client.get(f"/tenders/{tender_id}")
    assert "2026-04-10 09:30" in public.text
    assert "变更公告（第2号）" in public.text


def test_an_amendment_affecting_bids_with_fewer_than_15_days_left_must_move_the_deadline(
    client: TestClient, world: World
) -> None:
    sign_in(client, "agency")
    tender_id = published_draft(client, world)
    before = api_view(client, tender_id)
    world.services.clock.advance(timedelta(days=20))  # type: ignore[attr-defined]
    sign_in(client, "agency")

    refused = client.post(
        f"/workbench/tenders/{tender_id}/amendments",
        data={"kind": "amendment", "text": "技术参数第7项修改为不低于IP54。", "affects_bids": "on"},
    )

    assert refused.status_code == 422
    assert "15日" in refused.text and "第二十一条" in refused.text
    assert "不符合法定规则" in refused.text  # the heading of a statutory refusal
    assert "技术参数第7项修改为不低于IP54。" in refused.text  # what was typed is kept
    assert "未作任何更改" in refused.text
    after = api_view(client, tender_id)
    assert after["amendments"] == [] and after["bid_deadline"] == before["bid_deadline"]
    assert len(after["announcements"]) == len(before["announcements"])


def test_a_published_tender_and_a_draft_are_cancelled_with_a_reason(
    client: TestClient, world: World
) -> None:
    sign_in(client, "tenderer")
    published = published_draft(client, world)
    draft = create_draft(client, world, title="另一个待终止的草稿")

    refused = client.post(f"/workbench/tenders/{published}/cancel", data={"reason": "  "})
    assert refused.status_code == 422 and "终止原因" in refused.text
    assert api_view(client, published)["status"] == "published"

    page = client.post(
        f"/workbench/tenders/{published}/cancel",
        data={"reason": "项目建设方案调整，本次招标终止。"},
    )
    assert "招标已终止" in page.text
    cancelled = api_view(client, published)
    assert cancelled["status"] == "cancelled"
    assert cancelled["announcements"][-1]["kind"] == "cancellation"
    assert "项目建设方案调整" in client.get(f"/tenders/{published}").text

    client.post(f"/workbench/tenders/{draft}/cancel", data={"reason": "重复录入"})
    assert api_view(client, draft)["status"] == "cancelled"
    manage = client.get(f"/workbench/tenders/{draft}")
    assert 'id="cancel-form"' not in manage.text and 'id="publish-form"' not in manage.text


def test_a_bidder_obtains_the_documents_and_asks_and_the_agency_answers(
    client: TestClient, world: World
) -> None:
    sign_in(client, "agency")
    tender_id = published_draft(client, world)

    sign_in(client, "agency2")  # an agency, but not this tender's: the public page
    assert client.get(f"/workbench/tenders/{tender_id}").url.path == f"/tenders/{tender_id}"

    sign_in(client, "bidder")
    public = client.get(f"/tenders/{tender_id}")
    assert 'id="obtain-form"' in public.text and 'id="publish-form"' not in public.text
    assert client.get(f"/workbench/tenders/{tender_id}").status_code == 403  # not for bidders
    page = client.post(f"/tenders/{tender_id}/obtain")
    assert page.url.path == f"/tenders/{tender_id}" and "已获取招标文件" in page.text
    assert 'id="obtain-form"' not in page.text
    page = client.post(
        f"/tenders/{tender_id}/enquiries", data={"kind": "question", "text": "是否接受联合体投标？"}
    )
    assert "问题已发送" in page.text and "是否接受联合体投标？" in page.text

    sign_in(client, "agency")
    manage = client.get(f"/workbench/tenders/{tender_id}")
    enquiry_id = re.search(r"/enquiries/([0-9A-Z]{26})/answer", manage.text)
    assert enquiry_id, manage.text
    client.post(
        f"/workbench/tenders/{tender_id}/enquiries/{enquiry_id.group(1)}/answer",
        data={"text": "本项目不接受联合体投标。", "publish": "on"},
    )

    client.cookies.clear()
    public = client.get(f"/tenders/{tender_id}")
    assert "本项目不接受联合体投标。" in public.text
    assert world.orgs["bidder"] not in public.text  # the asker is never named to the public

    run_once(world.services)
    sign_in(client, "bidder")
    assert "答疑已发布" in client.get("/notifications").text


def test_refused_forms_show_the_field_to_correct_and_register_nothing(
    client: TestClient, world: World
) -> None:
    sign_in(client, "agency")
    page = client.post(
        "/workbench/tenders",
        data=new_tender_form(world, title="", section_name=[""], section_budget=[""]),
    )
    assert page.status_code == 422
    assert "标题为必填项" in page.text and 'aria-invalid="true"' in page.text
    page = client.post("/workbench/tenders", data=new_tender_form(world, bid_deadline="4月1日"))
    assert page.status_code == 422 and "投标截止时间" in page.text
    assert "杭州市第一中学体育馆改造工程施工招标" in page.text  # the values typed are kept
    assert client.get("/api/v1/tenders").json()["items"] == []
    assert "暂无招标项目" in client.get("/workbench").text

    tender_id = create_draft(client, world)
    too_large = upload(client, tender_id, b"x" * (1024 * 1024 + 1))
    assert too_large.status_code == 413 and "文件过大" in too_large.text
    incomplete = client.post(f"/workbench/tenders/{tender_id}/publish")
    assert incomplete.status_code == 422 and "招标项目尚不完整" in incomplete.text
    assert api_view(client, tender_id)["status"] == "draft"


def test_a_draft_is_edited_and_its_sections_replaced(client: TestClient, world: World) -> None:
    sign_in(client, "tenderer")
    tender_id = create_draft(client, world)
    page = client.post(
        f"/workbench/tenders/{tender_id}/edit",
        data={
            "title": "杭州市第一中学体育馆改造工程（重新编制）",
            "description": "修改后的公告正文。",
            "qualification": "",
            "evaluation_method": "lowest_evaluated_price",
            "bid_deadline": "2026-04-03T09:30",
            "documents_until": "2026-03-13T17:00",
            "opening_place": "第1开标室",
            "section_name": ["土建标段", "安装标段", ""],
            "section_budget": ["8000000", "4500000.50", ""],
            "section_ceiling_price": ["", "", ""],
            "section_duration_days": ["300", "", ""],
        },
    )
    assert page.status_code == 200 and "草稿已保存" in page.text
    edited = api_view(client, tender_id)
    assert edited["title"] == "杭州市第一中学体育馆改造工程（重新编制）"
    assert edited["evaluation_method"] == "lowest_evaluated_price"
    assert [s["name"] for s in edited["sections"]] == ["土建标段", "安装标段"]
    assert edited["total_budget"] == "12500000.50"
    assert edited["bid_deadline"] == "2026-04-03T01:30:00Z"


def test_a_wrong_password_shows_the_form_again_and_sets_no_cookie(
    client: TestClient, world: World
) -> None:
    page = client.post("/login", data={"username": "agency", "password": "wrong password"})
    assert page.status_code == 401
    assert "用户名或密码错误" in page.text
    assert 'value="agency"' in page.text
    assert "prex_session" not in page.headers.get("set-cookie", "")
    assert not client.cookies.get("prex_session")
    assert client.get("/workbench", follow_redirects=False).status_code == 303


def test_anonymous_visitors_are_sent_to_sign_in_and_change_nothing(
    client: TestClient, world: World
) -> None:
    for path in ("/workbench", "/notifications"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next=%2F{path[1:]}"
    landed = client.get("/workbench")
    assert landed.url.path == "/login" and 'name="password"' in landed.text

    sign_in(client, "agency")
    tender_id = create_draft(client, world)
    client.cookies.clear()
    response = client.post(f"/workbench/tenders/{tender_id}/publish", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get(f"/workbench/tenders/{tender_id}", follow_redirects=False).status_code == 303

    sign_in(client, "agency2")  # not a party: the draft does not exist for it
    assert client.get(f"/workbench/tenders/{tender_id}").status_code == 404
    sign_in(client, "bidder")  # no role of a bidder may create tenders
    refused = client.post("/workbench/tenders", data=new_tender_form(world))
    assert refused.status_code == 403 and "无权" in refused.text
    sign_in(client, "agency")
    back = client.post(
        "/login",
        data={
            "username": "agency",
            "password": PASSWORD,
            "next": f"/workbench/tenders/{tender_id}",
        },
    )
    assert back.url.path == f"/workbench/tenders/{tender_id}"
    evil = client.post(
        "/login", data={"username": "agency", "password": PASSWORD, "next": "//evil.example/"}
    )
    assert evil.url.path == "/workbench" and evil.url.host == "testserver"


def test_the_session_cookie_is_http_only_same_site_lax_and_secure_when_configured(
    client: TestClient, world: World
) -> None:
    page = client.post(
        "/login", data={"username": "agency", "password": PASSWORD}, follow_redirects=False
    )
    assert page.status_code == 303 and page.headers["location"] == "/workbench"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    settings = world.services.settings
    world.services.settings = settings.model_copy(update={"cookie_secure": True})
    try:
        page = client.post(
            "/login", data={"username": "agency", "password": PASSWORD}, follow_redirects=False
        )
    finally:
        world.services.settings = settings
    assert "; secure" in page.headers["set-cookie"].lower()


def test_signing_out_revokes_the_session(client: TestClient, world: World) -> None:
    sign_in(client, "agency")
    secret = client.cookies.get("prex_session")
    page = client.post("/logout")
    assert page.url.path == "/" and "已退出登录" in page.text
    assert not client.cookies.get("prex_session")
    client.cookies.set("prex_session", str(secret))
    assert client.get("/workbench", follow_redirects=False).status_code == 303


def test_english_is_one_click_away(client: TestClient, world: World) -> None:
    sign_in(client, "agency")
    chinese = client.get("/workbench")
    assert "工作台" in chinese.text and "Workbench" not in chinese.text
    english = client.get("/workbench?lang=en")
    assert "Start a new tender" in english.text and "新建招标项目" not in english.text
    assert "Start a new tender" in client.get("/workbench").text  # remembered in a cookie


def test_a_bidders_workbench_lists_the_tenders_it_obtained_documents_for(
    client: TestClient, world: World, services: Services
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    bidder = auth(services, "bidder")
    assert client.post(f"/api/v1/tenders/{tender['id']}/obtain", headers=bidder).status_code == 200
    page = client.get("/workbench", headers=bidder)
    assert page.status_code == 200
    assert f'href="/tenders/{tender["id"]}"' in page.text and 'id="taking-part"' in page.text
