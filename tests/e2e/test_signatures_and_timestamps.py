"""Signed documents and timestamps through the API and the CLI, checked against OpenSSL:
`openssl cms -sign` signatures verify in prex, prex's verify with `openssl cms -verify`, and
tokens of the platform's timestamp authority verify with `openssl ts -verify`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.cli.main import app
from tests.factories import World, auth
from tests.pki_helpers import trust_world
from tests.pki_openssl import PkiWorld

runner = CliRunner()
CONTENT = "招标文件（第二次）：杭州市某道路改造工程施工招标\n".encode() * 50


def openssl(*args: str | Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def openssl_cms_sign(world: PkiWorld, leaf: str, content: Path, out: Path) -> None:
    issued = world.leaves[leaf]
    openssl(
        "cms",
        "-sign",
        "-binary",
        "-in",
        content,
        "-signer",
        issued.cert,
        "-inkey",
        issued.key,
        "-outform",
        "DER",
        "-out",
        out,
        "-nosmimecap",
    )


def post_verify(client: TestClient, headers: dict[str, str], content: bytes, sig: bytes) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/v1/signatures/verify",
        files={"content": ("doc.txt", content), "signature": ("doc.p7s", sig)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.parametrize("leaf", ["rsa-org", "ecdsa-org", "ecdsa-p384"])
def test_openssl_cms_signatures_verify_and_tampering_is_caught(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    leaf: str,
) -> None:
    trust_world(services, pki_world)
    content, sig = tmp_path / "doc.txt", tmp_path / "doc.p7s"
    content.write_bytes(CONTENT)
    openssl_cms_sign(pki_world, leaf, content, sig)
    headers = auth(services, "bidder")
    verdict = post_verify(client, headers, CONTENT, sig.read_bytes())
    assert verdict["valid"] is True, verdict
    assert verdict["holder"]["code"] == pki_world.uscc[leaf]
    tampered = post_verify(client, headers, CONTENT + b" ", sig.read_bytes())
    assert tampered["valid"] is False and tampered["reason"] == "bad-signature"
    assert "message digest" in tampered["message"]


def test_a_revoked_signer_and_garbage_are_told_apart(
    client: TestClient, services: Services, world: World, pki_world: PkiWorld, tmp_path: Path
) -> None:
    trust_world(services, pki_world)
    content, sig = tmp_path / "doc.txt", tmp_path / "doc.p7s"
    content.write_bytes(CONTENT)
    openssl_cms_sign(pki_world, "rsa-revoked", content, sig)
    headers = auth(services, "bidder")
    revoked = post_verify(client, headers, CONTENT, sig.read_bytes())
    assert (revoked["valid"], revoked["reason"]) == (False, "revoked")
    garbage = post_verify(client, headers, CONTENT, b"\x30\x80garbage")
    assert garbage["valid"] is False and garbage["reason"] == "bad-signature"
    anonymous = client.post(
        "/api/v1/signatures/verify", files={"content": ("a", b"a"), "signature": ("b", b"b")}
    )
    assert anonymous.status_code == 401


@pytest.mark.parametrize("leaf", ["rsa-org", "sm2-org"])
def test_cli_signs_offline_and_verifies(
    services: Services,
    pki_world: PkiWorld,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    leaf: str,
) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    trust_world(services, pki_world)
    issued = pki_world.leaves[leaf]
    content, sig = tmp_path / "bid-form.txt", tmp_path / "bid-form.sig"
    content.write_bytes(CONTENT)
    chain_args = [arg for path in issued.chain for arg in ("--chain", str(path))]
    signed = runner.invoke(
        app,
        [
            "sig",
            "sign",
            str(content),
            "--cert",
            str(issued.cert),
            "--key",
            str(issued.key),
            "--out",
            str(sig),
            *chain_args,
        ],
    )
    assert signed.exit_code == 0, signed.output
    ok = runner.invoke(app, ["sig", "verify", str(content), str(sig), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["holder"]["code"] == pki_world.uscc[leaf]
    content.write_bytes(CONTENT + b"x")
    bad = runner.invoke(app, ["sig", "verify", str(content), str(sig)])
    assert bad.exit_code == 1 and "invalid (bad-signature)" in bad.output
    if leaf == "rsa-org":  # and OpenSSL agrees with prex's CMS
        content.write_bytes(CONTENT)
        root = pki_world.cas["rsa"].cert
        openssl(
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            sig,
            "-content",
            content,
            "-CAfile",
            root,
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        )


def test_the_platform_timestamp_authority_speaks_rfc3161(
    client: TestClient, services: Services, world: World, tmp_path: Path
) -> None:
    data, query, reply = tmp_path / "receipt.txt", tmp_path / "q.tsq", tmp_path / "r.tsr"
    data.write_bytes(CONTENT)
    openssl("ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
    response = client.post(
        "/api/v1/timestamp",
        content=query.read_bytes(),
        headers={**auth(services, "bidder"), "Content-Type": "application/timestamp-query"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/timestamp-reply"
    reply.write_bytes(response.content)
    chain = client.get("/api/v1/timestamp/certificates").text
    tsa_pem, ca_pem = chain.split("-----END CERTIFICATE-----\n")[:2]
    (tmp_path / "tsa.pem").write_text(tsa_pem + "-----END CERTIFICATE-----\n")
    (tmp_path / "ca.pem").write_text(ca_pem + "-----END CERTIFICATE-----\n")
    # the tokens carry the fixed test clock's time; ask OpenSSL to check at that time
    openssl(
        "ts",
        "-verify",
        "-queryfile",
        query,
        "-in",
        reply,
        "-CAfile",
        tmp_path / "ca.pem",
        "-untrusted",
        tmp_path / "tsa.pem",
        "-attime",
        "1772413200",
    )
    rejected = client.post(
        "/api/v1/timestamp",
        content=b"not a request",
        headers={**auth(services, "bidder"), "Content-Type": "application/timestamp-query"},
    )
    assert rejected.status_code == 200
    (tmp_path / "bad.tsr").write_bytes(rejected.content)
    text = openssl("ts", "-reply", "-in", tmp_path / "bad.tsr", "-text").stdout.decode()
    assert "Status: Rejected" in text and "wrong format" in text
    key_file = services.settings.resolved_key_dir / "tsa.key"
    assert key_file.stat().st_mode & 0o077 == 0
    with services.read_session() as session:
        actions = [
            (r.action, r.actor_label)
            for r in session.execute(
                select(audit_log.c.action, audit_log.c.actor_label).order_by(audit_log.c.seq)
            ).all()
        ]
    assert ("PlatformKeysCreated", "system") in actions
    issued = [label for action, label in actions if action == "TimestampIssued"]
    assert len(issued) == 1 and "bidder" in issued[0]  # the rejection issued nothing
