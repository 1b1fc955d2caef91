"""`prex ca …` and `prex cert verify`: the trust list from the shell, exit 0 when trusted and
1 with the reason otherwise; bad files give one line, never a traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.cli.main import app
from tests.pki_openssl import PkiWorld

runner = CliRunner()


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))


def ca(*args: str) -> object:
    return runner.invoke(app, ["ca", *args])


def test_add_list_suspend_and_verify(
    services: Services, env: None, pki_world: PkiWorld, tmp_path: Path
) -> None:
    bundle = tmp_path / "sm2-bundle.p7b"
    subprocess.run(
        [
            "openssl",
            "crl2pkcs7",
            "-nocrl",
            "-outform",
            "DER",
            "-out",
            str(bundle),
            "-certfile",
            str(pki_world.cas["sm2"].cert),
            "-certfile",
            str(pki_world.cas["sm2-int"].cert),
        ],
        check=True,
        capture_output=True,
    )
    added = ca(
        "add",
        str(bundle),
        "--purpose",
        "signing",
        "--profile",
        "uscc:serialNumber",
        "--profile",
        "person:serialNumber",
        "--json",
    )
    assert added.exit_code == 0, added.output
    entries = json.loads(added.output)
    assert [e["added"] for e in entries] == [True, True]
    again = ca("add", str(pki_world.cas["sm2-int"].der))
    assert again.exit_code == 0 and "already on the list" in again.output

    listed = json.loads(ca("list", "--json").output)
    assert {e["key"] for e in listed} == {"sm2"}
    assert all(e["purposes"] == ["signing"] for e in listed)

    leaf = str(pki_world.leaves["sm2-org"].cert)
    ok = runner.invoke(app, ["cert", "verify", leaf, "--purpose", "signing", "--json"])
    assert ok.exit_code == 0, ok.output
    verdict = json.loads(ok.output)
    assert verdict["holder"]["code"] == pki_world.uscc["sm2-org"]

    login = runner.invoke(app, ["cert", "verify", leaf, "--purpose", "login"])
    assert login.exit_code == 1
    assert "ca-not-trusted-for-purpose" in login.output

    intermediate = next(
        e
        for e in entries
        if "Issuing" in e["subject"] or not e["subject"].endswith("Root CA,O=Prex 测试 PKI,C=CN")
    )
    suspended = ca("suspend", intermediate["fingerprint"][:12], "--reason", "年检未通过")
    assert suspended.exit_code == 0, suspended.output
    refused = runner.invoke(app, ["cert", "verify", leaf])
    assert refused.exit_code == 1
    assert "ca-suspended" in refused.output and "年检未通过" in refused.output
    with services.read_session() as session:
        rows = session.execute(
            select(audit_log.c.action, audit_log.c.actor_label, audit_log.c.address).order_by(
                audit_log.c.seq
            )
        ).all()
    changes = [r for r in rows if r.action in ("CaAdded", "CaStatusChanged")]
    assert len(changes) == 3
    assert all(r.actor_label.startswith("console (") and r.address == "console" for r in changes)


def test_cert_verify_names_the_reason(services: Services, env: None, pki_world: PkiWorld) -> None:
    for name in ("rsa", "rsa-int"):
        assert ca("add", str(pki_world.cas[name].cert)).exit_code == 0
    cases = {
        "rsa-org": (0, "trusted for signing"),
        "rsa-expired": (1, "refused (expired)"),
        "rsa-revoked": (1, "refused (revoked)"),
        "rsa-wrong-ku": (1, "refused (wrong-key-usage)"),
        "untrusted-org": (1, "refused (untrusted-issuer)"),
    }
    for leaf, (code, text) in cases.items():
        result = runner.invoke(app, ["cert", "verify", str(pki_world.leaves[leaf].cert)])
        assert (result.exit_code, text in result.output) == (code, True), (leaf, result.output)
    past = runner.invoke(
        app,
        [
            "cert",
            "verify",
            str(pki_world.leaves["rsa-expired"].cert),
            "--at",
            "2025-12-01T08:00:00+08:00",
        ],
    )
    assert past.exit_code == 0, past.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x30\x82\x05\x00garbage", "not a valid DER certificate"),
        (b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", "malformed"),
        (b"\x30" * (1024 * 1024 + 1), "too much for a certificate bundle"),
    ],
)
def test_bad_files_give_one_line(
    services: Services, env: None, tmp_path: Path, content: bytes, message: str
) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_bytes(content)
    for args in (["ca", "add", str(bad)], ["cert", "verify", str(bad)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert message in result.output and "Traceback" not in result.output
    assert json.loads(ca("list", "--json").output) == []


def test_an_end_entity_certificate_is_not_a_ca(
    services: Services, env: None, pki_world: PkiWorld
) -> None:
    result = ca("add", str(pki_world.leaves["rsa-org"].cert))
    assert result.exit_code == 1 and "is not a CA certificate" in result.output


def test_offline_crl_import_makes_revocation_checkable_without_the_network(
    services: Services, env: None, pki_world: PkiWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ecdsa", "ecdsa-int"):
        assert ca("add", str(pki_world.cas[name].cert)).exit_code == 0
    imported = [ca("import-crl", str(pki_world.crls[name])) for name in ("ecdsa", "ecdsa-int")]
    assert all(r.exit_code == 0 for r in imported), [r.output for r in imported]
    assert "0 revoked" in imported[0].output
    # the distribution point is now unreachable: the imported CRLs answer instead
    import prex.pki.revocation as revocation

    def offline(timeout: float) -> object:
        def fetch(url: str, body: bytes | None, limit: int) -> bytes:
            raise OSError("network is unreachable")

        return fetch

    monkeypatch.setattr(revocation, "http_fetch", offline)
    monkeypatch.setattr("prex.pki.service.http_fetch", offline)
    result = runner.invoke(app, ["cert", "verify", str(pki_world.leaves["ecdsa-org"].cert)])
    assert result.exit_code == 0, result.output
    wrong = ca("import-crl", str(pki_world.crls["rsa"]))
    assert wrong.exit_code == 1 and "not on the trust list" in wrong.output


def test_a_certificate_file_may_carry_its_issuing_cas(
    services: Services, env: None, pki_world: PkiWorld, tmp_path: Path
) -> None:
    assert ca("add", str(pki_world.cas["ecdsa"].cert)).exit_code == 0  # the root only
    issued = pki_world.leaves["ecdsa-p384"]
    bundle = tmp_path / "with-chain.pem"
    bundle.write_bytes(issued.cert.read_bytes() + b"".join(p.read_bytes() for p in issued.chain))
    bare = runner.invoke(app, ["cert", "verify", str(issued.cert)])
    assert bare.exit_code == 1 and "untrusted-issuer" in bare.output
    result = runner.invoke(app, ["cert", "verify", str(bundle), "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["chain"]) == 3
