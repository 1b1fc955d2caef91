"""Sealing a bid in a real browser: chromium seals with WebCrypto (``/static/seal.js``), the
server accepts the envelope as it accepts one from ``prex bid seal``, three custodians open it to
exactly what was typed and picked, and no request the browser sends carries the plaintext.

The live server, the seeded tenders and the page come from the portal's browser tests (their
fixtures are imported, hence F811 for the parameters that use them); the browser is launched
once for this module.
"""

# ruff: noqa: F811

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, Route, sync_playwright
from sqlalchemy import select, update

from prex.bidding.orm import opening_key_shares, tender_opening_keys
from prex.bootstrap import Services
from prex.envelope import container, threshold
from prex.pki.certs import load_certificate, parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.issue import issue_certificate
from prex.pki.keys import PrivateKey
from prex.sealing.fingerprint import document_ids
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.e2e.test_browser_portal import (  # noqa: F401 - fixtures
    Seeded,
    base_url,
    seeded,
)
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth, published_tender
from tests.pki_helpers import member_of, trust_world
from tests.pki_openssl import PkiWorld

MARKER = "只有开标时才能看到的标记 prex-marker-7f3a"
TYPED_PRICE = "9,876,543.21"
PRICE = "9876543.21"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /ID [<0A1B2C3D4E5F><0A1B2C3D4E5F>] >>\n%%EOF\n"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One chromium for the module (the portal tests start one per test)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass(frozen=True)
class Sent:
    method: str
    url: str
    headers: str
    body: bytes

    @property
    def everything(self) -> bytes:
        return f"{self.method} {self.url}\n{self.headers}\n".encode() + self.body


def record_requests(page: Page) -> list[Sent]:
    """Every request the page sends, with its body, as the network sees it."""
    sent: list[Sent] = []

    def keep(route: Route) -> None:
        request = route.request
        sent.append(
            Sent(
                request.method,
                request.url,
                json.dumps(request.headers, ensure_ascii=False),
                request.post_data_buffer or b"",
            )
        )
        route.continue_()

    page.route("**/*", keep)
    return sent


