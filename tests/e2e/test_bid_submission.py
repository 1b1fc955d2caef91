"""Submitting sealed bids over HTTP: receipts that verify (RFC 3161 token, platform signature),
idempotent retries, replace and withdraw until the deadline, late envelopes refused with the
deadline quoted, every bad envelope with its own problem, and no plaintext on the server."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from prex.bidding.submissions import receipt_core
from prex.bootstrap import Services
from prex.envelope.parameters import TenderParameters
from prex.pki.cms import verify_detached
from prex.pki.tsa import verify_token
from prex.sealing.client import BidForm, seal_bid
from prex.shared.clock import FixedClock
from tests.factories import World, auth, published_tender
from tests.pki_helpers import member_of, trust_world
from tests.pki_openssl import PkiWorld

MARKER = "只有开标时才能看到的标记-52c1"


class Bidding:
    def __init__(
        self,
        client: TestClient,
        services: Services,
        world: World,
        pki: PkiWorld,
        tmp: Path,
        **tender: Any,
    ) -> None:
        self.client, self.services, self.pki, self.tmp = client, services, pki, tmp
        self.tender = published_tender(client, world, auth(services, "agency"), **tender)
        trust_world(services, pki)
        member_of(services, world, pki.uscc["ecdsa-org"], "sealer")
        member_of(services, world, pki.uscc["sm2-org"], "gmsealer")
        self.params = TenderParameters.from_json(
            client.get(f"/api/v1/tenders/{self.tender['id']}/bid-parameters").json()
        )
        self.count = 0

    def seal(
        self,
        leaf: str = "ecdsa-org",
        price: str = "9876543.21",
        params: TenderParameters | None = None,
    ) -> Path:
        self.count += 1
        issued = self.pki.leaves[leaf]
        doc = self.tmp / f"doc{self.count}.txt"
        doc.write_text(MARKER)
        out = self.tmp / f"bid{self.count}.env"
        chain = b"".join(p.read_bytes() for p in issued.chain)
        seal_bid(
            params or self.params,
            section_id=None,
            documents=[doc],
            form=BidForm.parse(price, 300, "王工", "e_guarantee", "EG-1"),
            certificate_pem=issued.cert.read_bytes() + chain,
            key_pem=issued.key.read_bytes(),
            out=out,
            now=datetime.now(UTC),
            bidder_uscc=self.pki.uscc.get(leaf),
        )
        return out

    def submit(self, envelope: Path | bytes, key: str, user: str = "sealer") -> Any:
        body = envelope if isinstance(envelope, bytes) else envelope.read_bytes()
        return self.client.post(
            f"/api/v1/tenders/{self.tender['id']}/bids",
            content=body,
            headers={
                **auth(self.services, user),
                "Idempotency-Key": key,
                "Content-Type": "application/octet-stream",
            },
        )


@pytest.fixture
def bidding(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> Bidding:
    return Bidding(client, services, world, pki_world, tmp_path)


def test_a_receipt_proves_the_submission(bidding: Bidding) -> None:
    envelope = bidding.seal()
    response = bidding.submit(envelope, "first-upload-0001")
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["envelope_sha256"] == hashlib.sha256(envelope.read_bytes()).hexdigest()
    core = receipt_core(receipt)
    token = verify_token(
        base64.b64decode(receipt["timestamp_token"]), digest=hashlib.sha256(core).digest()
    )
    assert token.tsa_certificate.common_name.endswith("时间戳服务")
    signed = verify_detached(core, base64.b64decode(receipt["platform_signature"]))
    assert signed.signer.common_name.endswith("平台签名")

    again = bidding.submit(envelope, "first-upload-0001")
    assert again.status_code == 200 and again.json() == receipt  # a retry: the same receipt
    other = bidding.submit(bidding.seal(price="1.00"), "first-upload-0001")
    assert other.status_code == 409


def test_replace_withdraw_and_the_deadline(bidding: Bidding, clock: FixedClock) -> None:
    first = bidding.submit(bidding.seal(), "upload-a-000001").json()
    second = bidding.submit(bidding.seal(price="9000000"), "upload-b-000001").json()
    mine = bidding.client.get(
        f"/api/v1/tenders/{bidding.tender['id']}/bids/mine",
        headers=auth(bidding.services, "sealer"),
    ).json()
    assert {b["id"]: b["status"] for b in mine} == {
        first["bid_id"]: "replaced",
        second["bid_id"]: "live",
    }
    others = bidding.client.get(
        f"/api/v1/tenders/{bidding.tender['id']}/bids/mine",
        headers=auth(bidding.services, "gmsealer"),
    ).json()
    assert others == []  # nobody sees another bidder's envelopes
    assert (
        bidding.client.delete(
            f"/api/v1/bids/{second['bid_id']}", headers=auth(bidding.services, "gmsealer")
        ).status_code
        == 404
    )
    withdrawn = bidding.client.delete(
        f"/api/v1/bids/{second['bid_id']}", headers=auth(bidding.services, "sealer")
    )
    assert withdrawn.status_code == 204
    assert (
        bidding.client.delete(
            f"/api/v1/bids/{second['bid_id']}", headers=auth(bidding.services, "sealer")
        ).status_code
        == 409
    )

    envelope = bidding.seal()
    clock.set(datetime.fromisoformat(bidding.tender["bid_deadline"]) + timedelta(seconds=1))
    late = bidding.submit(envelope, "upload-late-0001")
    assert late.status_code == 422
    problem = late.json()
    assert problem["rule"] == "bid.deadline" and "拒收" in problem["detail"]


def test_every_bad_envelope_has_its_own_problem(bidding: Bidding, pki_world: PkiWorld) -> None:
    good = bidding.seal().read_bytes()
    cases = {
        "truncated": (good[:-10], "upload-refused"),  # its framing does not add up
        "flipped": (good[:200] + bytes([good[200] ^ 1]) + good[201:], None),
        "untrusted": (bidding.seal("untrusted-org").read_bytes(), "certificate-refused"),
        "revoked": (bidding.seal("rsa-revoked").read_bytes(), "certificate-refused"),
        "someone else's": (bidding.seal("sm2-org").read_bytes(), "certificate-identity-mismatch"),
    }
    other = json.loads(json.dumps(bidding.params.to_json()))
    other["tender_id"] = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    cases["another tender"] = (
        bidding.seal(params=TenderParameters.from_json(other)).read_bytes(),
        "envelope-refused",
    )
    # Not signed: the same envelope with its signature block emptied.
    signature_length = struct.unpack(
        ">I", good[-4 - _signature_size(good) : -_signature_size(good)]
    )
    assert signature_length == (_signature_size(good),)
    cases["not signed"] = (
        good[: -4 - _signature_size(good)] + struct.pack(">I", 0),
        "bad-signature",
    )
    problems: dict[str, tuple[str, str | None]] = {}
    for n, (name, (body, slug)) in enumerate(cases.items()):
        response = bidding.submit(body, f"bad-envelope-{n:04d}")
        assert response.status_code == 422, (name, response.text)
        problem = response.json()
        kind = problem["type"].removeprefix("/problems/")
        assert slug is None or kind == slug, (name, problem)
        problems[name] = (kind, problem.get("reason"))
    # Over the size limit: refused when the upload is announced, before any byte is sent.
    too_big = bidding.client.post(
        f"/api/v1/tenders/{bidding.tender['id']}/uploads",
        json={"length": 501 * 1024 * 1024, "sha256": "0" * 64},
        headers={**auth(bidding.services, "sealer"), "Idempotency-Key": "bad-envelope-big1"},
    )
    assert too_big.status_code == 413, too_big.text
    problems["over the size limit"] = (too_big.json()["type"].removeprefix("/problems/"), None)
    # Each case of the acceptance gets a problem of its own (type, and reason where the type is
    # shared by the refusals of a certificate).
    distinct = ["truncated", "not signed", "untrusted", "revoked", "another tender"]
    assert len({problems[name] for name in [*distinct, "over the size limit"]}) == 6, problems
    assert problems["untrusted"] == ("certificate-refused", "untrusted-issuer")
    assert problems["revoked"] == ("certificate-refused", "revoked")
    # Not an envelope at all: refused by its first bytes (the upload checks), 415.
    garbage = bidding.submit(b"not an envelope at all", "bad-envelope-garbage")
    assert garbage.status_code == 415, garbage.text
    assert (garbage.json()["type"], garbage.json()["check"]) == ("/problems/upload-refused", "type")
    mine = bidding.client.get(
        f"/api/v1/tenders/{bidding.tender['id']}/bids/mine",
        headers=auth(bidding.services, "sealer"),
    ).json()
    assert mine == []


def _signature_size(envelope: bytes) -> int:
    """The length of the envelope's trailing signature block."""
    from prex.envelope import container

    parsed = container.read(io.BytesIO(envelope), len(envelope), max_bytes=len(envelope))
    return len(parsed.signature)


