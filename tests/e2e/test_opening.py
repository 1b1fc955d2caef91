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
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page
from prometheus_client import REGISTRY
from sqlalchemy import select, text

from prex.audit.orm import audit_log
from prex.bootstrap import Services, bootstrap
from prex.db.all_tables import metadata
from prex.envelope import container, threshold
from prex.envelope.ecies import DecryptionFailed
from prex.opening import service as opening_service
from prex.opening.orm import openings, share_releases
from prex.pki.cms import verify_detached
from prex.pki.tsa import verify_token
from prex.shared.clock import FixedClock
from prex.web.app import create_app
from tests.e2e.test_browser_sealing import bundle, fill_and_seal, sign_in
from tests.factories import World, auth, chain_of
from tests.live_server import serve
from tests.opening_world import BIDDERS, MARKER, REPLACEMENT_PRICE, Opening
from tests.pki_openssl import PkiWorld


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
    for who in ("expert", "bidder_rsa", "operator"):  # no content through the server, to anyone
        own = receipts["rsa-org"]["bid_id"]
        response = client.get(f"/api/v1/bids/{own}/documents/x.txt", headers=auth(services, who))
        assert response.status_code in (403, 404), (who, response.text)
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
            session.execute(
                select(audit_log.c.payload)
                .where(audit_log.c.action == "ShareRefused")
                .order_by(audit_log.c.seq)
            )
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
        "unopened": 0,
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
    # (an expert who does not sit on this tender's committee is refused too: the sitting
    # members read the documents, tests/e2e/test_evaluation.py)
    assert client.get(url, headers=auth(services, "expert")).status_code == 403
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
    openings = REGISTRY.get_sample_value("prex_openings_total") or 0.0
    timed = REGISTRY.get_sample_value("prex_opening_duration_seconds_count") or 0.0
    result = opening.host("open").json()
    assert (result["opened"], result["withdrawn"], result["revoked"]) == (2, 1, 0)
    # The metrics see the opening too (docs/operations.md).
    assert REGISTRY.get_sample_value("prex_openings_total") == openings + 1
    assert REGISTRY.get_sample_value("prex_opening_duration_seconds_count") == timed + 1
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


def test_a_section_with_too_few_bidders_is_not_opened(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    """Two sections: three bidders in the first, two in the second. The tender goes on, the
    second section's envelopes stay sealed, quoting the rule (实施条例 art. 44)."""
    two = [
        {"name": "一标段", "budget": "6000000.00", "ceiling_price": "5800000.00"},
        {"name": "二标段", "budget": "4000000.00", "ceiling_price": "3900000.00"},
    ]
    opening = Opening(client, services, world, pki_world, tmp_path, clock, sections=two)
    first, second = (s["id"] for s in json.loads(opening.params.read_text())["sections"])
    plan = [("rsa-org", first), ("ecdsa-org", first), ("sm2-org", first)]
    plan += [("rsa-pss", second), ("ecdsa-p384", second)]
    for n, (leaf, section) in enumerate(plan):
        user, price = BIDDERS[leaf]
        envelope = opening.seal(leaf, price, section=section)
        assert opening.submit(envelope, user, f"sections-{n}-0001").status_code == 201
    opening.to_deadline()
    assert client.get(f"/api/v1/tenders/{opening.id}").json()["status"] == "opening"
    for n in (1, 2, 3):
        assert opening.release(n).status_code == 200
    result = opening.host("open").json()
    assert (result["opened"], result["unopened"]) == (3, 2)
    reading = opening.hall()["reading"]
    sealed = [r for r in reading if r["section_id"] == second]
    assert all(r["outcome"] == "unopened" and r["price"] is None for r in sealed)
    assert all("不得开标" in r["reason"] for r in sealed)
    assert {r["outcome"] for r in reading if r["section_id"] == first} == {"opened"}


def test_custodians_releasing_in_the_same_instant_are_both_taken(
    opening: Opening, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first release creates the opening's row; two at once must not collide (on
    PostgreSQL the loser's insert failed: a 500, found by bench/load.py)."""
    for leaf in ("rsa-org", "ecdsa-org", "sm2-org"):
        user, price = BIDDERS[leaf]
        submitted = opening.submit(opening.seal(leaf, price), user, f"race-{leaf}")
        assert submitted.status_code == 201, submitted.text
    opening.to_deadline()
    escrowed = {n: opening.escrowed_share(n) for n in (1, 2)}
    make_insert = opening_service.insert

    def slow_insert(table: Any) -> Any:  # both requests find no row before either inserts
        if table is openings:
            time.sleep(0.3)
        return make_insert(table)

    monkeypatch.setattr(opening_service, "insert", slow_insert)
    second = bootstrap(opening.services.settings, clock=opening.clock)
    barrier = threading.Barrier(2)
    answers: dict[int, Any] = {}

    def release(n: int, services: Services) -> None:
        index, blob = escrowed[n]
        headers = auth(opening.services, f"custodian{n}")
        with TestClient(create_app(services)) as client:
            barrier.wait()
            answers[n] = client.post(
                f"/api/v1/tenders/{opening.id}/opening/shares/{index}",
                json={"escrowed": blob},
                headers=headers,
            )

    threads = [
        threading.Thread(target=release, args=(1, opening.services)),
        threading.Thread(target=release, args=(2, second)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    second.close()
    assert {n: a.status_code for n, a in answers.items()} == {1: 200, 2: 200}, {
        n: a.text for n, a in answers.items()
    }
    assert len(opening.hall()["shares_released"]) == 2


def test_a_second_check_in_of_the_organisation_is_a_no_op_and_a_share_index_is_bounded(
    opening: Opening,
) -> None:
    """Found by the fuzz profile: the organisation's second check-in (another of its users, its
    machine client, a retry) broke the unique key at the insert (500); a share index past a
    64-bit integer overflowed the driver (500)."""
    user, price = BIDDERS["rsa-org"]
    assert opening.submit(opening.seal("rsa-org", price), user, "check-in-0001").status_code == 201
    url = f"/api/v1/tenders/{opening.id}/opening/check-in"
    for _ in range(2):
        response = opening.client.post(url, headers=auth(opening.services, user))
        assert response.status_code == 204, response.text
    with opening.services.read_session() as session:
        count = "select count(*) from opening_checkins where tender_id = :t"
        assert session.execute(text(count), {"t": opening.id}).scalar_one() == 1
        logged = "select count(*) from audit_log where action = 'BidderCheckedIn'"
        assert session.execute(text(logged)).scalar_one() == 1
    assert opening.hall(user)["checked_in"] == 1
    for index in (0, 256, 2**64):
        response = opening.client.post(
            f"/api/v1/tenders/{opening.id}/opening/shares/{index}",
            json={"escrowed": "AAAA"},
            headers=auth(opening.services, "custodian1"),
        )
        problem(response, 422, "invalid-input")
