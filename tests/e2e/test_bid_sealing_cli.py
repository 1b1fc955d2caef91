"""`prex bid seal` works offline from downloaded tender parameters; the envelope opens from k
custodian shares to exactly what was sealed; the sealing code imports nothing of the server."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prex.cli.main import app
from prex.envelope import container, threshold
from prex.envelope.parameters import Section, TenderParameters
from tests.pki_openssl import PkiWorld

runner = CliRunner()


def parameters(
    tmp_path: Path, suite: str, *, deadline: datetime | None = None, key_mode: str = "custodians"
) -> tuple[Path, threshold.Commitments, list[threshold.Share]]:
    commitments, shares = threshold.split_new_key(container.SUITES[suite][0], 3, 5)
    params = TenderParameters(
        tender_id="T-42",
        title="拱墅区运河公园景观提升工程施工招标",
        platform_code="PREX330100",
        sections=(Section("S1", "一标段"), Section("S2", "二标段")),
        suite=suite,
        opening_public_point=commitments.public_point,
        key_mode=key_mode,
        bid_deadline=deadline or datetime.now(UTC) + timedelta(days=3),
        max_envelope_bytes=50 * 1024 * 1024,
    )
    path = tmp_path / "tender-T-42.json"
    path.write_text(json.dumps(params.to_json(), ensure_ascii=False))
    return path, commitments, shares


def seal_args(world: PkiWorld, leaf: str, params: Path, out: Path, *docs: Path) -> list[str]:
    issued = world.leaves[leaf]
    return [
        "bid",
        "seal",
        *map(str, docs),
        "--tender",
        "T-42",
        "--params",
        str(params),
        "--section",
        "S2",
        "--cert",
        str(issued.cert),
        "--key",
        str(issued.key),
        "--price",
        "12,345,678.90",
        "--duration-days",
        "365",
        "--project-manager",
        "王建国",
        "--bond-reference",
        "EG-2026-0001",
        "--out",
        str(out),
        "--json",
    ]


@pytest.mark.parametrize(
    ("leaf", "suite"), [("sm2-org", "SM2-SM4GCM"), ("rsa-org", "P256-AES256GCM")]
)
def test_seal_offline_inspect_and_open(
    pki_world: PkiWorld, tmp_path: Path, leaf: str, suite: str
) -> None:
    params, commitments, shares = parameters(tmp_path, suite)
    doc = tmp_path / "商务标.pdf"
    doc.write_bytes(b"%PDF-1.7\n...\ntrailer << /ID [<0A1B2C3D> <0A1B2C3D>] >>\n%%EOF\n")
    out = tmp_path / "bid.env"
    result = runner.invoke(app, seal_args(pki_world, leaf, params, out, doc))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["bidder_uscc"] == pki_world.uscc[leaf] and summary["section_id"] == "S2"
    assert b"12345678.90" not in out.read_bytes()

    inspected = runner.invoke(app, ["bid", "inspect", str(out)])
    assert inspected.exit_code == 0 and "T-42" in inspected.output

    with out.open("rb") as handle:
        parsed = container.read(handle, out.stat().st_size, max_bytes=10**8)
        key = container.content_key_with_opening_key(
            parsed, threshold.combine(shares[2:], commitments, 3)
        )
        container.open_payload(handle, parsed, key, tmp_path / "opened", max_total=10**8)
    form = json.loads((tmp_path / "opened" / "bid-form.json").read_text())
    assert form["price"] == "12345678.90" and form["project_manager"] == "王建国"
    fingerprint = json.loads((tmp_path / "opened" / "fingerprint.json").read_text())
    assert fingerprint["documents"][0]["creation_ids_sha256"]  # the PDF's /ID, hashed
    assert (tmp_path / "opened" / "documents" / "商务标.pdf").read_bytes() == doc.read_bytes()


def test_refusals_are_one_line(pki_world: PkiWorld, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("x")
    late, _, _ = parameters(
        tmp_path, "P256-AES256GCM", deadline=datetime.now(UTC) - timedelta(minutes=1)
    )
    result = runner.invoke(app, seal_args(pki_world, "rsa-org", late, tmp_path / "late.env", doc))
    assert result.exit_code == 0  # the platform's clock decides; the tool only warns
    assert "past the bid deadline" in result.output
    params, _, _ = parameters(tmp_path, "P256-AES256GCM", key_mode="bidder_or_custodians")
    result = runner.invoke(app, seal_args(pki_world, "rsa-org", params, tmp_path / "o.env", doc))
    assert result.exit_code == 1 and "encryption certificate" in result.output
    params, _, _ = parameters(tmp_path, "P256-AES256GCM")
    args = seal_args(pki_world, "rsa-org", params, tmp_path / "o.env", doc)
    args[args.index("--key") + 1] = str(pki_world.leaves["ecdsa-org"].key)
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "does not belong" in result.output
    missing = runner.invoke(
        app, seal_args(pki_world, "rsa-org", tmp_path / "nope.json", tmp_path / "o.env", doc)
    )
    assert missing.exit_code == 1 and "cannot read the tender parameters" in missing.output
    assert not (tmp_path / "o.env").exists()
    garbage = tmp_path / "garbage.env"
    garbage.write_bytes(b"PREXENV\x01\x00\x00")
    inspected = runner.invoke(app, ["bid", "inspect", str(garbage)])
    assert inspected.exit_code == 1 and "truncated" in inspected.output


def test_the_sealing_code_imports_nothing_of_the_server() -> None:
    server = (
        "prex.db",
        "prex.web",
        "prex.bootstrap",
        "prex.config",
        "prex.tenders",
        "prex.audit",
        "prex.notifications",
        "prex.worker",
        "prex.pki.service",
        "prex.pki.login",
        "sqlalchemy",
        "fastapi",
        "uvicorn",
    )
    code = (
        "import sys, prex.sealing.client, prex.envelope.container, prex.envelope.threshold\n"
        f"bad = sorted(m for m in sys.modules if m.startswith({server!r}))\n"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