def test_the_server_never_holds_the_plaintext(bidding: Bidding) -> None:
    assert bidding.submit(bidding.seal(), "secret-test-0001").status_code == 201
    settings = bidding.services.settings
    stored = b"".join(p.read_bytes() for p in settings.data_dir.rglob("*") if p.is_file())
    assert MARKER.encode() not in stored and b"9876543.21" not in stored


def test_openssl_verifies_a_receipt(bidding: Bidding, tmp_path: Path) -> None:
    import subprocess

    receipt = bidding.submit(bidding.seal(), "openssl-check-01").json()
    core = receipt_core(receipt)
    (tmp_path / "core.json").write_bytes(core)
    (tmp_path / "token.der").write_bytes(base64.b64decode(receipt["timestamp_token"]))
    (tmp_path / "sig.der").write_bytes(base64.b64decode(receipt["platform_signature"]))
    keys = bidding.services.pki.platform_keys()
    (tmp_path / "ca.pem").write_text(keys.ca_certificate.pem())
    (tmp_path / "tsa.pem").write_text(keys.tsa_certificate.pem())

    def openssl(*args: str) -> None:
        run = subprocess.run(["openssl", *args], cwd=tmp_path, capture_output=True, text=True)
        assert run.returncode == 0, run.stdout + run.stderr

    # the token carries the fixed test clock's time: verify at that time
    openssl(
        "ts",
        "-verify",
        "-token_in",
        "-in",
        "token.der",
        "-digest",
        hashlib.sha256(core).hexdigest(),
        "-CAfile",
        "ca.pem",
        "-untrusted",
        "tsa.pem",
        "-attime",
        "1772413200",
    )
    openssl(
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        "sig.der",
        "-content",
        "core.json",
        "-CAfile",
        "ca.pem",
        "-purpose",
        "any",
        "-attime",
        "1772413200",
        "-out",
        "/dev/null",
    )


