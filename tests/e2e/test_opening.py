"""Issue 4 end to end: five bidders with certificates from three CAs (RSA, ECDSA, SM2); four seal
with the `prex bid seal` CLI and submit over HTTP, one seals in the bid page in a real browser
(WebCrypto); one bid is replaced, one withdrawn, one arrives late and is refused. Before the
deadline nothing of the plaintext is anywhere in the database or the blob store, and a
custodian's share is refused. After it, fewer than k shares cannot open, a wrong share is
refused and attributed; k shares open every envelope, every signature is verified, the price
reading equals what was sealed, bidders confirm or object, the host answers and publishes a
record signed by the platform; only evaluators read the documents. A flipped byte in a stored
envelope is handled per E-bidding Measures art. 31 while the others open."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page
from sqlalchemy import select, text
from typer.testing import CliRunner

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.cli.main import app
from prex.db.all_tables import metadata
from prex.envelope import container, release, threshold
from prex.envelope.ecies import DecryptionFailed, wrap_for_certificate
from prex.opening.orm import share_releases
from prex.pki.certs import parse_certificate
from prex.pki.cms import verify_detached
from prex.pki.tsa import verify_token
from prex.shared.clock import FixedClock
from prex.worker import run_once
from tests.e2e.test_browser_sealing import bundle, fill_and_seal, sign_in
from tests.factories import World, auth, chain_of, published_tender
from tests.live_server import serve
from tests.pki_helpers import member_of, trust_world
from tests.pki_openssl import PkiWorld

runner = CliRunner()
MARKER = "开标前谁也看不到的标记-7f3a"
# leaf certificate → (user, price sealed). Three CAs: RSA (two bidders), ECDSA (two), SM2 (one).
# In the end-to-end test the rsa-pss bidder seals in the browser.
BIDDERS = {
    "rsa-org": ("bidder_rsa", "10,234,567.89"),
    "rsa-pss": ("bidder_rsa_pss", "10,500,000.00"),
    "ecdsa-org": ("bidder_ec", "9,876,543.21"),
    "ecdsa-p384": ("bidder_p384", "11,111,111.11"),
    "sm2-org": ("bidder_sm2", "9,999,000.00"),
}
REPLACEMENT_PRICE = "9,800,000.00"


class Opening:
    def __init__(
        self,
        client: TestClient,
        services: Services,
        world: World,
        pki: PkiWorld,
        tmp: Path,
        clock: FixedClock,
    ) -> None:
        self.client, self.services, self.world, self.pki = client, services, world, pki
        self.tmp, self.clock = tmp, clock
        self.tender = published_tender(client, world, auth(services, "agency"))
        self.id = self.tender["id"]
        trust_world(services, pki)
        for leaf, (user, _) in BIDDERS.items():
            member_of(services, world, pki.uscc[leaf], user)
        params = client.get(f"/api/v1/tenders/{self.id}/bid-parameters")
        self.params = tmp / f"tender-{self.id}.json"
        self.params.write_text(json.dumps(params.json(), ensure_ascii=False))
        self.platform_ca = tmp / "platform-ca.pem"
        self.platform_ca.write_text(services.pki.platform_keys().ca_certificate.pem())
        self.count = 0

    def seal(self, leaf: str, price: str, encryption_cert: Path | None = None) -> Path:
        """Seal with the real CLI, offline, checking the parameters' platform signature."""
        self.count += 1
        doc = self.tmp / f"技术标{self.count}.txt"
        doc.write_text(f"{MARKER} {leaf} {price}")
        out = self.tmp / f"bid{self.count}.env"
        issued = self.pki.leaves[leaf]
        result = runner.invoke(
            app,
            [
                "bid",
                "seal",
                str(doc),
                "--tender",
                self.id,
                "--params",
                str(self.params),
                "--cert",
                str(issued.cert),
                "--key",
                str(issued.key),
                "--price",
                price,
                "--duration-days",
                "365",
                "--project-manager",
                "李建国",
                "--bond",
                "bank_guarantee",
                "--bond-reference",
                f"BG-{self.count}",
                "--platform-ca",
                str(self.platform_ca),
                "--out",
                str(out),
                *(["--encryption-cert", str(encryption_cert)] if encryption_cert else []),
            ],
        )
        assert result.exit_code == 0, result.output
        return out

    def submit(self, envelope: Path, user: str, key: str) -> Any:
        return self.client.post(
            f"/api/v1/tenders/{self.id}/bids",
            content=envelope.read_bytes(),
            headers={
                **auth(self.services, user),
                "Idempotency-Key": key,
                "Content-Type": "application/octet-stream",
            },
        )

    def to_deadline(self) -> None:
        self.clock.set(datetime.fromisoformat(self.tender["bid_deadline"]) + timedelta(seconds=1))
        assert run_once(self.services).transitions == 1

    def escrowed_share(self, n: int, *, tamper: bool = False) -> tuple[int, str]:
        """What custodian n's client makes: its share, checked, encrypted to the escrow key."""
        mine = self.client.get(
            f"/api/v1/tenders/{self.id}/opening/my-share",
            headers=auth(self.services, f"custodian{n}"),
        )
        assert mine.status_code == 200, mine.text
        data = mine.json()
        escrow = parse_certificate(data["escrow_certificate"].encode())
        release.check_escrow_certificate(escrow, parse_certificate(data["platform_ca"].encode()))
        assert self.world.custodians is not None
        key = self.world.custodians.keys[self.world.custodians.ids[n - 1]]
        sealed = base64.b64decode(data["sealed_share"])
        if tamper:  # a custodian handing in a wrong value, escrowed correctly
            share = threshold.decrypt_share(sealed, key, self.id)
            wrong = threshold.Share(share.index, (share.value + 1) % 2**255)
            blob = wrap_for_certificate(
                escrow, wrong.to_bytes(), release.share_release_info(self.id, share.index)
            )
            return share.index, base64.b64encode(blob).decode()
        index, blob = release.release_share(
            tender_id=self.id,
            sealed_share=sealed,
            custodian_key=key,
            commitments=threshold.Commitments.from_json(data["commitments"]),
            escrow=escrow,
        )
        return index, base64.b64encode(blob).decode()

    def release(self, n: int, *, tamper: bool = False) -> Any:
        index, blob = self.escrowed_share(n, tamper=tamper)
        return self.client.post(
            f"/api/v1/tenders/{self.id}/opening/shares/{index}",
            json={"escrowed": blob},
            headers=auth(self.services, f"custodian{n}"),
        )

    def host(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(
            f"/api/v1/tenders/{self.id}/opening/{path}",
            headers=auth(self.services, "agency"),
            **kwargs,
        )

    def hall(self, user: str | None = None) -> dict[str, Any]:
        headers = auth(self.services, user) if user else {}
        response = self.client.get(f"/api/v1/tenders/{self.id}/opening", headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


def everything_stored(services: Services) -> bytes:
    """Every row of every table (whatever the database) and every file under the data folder
    (the SQLite file, the blob store, spool and keys)."""
    parts: list[bytes] = []
    with services.read_session() as session:
        for table in metadata.sorted_tables:
            for row in session.execute(select(table)):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        parts.append(bytes(value))
                    else:
                        parts.append(json.dumps(value, default=str, ensure_ascii=False).encode())
    for path in services.settings.data_dir.rglob("*"):
        if path.is_file():
            parts.append(path.read_bytes())
    return b"\n".join(parts)


def plaintext_markers() -> list[bytes]:
    prices = [p.replace(",", "") for _, p in BIDDERS.values()] + [
        REPLACEMENT_PRICE.replace(",", "")
    ]
    return [MARKER.encode(), *(p.encode() for p in prices)]


@pytest.fixture
def opening(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> Opening:
    return Opening(client, services, world, pki_world, tmp_path, clock)


def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = dict(response.json())
    assert body["type"].endswith(slug), body
    return body


def seal_in_the_browser(opening: Opening, page: Page, leaf: str) -> dict[str, Any]:
    """The bidder signs in, opens the bid page, seals (WebCrypto) and submits; the receipt."""
    user, price = BIDDERS[leaf]
    issued = opening.pki.leaves[leaf]
    document = opening.tmp / "浏览器投标文件.txt"
    document.write_text(f"{MARKER} {leaf} {price}")
    with serve(opening.services) as url:
        sign_in(page, url, user, f"/tenders/{opening.id}/bid")
        fill_and_seal(
            page,
            documents=[document],
            certificate=bundle(opening.tmp, issued),
            key=issued.key,
            price=price,
        )
        sha256 = page.inner_text("#receipt-sha256")
    mine = opening.client.get(
        f"/api/v1/tenders/{opening.id}/bids/mine", headers=auth(opening.services, user)
    ).json()
    (receipt,) = [b["receipt"] for b in mine if b["envelope_sha256"] == sha256]
    return dict(receipt)


@pytest.mark.browser
def test_a_tender_from_sealing_to_the_signed_opening_record(opening: Opening, page: Page) -> None:
    services, client = opening.services, opening.client
    receipts: dict[str, dict[str, Any]] = {}
    for n, (leaf, (user, price)) in enumerate(BIDDERS.items()):
        if leaf == "rsa-pss":
            receipts[leaf] = seal_in_the_browser(opening, page, leaf)
            continue
        response = opening.submit(opening.seal(leaf, price), user, f"bid-{n}-first-0001")
        assert response.status_code == 201, response.text
        receipts[leaf] = response.json()
    # The ECDSA bidder replaces its bid; the P-384 bidder withdraws.
    replaced = opening.submit(
        opening.seal("ecdsa-org", REPLACEMENT_PRICE), "bidder_ec", "bid-ec-again-01"
    )
    assert replaced.status_code == 201
    withdrawn = client.delete(
        f"/api/v1/bids/{receipts['ecdsa-p384']['bid_id']}", headers=auth(services, "bidder_p384")
    )
    assert withdrawn.status_code == 204
    sealed_prices = {
        "rsa-org": BIDDERS["rsa-org"][1],
        "rsa-pss": BIDDERS["rsa-pss"][1],
        "ecdsa-org": REPLACEMENT_PRICE,
        "sm2-org": BIDDERS["sm2-org"][1],
    }

    # Before the deadline: a bidder sees only its own envelopes and nothing of their content.
    mine = client.get(
        f"/api/v1/tenders/{opening.id}/bids/mine", headers=auth(services, "bidder_rsa")
    )
    assert [b["envelope_sha256"] for b in mine.json()] == [receipts["rsa-org"]["envelope_sha256"]]
    assert all("price" not in json.dumps(b) for b in mine.json())
    assert (
        client.post(
            f"/api/v1/tenders/{opening.id}/opening/check-in", headers=auth(services, "bidder_rsa")
        ).status_code
        == 204
    )
    early = opening.hall("bidder_sm2")
    assert early["phase"] == "before-deadline" and early["checked_in"] == 1
    assert early["checked_in_names"] == [] and early["reading"] == []

    # Secrecy: no price, no document text anywhere in the database or the blob store.
    stored = everything_stored(services)
    for secret in plaintext_markers():
        assert secret not in stored, secret
    # A share released before the deadline is refused, quoting the rule.
    refused = problem(opening.release(1), 422, "rule-violation")
    assert refused["rule"] == "opening.before-deadline"

    opening.to_deadline()
    late = opening.submit(
        opening.seal("ecdsa-p384", "8,000,000.00"), "bidder_p384", "late-bid-000001"
    )
    body = problem(late, 422, "rule-violation")
    assert body["rule"] == "bid.deadline" and opening.tender["bid_deadline"][:16] in body["detail"]

    # Fewer than k shares cannot open; a wrong share is refused and attributed.
    assert opening.release(1).json() == {"share_index": 1, "released": 1, "threshold": 3}
    assert opening.release(2).status_code == 200
    problem(opening.host("open"), 422, "not-enough-shares")
    problem(opening.release(3, tamper=True), 422, "bad-share")
    with services.read_session() as session:
        refusals = (
            session.execute(select(audit_log.c.payload).where(audit_log.c.action == "ShareRefused"))
            .scalars()
            .all()
        )
    assert [r["event"]["share_index"] for r in refusals] == [3]
    assert (
        client.post(
            f"/api/v1/tenders/{opening.id}/opening/shares/4",
            json={"escrowed": opening.escrowed_share(4)[1]},
            headers=auth(services, "custodian5"),
        ).status_code
        == 403
    )  # custodian 5 cannot release custodian 4's share
    assert opening.hall()["shares_released"] == [1, 2]
    # Released shares rest only escrowed: none of the stored bytes is a plaintext share.
    assert opening.release(3).json()["released"] == 3
    assert (
        client.post(
            f"/api/v1/tenders/{opening.id}/opening/open", headers=auth(services, "bidder_rsa")
        ).status_code
        == 403
    )

    opened = opening.host("open")
    assert opened.status_code == 200, opened.text
    assert opened.json() == {
        "tender_id": opening.id,
        "opened": 4,
        "revoked": 0,
        "withdrawn": 0,
        "shares_used": [1, 2, 3],
    }
    with services.read_session() as session:
        assert session.execute(select(share_releases)).all() == []  # erased once used
    hall = opening.hall()
    assert hall["phase"] == "opened"
    reading = {r["bidder_name"]: r for r in hall["reading"]}
    assert len(reading) == 4 and all(r["outcome"] == "opened" for r in reading.values())
    by_uscc = {opening.pki.uscc[leaf]: price for leaf, price in sealed_prices.items()}

    # Confirmations, an objection, the host's answer, and the record.
    assert (
        client.post(
            f"/api/v1/tenders/{opening.id}/opening/statements",
            json={"kind": "confirmation"},
            headers=auth(services, "bidder_sm2"),
        ).status_code
        == 201
    )
    objection = client.post(
        f"/api/v1/tenders/{opening.id}/opening/statements",
        json={"kind": "objection", "text": "第二标段工期读错"},
        headers=auth(services, "bidder_rsa"),
    )
    assert objection.status_code == 201
    problem(opening.host("record"), 409, "conflict")  # an unanswered objection
    assert (
        client.post(
            f"/api/v1/opening-statements/{objection.json()['id']}/answer",
            json={"answer": "已核对，工期为365日历天，唱标无误"},
            headers=auth(services, "agency"),
        ).status_code
        == 204
    )
    published = opening.host("record")
    assert published.status_code == 201, published.text
    record = client.get(f"/api/v1/tenders/{opening.id}/opening-record").json()
    assert record == published.json()
    canonical = container.canonical(record["record"])
    assert hashlib.sha256(canonical).hexdigest() == record["sha256"]
    signer = verify_detached(canonical, base64.b64decode(record["platform_signature"])).signer
    assert signer.common_name.endswith("平台签名")
    verify_token(
        base64.b64decode(record["timestamp_token"]), digest=hashlib.sha256(canonical).digest()
    )
    prices = {b["bidder_uscc"]: b["price"] for b in record["record"]["bids"]}
    assert prices == {u: p.replace(",", "") for u, p in by_uscc.items()}
    assert all(b["signer"] for b in record["record"]["bids"])
    assert (
        record["record"]["commitment_sha256"]
        == client.get(f"/api/v1/tenders/{opening.id}/bid-commitment").json()["sha256"]
    )
    assert [s["kind"] for s in record["record"]["statements"]] == ["confirmation", "objection"]
    assert client.get(f"/api/v1/tenders/{opening.id}").json()["status"] == "evaluation"

    # Documents: evaluators only, decrypted as they are streamed.
    bid_id = next(r["bid_id"] for r in hall["reading"])
    name = next(iter(_documents(services, bid_id)))
    url = f"/api/v1/bids/{bid_id}/documents/{name}"
    document = client.get(url, headers=auth(services, "expert"))
    assert document.status_code == 200 and MARKER in document.content.decode()
    assert client.get(url, headers=auth(services, "bidder_rsa")).status_code == 403
    assert client.get(url, headers=auth(services, "operator")).status_code == 403
    assert client.get(url).status_code == 401
    # Still no document text at rest (the scan does see the database: the published prices
    # are there now), and the audit chain holds.
    after = everything_stored(services)
    assert MARKER.encode() not in after and REPLACEMENT_PRICE.replace(",", "").encode() in after
    assert chain_of(services).ok


def _documents(services: Services, bid_id: str) -> list[str]:
    from prex.opening.orm import opened_bids

    with services.read_session() as session:
        docs = session.execute(
            select(opened_bids.c.documents).where(opened_bids.c.bid_id == bid_id)
        ).scalar_one()
    return [d["name"] for d in docs]


def test_a_flipped_byte_is_handled_per_article_31(opening: Opening) -> None:
    digests = {}
    for n, leaf in enumerate(("rsa-org", "ecdsa-org", "sm2-org")):
        user, price = BIDDERS[leaf]
        receipt = opening.submit(opening.seal(leaf, price), user, f"flip-{n}-0000001").json()
        digests[leaf] = receipt["envelope_sha256"]
    opening.to_deadline()
    blob = opening.services.blobs.local_path(digests["ecdsa-org"])
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, in the middle of the payload
    blob.write_bytes(bytes(data))
    for n in (2, 4, 5):
        assert opening.release(n).status_code == 200
    result = opening.host("open").json()
    assert (result["opened"], result["withdrawn"], result["revoked"]) == (2, 1, 0)
    reading = {r["envelope_sha256"]: r for r in opening.hall()["reading"]}
    damaged = reading[digests["ecdsa-org"]]
    assert damaged["outcome"] == "withdrawn" and damaged["price"] is None
    assert "第三十一条" in damaged["reason"] and "视为撤回" in damaged["reason"]
    assert reading[digests["rsa-org"]]["price"] == BIDDERS["rsa-org"][1].replace(",", "")
    assert reading[digests["sm2-org"]]["price"] == BIDDERS["sm2-org"][1].replace(",", "")


def test_fewer_than_k_shares_do_not_decrypt(opening: Opening) -> None:
    """Two shares interpolate to some scalar, not the opening key: the content key does not
    unwrap, and combine refuses outright."""
    user, price = BIDDERS["rsa-org"]
    envelope = opening.seal("rsa-org", price)
    assert opening.world.custodians is not None
    with opening.services.read_session() as session:
        sealed = dict(
            session.execute(
                text(
                    "select share_index, sealed_share from opening_key_shares "
                    "where tender_id = :t order by share_index"
                ),
                {"t": opening.id},
            ).all()
        )
        commitments = threshold.Commitments.from_json(
            session.execute(
                text("select commitments from tender_opening_keys where tender_id = :t"),
                {"t": opening.id},
            ).scalar_one()
        )
    keys = opening.world.custodians.keys
    shares = [
        threshold.decrypt_share(
            bytes(sealed[i]), keys[opening.world.custodians.ids[i - 1]], opening.id
        )
        for i in (1, 2)
    ]
    with pytest.raises(threshold.NotEnoughShares):
        threshold.combine(shares, commitments, 3)
    guess = threshold._interpolate_at_zero(shares, threshold._group("p256").order)
    with envelope.open("rb") as handle:
        parsed = container.read(handle, envelope.stat().st_size, max_bytes=10**8)
        with pytest.raises(DecryptionFailed):
            container.content_key_with_opening_key(parsed, guess)