def sign_in(page: Page, base_url: str, username: str, then: str) -> None:
    page.goto(f"{base_url}/login?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"**{then}")


def bundle(folder: Path, issued: Any) -> Path:
    """The signing certificate followed by its CAs, as a CA hands them out."""
    path = folder / "签名证书.pem"
    path.write_bytes(issued.cert.read_bytes() + b"".join(p.read_bytes() for p in issued.chain))
    return path


def fill_and_seal(
    page: Page,
    *,
    documents: list[Path],
    certificate: Path,
    key: Path,
    encryption_certificate: Path | None = None,
    refused: bool = False,
    price: str = TYPED_PRICE,
) -> None:
    form = page.locator("#seal-form")
    form.wait_for(state="visible")  # shown by seal.js once it runs
    form.locator("[data-field=price]").fill(price)
    form.locator("[data-field=duration]").fill("240")
    form.locator("[data-field=manager]").fill("王建国")
    form.locator("[data-field=bond-kind]").select_option("bank_guarantee")
    form.locator("[data-field=bond-reference]").fill("BG-2026-0042")
    form.locator("[data-field=documents]").set_input_files([str(d) for d in documents])
    form.locator("[data-field=certificate]").set_input_files(str(certificate))
    form.locator("[data-field=key]").set_input_files(str(key))
    if encryption_certificate is not None:
        form.locator("[data-field=encryption-certificate]").set_input_files(
            str(encryption_certificate)
        )
    page.click("#seal-submit")
    page.wait_for_selector(
        "#seal-receipt:not([hidden]), #seal-problem:not([hidden])", timeout=60_000
    )
    if refused:
        assert page.locator("#seal-receipt").is_hidden()
    else:
        assert page.locator("#seal-problem").is_hidden(), page.inner_text("#seal-problem")


def stored(services: Services, sha256: str, folder: Path) -> tuple[Path, container.Parsed]:
    """The envelope as the server keeps it, copied out and its structure read."""
    with services.blobs.open(sha256) as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == sha256
    path = folder / f"{sha256[:16]}.prexenv"
    path.write_bytes(data)
    with path.open("rb") as handle:
        return path, container.read(handle, len(data), max_bytes=10**8)


def opening_scalar(services: Services, world: World, tender_id: str) -> int:
    """The tender's opening key, from three of the five custodians' shares."""
    assert world.custodians is not None
    with services.read_session() as session:
        key_row = session.execute(
            select(tender_opening_keys).where(tender_opening_keys.c.tender_id == tender_id)
        ).one()
        shares = session.execute(
            select(opening_key_shares)
            .where(opening_key_shares.c.tender_id == tender_id)
            .order_by(opening_key_shares.c.share_index)
        ).all()
    released = [
        threshold.decrypt_share(s.sealed_share, world.custodians.keys[s.custodian_id], tender_id)
        for s in shares[2:5]
    ]
    return threshold.combine(released, threshold.Commitments.from_json(key_row.commitments), 3)


def opened(path: Path, parsed: container.Parsed, content_key: bytes, folder: Path) -> Path:
    with path.open("rb") as handle:
        container.open_payload(handle, parsed, content_key, folder, max_total=10**8)
    return folder


def set_opening_key(services: Services, tender_id: str, **values: str) -> None:
    uow = services.uow(ADMIN_ACTOR)
    with uow:
        uow.session.execute(
            update(tender_opening_keys)
            .where(tender_opening_keys.c.tender_id == tender_id)
            .values(**values)
        )
        uow.commit()


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_bid_sealed_in_the_browser_opens_with_three_custodians_to_what_was_typed(
    page: Page,
    base_url: str,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    seeded: dict[str, Seeded],
    tmp_path: Path,
) -> None:
    trust_world(services, pki_world)
    uscc = pki_world.uscc["ecdsa-org"]
    member_of(services, world, uscc, "webbidder")
    issued = pki_world.leaves["ecdsa-org"]
    tender = seeded["school"]
    letter = tmp_path / "投标函及报价.txt"
    letter.write_text(f"投标报价 {TYPED_PRICE} 元。{MARKER}\n" * 50)
    drawing = tmp_path / "施工组织设计.pdf"
    drawing.write_bytes(PDF)
    sent = record_requests(page)

    sign_in(page, base_url, "webbidder", f"/tenders/{tender.id}")
    page.click("#bid-link")
    page.wait_for_url(f"**/tenders/{tender.id}/bid")
    assert page.inner_text("#bid-deadline") == "2026-04-01 09:00"
    assert page.inner_text("#server-time") == "2026-03-02 09:00:00"  # the server's clock
    assert uscc in page.inner_text("#bidder")
    fill_and_seal(
        page, documents=[letter, drawing], certificate=bundle(tmp_path, issued), key=issued.key
    )

    sha256 = page.inner_text("#receipt-sha256")
    assert re.fullmatch(r"[0-9a-f]{64}", sha256)
    assert page.inner_text("#sealed-sha256") == sha256  # the receipt names what was sealed here
    assert page.inner_text("#receipt-match") == "是"
    assert page.inner_text("#receipt-timestamp") == "是"
    assert page.inner_text("#receipt-signature") == "是"
    assert page.inner_text("#receipt-time") == "2026-03-02 09:00:00"
    mine = page.locator("#my-bids tbody tr")
    assert mine.count() == 1 and sha256 in mine.inner_text() and "有效" in mine.inner_text()
    page.screenshot(path=str(tmp_path / "bid-sealed.png"), full_page=True)

    # The server kept an envelope that passes the same checks as one made by `prex bid seal`,
    # signed by the bidder's own certificate.
    path, parsed = stored(services, sha256, tmp_path)
    with path.open("rb") as handle:
        signature = container.check(handle, parsed)
    assert signature.signer.fingerprint == load_certificate(issued.der.read_bytes()).fingerprint
    header = parsed.header
    assert (header.suite, header.tender_id, header.bidder_uscc) == (
        "P256-AES256GCM",
        tender.id,
        uscc,
    )
    assert [r.kind for r in header.recipients] == ["opening"]

    # Three custodians open it to exactly what was typed and picked.
    scalar = opening_scalar(services, world, tender.id)
    folder = opened(
        path, parsed, container.content_key_with_opening_key(parsed, scalar), tmp_path / "open"
    )
    form = json.loads((folder / "bid-form.json").read_text())
    assert form == {
        "tender_id": tender.id,
        "section_id": header.section_id,
        "bidder_uscc": uscc,
        "price": PRICE,
        "duration_days": 240,
        "project_manager": "王建国",
        "bond": {"kind": "bank_guarantee", "reference": "BG-2026-0042"},
    }
    assert (folder / "documents" / letter.name).read_bytes() == letter.read_bytes()
    assert (folder / "documents" / drawing.name).read_bytes() == PDF
    fingerprint = json.loads((folder / "fingerprint.json").read_text())
    assert fingerprint["tool"] == "prex-web-seal/1"
    assert fingerprint["documents"] == [
        {
            "name": d.name,
            "sha256": hashlib.sha256(d.read_bytes()).hexdigest(),
            "creation_ids_sha256": [
                hashlib.sha256(i.encode()).hexdigest() for i in document_ids(d)
            ],
        }
        for d in (letter, drawing)
    ]
    assert len(fingerprint["documents"][1]["creation_ids_sha256"]) == 1  # the PDF's /ID

    # Nothing the browser sent carried the plaintext; the one upload was the envelope itself.
    uploads = [s for s in sent if s.method == "POST" and s.url.endswith(f"/{tender.id}/bids")]
    assert len(uploads) == 1 and hashlib.sha256(uploads[0].body).hexdigest() == sha256
    for secret in (MARKER.encode(), b"prex-marker-7f3a", PRICE.encode(), TYPED_PRICE.encode()):
        assert not [s.url for s in sent if secret in s.everything], secret
    assert not [s.url for s in sent if b"PRIVATE KEY" in s.everything]


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_rsa_bidder_seals_for_its_own_key_too_with_the_clis_exact_signature(
    page: Page,
    base_url: str,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    seeded: dict[str, Seeded],
    tmp_path: Path,
) -> None:
    trust_world(services, pki_world)
    uscc = pki_world.uscc["rsa-org"]
    member_of(services, world, uscc, "rsabidder")
    issued = pki_world.leaves["rsa-org"]
    tender = seeded["road"]
    set_opening_key(services, tender.id, key_mode="bidder_or_custodians")
    assert world.custodians is not None
    encryption_key = PrivateKey.generate("ec-p256")
    encryption = issue_certificate(
        subject=[("C", "CN"), ("O", "杭州西湖建设工程有限公司"), ("CN", "加密证书")],
        subject_key=encryption_key.public_key(),
        issuer=world.custodians.ca,
        issuer_key=world.custodians.ca_key,
        not_before=datetime(2025, 1, 1, tzinfo=UTC),
        not_after=datetime(2030, 1, 1, tzinfo=UTC),
        key_usage={"key_agreement"},
    )
    encryption_file = tmp_path / "加密证书.pem"
    encryption_file.write_text(encryption.pem())
    document = tmp_path / "商务标.txt"
    document.write_text(MARKER)
    certificate = bundle(tmp_path, issued)

    sign_in(page, base_url, "rsabidder", f"/tenders/{tender.id}/bid")
    fill_and_seal(
        page,
        documents=[document],
        certificate=certificate,
        key=issued.key,
        encryption_certificate=encryption_file,
    )
    path, parsed = stored(services, page.inner_text("#receipt-sha256"), tmp_path)
    with path.open("rb") as handle:
        signature = container.check(handle, parsed)

    # RSA PKCS#1 v1.5 is deterministic: the CMS built in JavaScript is the one Python builds.
    signer, *chain = parse_certificates(certificate.read_bytes())
    assert signature.signing_time is not None
    python_made = sign_detached(
        parsed.signed_part,
        signer,
        PrivateKey.load(issued.key.read_bytes()),
        chain=chain,
        signing_time=signature.signing_time,
    )
    assert parsed.signature == python_made

    # The content key is wrapped to the bidder's encryption certificate too, and it opens.
    bidder = [r for r in parsed.header.recipients if r.kind == "bidder"]
    assert [r.certificate_sha256 for r in bidder] == [encryption.fingerprint]
    content_key = container.content_key_with_bidder_key(parsed, encryption_key)
    scalar = opening_scalar(services, world, tender.id)
    assert content_key == container.content_key_with_opening_key(parsed, scalar)
    folder = opened(path, parsed, content_key, tmp_path / "open")
    assert (folder / "documents" / document.name).read_text() == MARKER
    assert json.loads((folder / "bid-form.json").read_text())["price"] == PRICE


@pytest.mark.browser
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_wrong_key_or_certificate_is_explained_and_nothing_is_uploaded(
    page: Page,
    base_url: str,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    seeded: dict[str, Seeded],
    tmp_path: Path,
) -> None:
    trust_world(services, pki_world)
    member_of(services, world, pki_world.uscc["ecdsa-org"], "keybidder")
    issued, someone_else = pki_world.leaves["ecdsa-org"], pki_world.leaves["rsa-org"]
    tender = seeded["hospital"]
    document = tmp_path / "技术标.txt"
    document.write_text(MARKER)
    stray = tmp_path / "另一把私钥.pem"
    openssl = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
    subprocess.run([*openssl, "-out", str(stray)], check=True, capture_output=True)
    sent = record_requests(page)
    sign_in(page, base_url, "keybidder", f"/tenders/{tender.id}/bid")

    fill_and_seal(
        page, documents=[document], certificate=bundle(tmp_path, issued), key=stray, refused=True
    )
    assert "私钥与证书不匹配" in page.inner_text("#seal-problem")
    fill_and_seal(
        page,
        documents=[document],
        certificate=someone_else.cert,
        key=someone_else.key,
        refused=True,
    )
    assert "证书中没有本单位的统一社会信用代码" in page.inner_text("#seal-problem")
    assert not [s for s in sent if s.url.endswith("/bids")]

    # Keys in the older PEM forms (SEC1, PKCS#1) are wrapped into PKCS#8 for WebCrypto.
    def converted(*command: str) -> str:
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    older = [
        converted("openssl", "ec", "-in", str(issued.key)),
        converted("openssl", "rsa", "-traditional", "-in", str(someone_else.key)),
    ]
    assert [k.splitlines()[0] for k in older] == [
        "-----BEGIN EC PRIVATE KEY-----",
        "-----BEGIN RSA PRIVATE KEY-----",
    ]
    kinds = page.evaluate(
        """async (keys) => {
            const seal = await import("/static/seal.js");
            const found = [];
            for (const pem of keys) {
                const key = await seal.importSigningKey(new TextEncoder().encode(pem));
                found.push([key.kind, key.key.extractable]);
            }
            return found;
        }""",
        older,
    )
    assert kinds == [["ec-p256", False], ["rsa", False]]


def test_the_bid_page_is_for_bidders_and_refers_sm2_tenders_to_the_cli(
    client: TestClient, services: Services, world: World
) -> None:
    tender = published_tender(client, world, auth(services, "agency"))
    url = f"/tenders/{tender['id']}/bid"
    bidder = auth(services, "bidder")

    page = client.get(url, headers=bidder)
    assert page.status_code == 200
    start = page.text.index('<form id="seal-form"')
    form = page.text[start : page.text.index("</form>", start)]
    assert " name=" not in form and " action=" not in form  # nothing of it can be posted
    assert 'data-uscc="' in form and "/static/seal.js" in page.text
    assert 'id="bid-link"' in client.get(f"/tenders/{tender['id']}", headers=bidder).text

    agency = auth(services, "agency")
    assert client.get(url, headers=agency).status_code == 403
    assert 'id="bid-link"' not in client.get(f"/tenders/{tender['id']}", headers=agency).text
    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]

    set_opening_key(services, tender["id"], suite="SM2-SM4GCM")
    sm2 = client.get(url, headers=bidder)
    assert sm2.status_code == 200 and 'id="seal-form"' not in sm2.text
    refusal = sm2.text[sm2.text.index('id="bid-refusal"') :]
    assert "prex bid seal" in refusal and f"--tender {tender['id']}" in refusal
