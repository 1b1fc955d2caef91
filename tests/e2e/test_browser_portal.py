"""The portal in a real browser: Debian's chromium, driven by Playwright, against the app
served by uvicorn over a seeded SQLite database.

SQLite only (``backend`` is pinned): the point is the browser, not the database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page

from prex.bootstrap import Services
from prex.web.app import create_app
from tests.factories import PASSWORD, World, auth, project_body, tender_body
from tests.live_server import serve

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]


@dataclass(frozen=True)
class Seeded:
    """A tender published for the browser to find, and the bytes of its documents."""

    id: str
    title: str
    documents: bytes


def publish(
    client: TestClient, world: World, *, title: str, transaction_type: str, documents: bytes
) -> Seeded:
    headers = auth(world.services, "agency")
    project = client.post(
        "/api/v1/projects",
        json=project_body(world, name=title, transaction_type=transaction_type),
        headers=headers,
    )
    assert project.status_code == 201, project.text
    tender = client.post(
        "/api/v1/tenders",
        json=tender_body(project.json()["id"], world.services, title=title),
        headers=headers,
    )
    assert tender.status_code == 201, tender.text
    tender_id = tender.json()["id"]
    uploaded = client.post(
        f"/api/v1/tenders/{tender_id}/documents",
        files={"file": ("招标文件.pdf", documents, "application/pdf")},
        headers=headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    published = client.post(f"/api/v1/tenders/{tender_id}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return Seeded(tender_id, title, documents)


@pytest.fixture
def seeded(world: World) -> dict[str, Seeded]:
    with TestClient(create_app(world.services)) as client:
        return {
            "school": publish(
                client,
                world,
                title="杭州市第一中学体育馆改造工程施工招标",
                transaction_type="engineering",
                documents=b"%PDF-1.4 school",
            ),
            "road": publish(
                client,
                world,
                title="西湖区文一路道路提升改造工程施工招标",
                transaction_type="engineering",
                documents=b"%PDF-1.4 road",
            ),
            "hospital": publish(
                client,
                world,
                title="杭州市第二人民医院医疗设备采购项目",
                transaction_type="procurement",
                documents=b"%PDF-1.4 hospital equipment",
            ),
            "laptops": publish(
                client,
                world,
                title="杭州市教育局办公电脑采购项目",
                transaction_type="procurement",
                documents=b"%PDF-1.4 laptops",
            ),
        }


@pytest.fixture
def base_url(services: Services, seeded: dict[str, Seeded]) -> Iterator[str]:
    """The app served by uvicorn on a free local port, in a thread, for this test only."""
    with serve(services) as url:
        yield url


def rows(page: Page) -> list[str]:
    return [r.inner_text() for r in page.locator("#tender-list tbody tr").all()]


def test_a_visitor_filters_the_portal_and_reads_a_tender_with_its_document_digest(
    page: Page, base_url: str, seeded: dict[str, Seeded], tmp_path: Path
) -> None:
    page.goto(base_url + "/")
    assert "招标公告" in page.inner_text("h1")
    assert len(rows(page)) == 4

    page.select_option("select[name=transaction_type]", "procurement")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**transaction_type=procurement**")
    assert len(rows(page)) == 2
    assert all("政府采购" in row for row in rows(page))

    page.fill("input[name=q]", "医院")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**q=**")
    found = rows(page)
    assert len(found) == 1 and seeded["hospital"].title in found[0]
    assert page.input_value("select[name=transaction_type]") == "procurement"  # kept

    page.click(f"#tender-list a[href='/tenders/{seeded['hospital'].id}']")
    page.wait_for_url(f"**/tenders/{seeded['hospital'].id}")
    assert page.inner_text("h1").strip() == seeded["hospital"].title
    assert page.inner_text("#bid-deadline") == "2026-04-01 09:00"  # T0 + 30 days, Beijing
    assert (
        page.inner_text("#documents code.hash")
        == hashlib.sha256(seeded["hospital"].documents).hexdigest()
    )
    assert page.inner_text("#tender-status") == "招标中"

    shot = tmp_path / "tender-detail.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    body = page.inner_text("body")
    assert "招标公告" in body and "投标截止时间" in body


def test_an_agency_signs_in_and_creates_a_draft_with_two_sections_in_the_browser(
    page: Page, base_url: str, world: World, tmp_path: Path
) -> None:
    page.goto(base_url + "/workbench")
    page.wait_for_url("**/login?next=%2Fworkbench")
    page.fill("input[name=username]", "agency")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/workbench")
    assert "新建招标项目" in page.inner_text("#new-tender summary")
    assert "杭州市第一中学体育馆改造工程施工招标" in page.inner_text("#my-tenders")
    page.click("#new-tender summary")  # the form is folded away once there are tenders

    form = page.locator("#new-tender-form")
    form.locator("input[name=tenderer_org_id]").fill(world.orgs["tenderer"])
    form.locator("input[name=title]").fill("拱墅区运河公园景观提升工程施工招标")
    form.locator("textarea[name=description]").fill("本项目已具备招标条件，现进行公开招标。")
    assert form.locator("[data-invitees]").is_hidden()  # only for invited tenders
    form.locator("select[name=method]").select_option("invited")
    assert form.locator("[data-invitees]").is_visible()
    form.locator("select[name=method]").select_option("open")
    fields: dict[str, Any] = {
        "section_name": "景观一标段",
        "section_budget": "3,200,000",
        "section_duration_days": "180",
    }
    for name, value in fields.items():
        form.locator(f"input[name={name}]").nth(0).fill(value)
    form.locator("[data-add-section]").click()
    form.locator("input[name=section_name]").nth(1).fill("景观二标段")
    form.locator("input[name=section_budget]").nth(1).fill("1800000.00")
    page.screenshot(path=str(tmp_path / "workbench-form.png"), full_page=True)
    form.locator("button[type=submit]").click()

    page.wait_for_url(re.compile(r"/workbench/tenders/[0-9A-Z]{26}\?done=created$"))
    assert "招标项目草稿已创建" in page.inner_text(".flash")
    assert page.inner_text("#tender-status") == "草稿"
    sections = page.inner_text("#sections")
    assert "景观一标段" in sections and "景观二标段" in sections
    assert "5,000,000.00" in page.inner_text("dl.facts")


def test_an_operator_adds_a_ca_from_a_file_and_suspends_it_in_the_browser(
    page: Page, base_url: str, pki_world: Any, tmp_path: Path
) -> None:
    bundle = tmp_path / "国密CA.pem"
    bundle.write_bytes(
        pki_world.cas["sm2"].cert.read_bytes() + pki_world.cas["sm2-int"].cert.read_bytes()
    )
    page.goto(base_url + "/cas")
    assert "互认的数字证书认证机构" in page.inner_text("h1")
    assert page.locator("#add-ca").count() == 0  # the public sees the list only
    page.goto(base_url + "/login?next=%2Fcas")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/cas")

    page.set_input_files("#add-ca input[name=file]", str(bundle))
    page.uncheck("#add-ca input[value=encryption]")
    page.fill("#add-ca input[name=profile]", "uscc:serialNumber person:serialNumber")
    page.fill("#add-ca input[name=label]", "国密测试CA")
    page.click("#add-ca button[type=submit]")
    page.wait_for_url("**/cas?done=ca_added")
    table = page.locator("#trust-list tbody tr").filter(has_text="国密测试CA")
    assert table.count() == 2  # root and intermediate, beside the world's custodian CA
    assert "登录, 签名" in table.first.inner_text() and "sm2" in table.first.inner_text()

    row = table.filter(has_text="Issuing")
    row.locator("select[name=status]").select_option("suspended")
    row.locator("input[name=reason]").fill("年度检查")
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/cas?done=ca_status")
    suspended = page.locator("#trust-list tbody tr").filter(has_text="Issuing").inner_text()
    assert "暂停" in suspended and "年度检查" in suspended
    page.screenshot(path=str(tmp_path / "trust-list.png"), full_page=True)

    page.set_input_files("#add-ca input[name=file]", str(pki_world.leaves["sm2-org"].cert))
    page.click("#add-ca button[type=submit]")
    assert "is not a CA certificate" in page.inner_text("#problem")


def test_a_bidder_binds_an_sm2_certificate_and_signs_in_with_it_in_the_browser(
    page: Page, base_url: str, services: Services, world: World, pki_world: Any, tmp_path: Path
) -> None:
    from tests.pki_helpers import member_of, openssl_sign, trust_world

    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc["sm2-org"], "smbidder")
    issued = pki_world.leaves["sm2-org"]
    pem = issued.cert.read_text() + "".join(p.read_text() for p in issued.chain)

    def answer(form: str) -> None:
        message = page.inner_text("#challenge-message").replace("\r", "")
        # inner_text drops the final newline of the <pre>; the signed text ends with one
        signature = openssl_sign(
            issued.key, (message.rstrip("\n") + "\n").encode(), "sm2-sm3", tmp_path
        )
        page.fill(f"#{form} textarea[name=certificate]", pem)
        page.fill(f"#{form} textarea[name=signature]", signature)
        page.select_option(f"#{form} select[name=algorithm]", "sm2-sm3")
        page.click(f"#{form} button[type=submit]")

    page.goto(base_url + "/login")
    page.fill("input[name=username]", "smbidder")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url("**/workbench")
    page.goto(base_url + "/certificates")
    assert "本账号尚未绑定数字证书" in page.inner_text("#my-certificates")
    page.click("#bind-start button")
    answer("bind")
    page.wait_for_url("**/certificates?done=cert_bound")
    assert pki_world.uscc["sm2-org"] in page.inner_text("#my-certificates")
    page.click("header form button")  # sign out
    page.wait_for_url("**/?done=signed_out")

    page.goto(base_url + "/login")
    page.click("#certificate-login-link")
    page.click("#certificate-login-start button")
    answer("certificate-login")
    page.wait_for_url("**/workbench")
    assert "smbidder" in page.inner_text("header .user")
