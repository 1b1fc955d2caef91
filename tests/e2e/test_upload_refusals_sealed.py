"""Sealed envelopes and certificates pass the shared upload checks (prex.shared.upload_checks):
the declared type against the bytes, the envelope's magic and framing, certificates PEM or DER,
the size while the bytes stream in (413); a refusal is `upload-refused` naming the check and
keeps nothing — no blob, no row, no audit entry. Valid uploads still pass."""

from __future__ import annotations

import base64
import dataclasses
import ssl
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from prex.bidding.orm import bids
from prex.bootstrap import Services
from prex.pki.orm import trusted_cas
from prex.tenders.rules import RulePackRegistry
from tests.e2e.test_bid_submission import Bidding
from tests.factories import World, auth
from tests.pki_helpers import signed_challenge
from tests.pki_openssl import PkiWorld

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n"


def _state(services: Services) -> tuple[int, int, int, int]:
    """Audit entries, stored blobs, bids, trusted CAs."""
    with services.read_session() as session:
        entries = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
        n_bids = session.execute(select(func.count()).select_from(bids)).scalar_one()
        cas = session.execute(select(func.count()).select_from(trusted_cas)).scalar_one()
    blobs = services.settings.blob_dir
    files = sum(1 for p in blobs.rglob("*") if p.is_file() and "tmp" not in p.parts)
    return int(entries), files, int(n_bids), int(cas)


def _refused(response: Any, status: int, check: str) -> None:
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["type"] == (
        "/problems/too-large" if status == 413 else "/problems/upload-refused"
    )
    assert problem["check"] == check, problem


def test_a_bid_upload_is_an_envelope_by_type_framing_and_size_or_nothing_is_kept(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    bidding = Bidding(client, services, world, pki_world, tmp_path)
    good = bidding.seal().read_bytes()
    url = f"/api/v1/tenders/{bidding.tender['id']}/bids"

    sealer = auth(services, "sealer")

    def post(body: bytes, key: str, media_type: str = "application/octet-stream") -> Any:
        headers = {**sealer, "Idempotency-Key": key, "Content-Type": media_type}
        return client.post(url, content=body, headers=headers)

    created = client.post(
        f"/api/v1/tenders/{bidding.tender['id']}/uploads",
        json={"length": len(PDF), "sha256": "0" * 64},
        headers={**sealer, "Idempotency-Key": "resumable-pdf"},
    )
    assert created.status_code == 201, created.text
    before = _state(services)
    _refused(post(good, "declared-pdf", "application/pdf"), 415, "type")  # declared ≠ bytes
    _refused(post(PDF, "a-pdf-as-a-bid"), 415, "type")  # not an envelope by its magic
    _refused(post(good[:12] + b"x" * 40, "bad-header-length"), 422, "envelope-structure")
    _refused(post(good + b"trailing", "trailing-bytes"), 422, "envelope-structure")
    # Resumable: an upload whose first bytes are not an envelope's is refused on arrival.
    appended = client.patch(
        f"/api/v1/uploads/{created.json()['id']}",
        content=PDF,
        headers={**sealer, "Upload-Offset": "0",
                 "Content-Type": "application/offset+octet-stream"},
    )  # fmt: skip
    _refused(appended, 415, "type")
    # The tender's pack holds envelopes to 1 MiB here: the first byte over it is refused.
    packs = services.rule_packs
    services.rule_packs = RulePackRegistry(
        {p.id: dataclasses.replace(p, sealing=dataclasses.replace(p.sealing, max_envelope_mb=1))
         for p in packs.all()}
    )  # fmt: skip
    try:
        _refused(post(good[:12] + b"\0" * (1024 * 1024), "over-the-limit"), 413, "size")
    finally:
        services.rule_packs = packs
    assert _state(services)[:3] == before[:3]  # no audit entry, blob or bid

    received = post(good, "the-good-one", "application/vnd.prex.envelope")
    assert received.status_code == 201, received.text
    assert _state(services)[2] == before[2] + 1


def test_certificate_uploads_are_certificates_or_nothing_is_kept(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    operator, bidder = auth(services, "operator"), auth(services, "bidder")
    pem = pki_world.cas["ecdsa"].cert.read_text()
    der = ssl.PEM_cert_to_DER_cert(pem)
    before = _state(services)

    # The trust list page: a certificate file.
    def upload(name: str, data: bytes, media_type: str) -> Any:
        return client.post(
            "/cas",
            files={"file": (name, data, media_type)},
            data={"label": "x"},
            headers=operator,
            follow_redirects=False,
        )

    for name, data, media_type, status, says in [
        ("ca.pem", PDF, "application/x-pem-file", 415, "declared as certificate"),
        ("ca.crt", der, "application/pdf", 415, "is declared as pdf"),
        ("ca.bin", b"MZ\x90\x00 an executable", "application/octet-stream", 415, "is not a cert"),
        ("ca.pem", pem.encode() + b"\n" * (1 << 20), "application/x-pem-file", 413, "larger"),
        ("../ca.pem", pem.encode(), "application/x-pem-file", 422, "file name"),
    ]:
        page = upload(name, data, media_type)
        assert page.status_code == status, (name, page.status_code)
        assert says in page.text[page.text.find('id="problem"') :][:800], name
        assert 'id="problem"' in page.text, name
    # The API: certificates as text (PEM, or base64 of DER).
    _refused(
        client.post("/api/v1/cas", json={"certificates": base64.b64encode(PDF).decode()},
                    headers=operator),
        415, "type",
    )  # fmt: skip
    # Binding: the user's certificate.
    bad = signed_challenge(
        client, pki_world, "rsa-org", "rsa-pkcs1-sha256", "bind", tmp_path, bidder
    )
    bad["certificate"] = base64.b64encode(PDF).decode()
    _refused(client.post("/api/v1/me/certificates", json=bad, headers=bidder),
             415, "type")  # fmt: skip
    assert _state(services) == before  # no audit entry, blob or CA

    assert upload("根证书.cer", der, "application/pkix-cert").status_code == 303
    added = client.post(
        "/api/v1/cas", json={"certificates": pki_world.cas["rsa"].cert.read_text()},
        headers=operator,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    assert _state(services)[3] == before[3] + 2