def test_the_deadline_commits_the_live_envelopes(
    bidding: Bidding, world: World, clock: FixedClock
) -> None:
    from sqlalchemy import select

    from prex.audit.orm import audit_log
    from prex.envelope.container import canonical
    from prex.worker import run_once

    member_of(bidding.services, world, bidding.pki.uscc["rsa-org"], "rsasealer")
    replaced = bidding.submit(bidding.seal(), "commit-a-00001").json()
    live = [
        bidding.submit(bidding.seal(), "commit-b-00001").json(),
        bidding.submit(bidding.seal("sm2-org"), "commit-c-00001", user="gmsealer").json(),
        bidding.submit(bidding.seal("rsa-org"), "commit-d-00001", user="rsasealer").json(),
    ]
    tender_id = bidding.tender["id"]
    assert bidding.client.get(f"/api/v1/tenders/{tender_id}/bid-commitment").status_code == 404
    clock.set(datetime.fromisoformat(bidding.tender["bid_deadline"]))
    assert run_once(bidding.services).transitions == 1
    tender = bidding.client.get(f"/api/v1/tenders/{tender_id}").json()
    assert tender["status"] == "opening"
    published = bidding.client.get(f"/api/v1/tenders/{tender_id}/bid-commitment").json()
    entries = sorted(
        (
            {
                "section_id": r["section_id"],
                "bidder_uscc": r["bidder_uscc"],
                "envelope_sha256": r["envelope_sha256"],
            }
            for r in live
        ),
        key=lambda e: (e["section_id"], e["bidder_uscc"], e["envelope_sha256"]),
    )
    assert published["sha256"] == hashlib.sha256(canonical(entries)).hexdigest()
    digests = {e["envelope_sha256"] for e in published["envelopes"]}
    assert replaced["envelope_sha256"] not in digests and len(digests) == 3
    with bidding.services.read_session() as session:
        payloads = (
            session.execute(
                select(audit_log.c.payload)
                .where(audit_log.c.action == "BidsCommitted")
                .order_by(audit_log.c.seq)
            )
            .scalars()
            .all()
        )
    assert [p["event"]["sha256"] for p in payloads] == [published["sha256"]]


def test_too_few_bidders_fail_the_tender_at_the_deadline(
    bidding: Bidding, clock: FixedClock
) -> None:
    from prex.worker import run_once

    bidding.submit(bidding.seal(), "few-a-000001")
    bidding.submit(bidding.seal("sm2-org"), "few-b-000001", user="gmsealer")
    clock.set(datetime.fromisoformat(bidding.tender["bid_deadline"]))
    run_once(bidding.services)
    tender = bidding.client.get(f"/api/v1/tenders/{bidding.tender['id']}").json()
    assert tender["status"] == "failed"
    announcement = tender["announcements"][-1]
    assert "流标" in announcement["title"] and "《招标投标法》第二十八条" in announcement["body"]


def test_only_invited_bidders_may_bid_in_an_invited_tender(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    invitees = [world.orgs[b] for b in ("bidder", "bidder2", "bidder3")]
    invited = Bidding(
        client, services, world, pki_world, tmp_path, method="invited", invitee_org_ids=invitees
    )
    refused = invited.submit(invited.seal(), "uninvited-0001")
    assert refused.status_code == 403 and "邀请招标" in refused.json()["detail"]
