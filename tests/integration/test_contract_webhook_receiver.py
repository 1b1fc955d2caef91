"""The webhook-receiver conformance kit against real receivers on loopback: a correct one (it
verifies with the SDK's ``verify_delivery`` and keeps a replay guard) passes every check; a
sloppy one that takes everything fails, each failed check named with its reason; so do a
receiver that refuses with 5xx, one too slow, and one that is not there."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from prex_client.webhooks import SeenIds, WebhookInvalid, verify_delivery
from typer.testing import CliRunner

from prex.cli.main import app as cli
from prex.config import get_settings
from prex.contract import webhook_receiver as kit
from prex.pki.platform import ensure_platform_keys
from prex.shared.clock import SystemClock
from tests.conftest import REPO_ROOT
from tests.pki_openssl import free_port
from tests.webhook_receiver import Receiver

runner = CliRunner()
CHECKS = [
    "accepts-signed-delivery",
    "accepts-repeated-delivery",
    "refuses-wrong-signature",
    "refuses-altered-body",
    "refuses-stale-timestamp",
    "refuses-missing-signature",
    "refuses-foreign-ca",
]


def verifying(ca_file: Path, refusal: int = 400) -> Callable[[dict[str, str], bytes], int]:
    """A correct receiver's logic: verify against the pinned CA, drop repeats, answer 204."""
    seen = SeenIds()

    def judge(headers: dict[str, str], body: bytes) -> int:
        try:
            event = verify_delivery(headers, body, ca_file.read_bytes())
        except WebhookInvalid:
            return refusal
        seen.first_time(event.id)  # a repeat is answered 2xx, and not acted on again
        return 204

    return judge


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    started: list[Receiver] = []
    yield started
    for receiver in started:
        receiver.stop()


def start(receivers: list[Receiver], **options: object) -> Receiver:
    receiver = Receiver(**options).start()  # type: ignore[arg-type]
    receivers.append(receiver)
    return receiver


def run(*args: str) -> tuple[int, dict[str, object], str]:
    result = runner.invoke(cli, ["contract", "webhook-receiver", *args, "--json"])
    report = json.loads(result.stdout) if result.stdout.strip().startswith("{") else {}
    return result.exit_code, report, result.stderr


def by_name(report: dict[str, object]) -> dict[str, dict[str, object]]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return {c["name"]: c for c in checks}


def test_a_correct_receiver_passes_every_check(tmp_path: Path, receivers: list[Receiver]) -> None:
    keys, ca = tmp_path / "kit", tmp_path / "trusted.pem"
    prepared = runner.invoke(
        cli, ["contract", "webhook-receiver", "--prepare", "--keys", str(keys), "--ca-out", str(ca)]
    )
    assert prepared.exit_code == 0, prepared.output
    assert ca.read_text() == (keys / kit.CA_FILE).read_text()
    receiver = start(receivers, judge=verifying(ca))

    code, report, _ = run(receiver.url, "--keys", str(keys))
    assert code == 0, report
    checks = by_name(report)
    assert list(checks) == CHECKS and report["passed"] is True
    assert all(c["passed"] for c in checks.values())
    assert checks["accepts-signed-delivery"]["status"] == 204
    assert checks["refuses-foreign-ca"]["status"] == 400
    # What the receiver got is what prex sends: the first two share one id, the rest are new.
    ids = receiver.ids()
    assert len(ids) == 7 and ids[0] == ids[1] and len(set(ids[1:])) == 6
    first = receiver.received[0]
    assert json.loads(first.body)["event"] == first.headers["prex-webhook-event"]

    # The same keys the next run: the receiver keeps trusting them. The text report too.
    again = runner.invoke(cli, ["contract", "webhook-receiver", receiver.url, "--keys", str(keys)])
    assert again.exit_code == 0, again.output
    assert "7 of 7 checks passed" in again.stdout


def test_a_receiver_that_takes_everything_fails_naming_each_check(
    tmp_path: Path, receivers: list[Receiver]
) -> None:
    sloppy = start(receivers, answer=202)
    code, report, _ = run(sloppy.url, "--ca-out", str(tmp_path / "ca.pem"))
    assert code == 1 and report["passed"] is False
    checks = by_name(report)
    failed = [name for name, c in checks.items() if not c["passed"]]
    assert failed == [name for name in CHECKS if name.startswith("refuses-")]
    assert checks["refuses-altered-body"]["reason"] == (
        "answered 202: it accepted a body changed after signing"
    )
    assert checks["accepts-signed-delivery"]["passed"] is True

    text = runner.invoke(cli, ["contract", "webhook-receiver", sloppy.url])
    assert text.exit_code == 1
    assert "FAIL  refuses-foreign-ca" in text.stdout and "2 of 7 checks passed" in text.stdout


def test_refusing_with_5xx_answering_late_or_not_at_all_fail(
    tmp_path: Path, receivers: list[Receiver]
) -> None:
    keys = kit.KitKeys.load_or_create(tmp_path / "kit")
    ca = tmp_path / "kit" / kit.CA_FILE
    # Verifies correctly but refuses with 500: prex would retry a forgery for days.
    erring = start(receivers, judge=verifying(ca, refusal=500))
    results = {r.name: r for r in kit.run_checks(erring.url, keys)}
    assert results["accepts-signed-delivery"].passed
    assert not results["refuses-stale-timestamp"].passed
    assert results["refuses-stale-timestamp"].reason.endswith("a refusal must be 4xx")

    # Takes longer than the timeout.
    slow = start(receivers, judge=verifying(ca), delay=1.0)
    code, report, _ = run(slow.url, "--keys", str(tmp_path / "kit"), "--timeout", "0.3")
    assert code == 1
    assert by_name(report)["accepts-signed-delivery"]["reason"] == "no answer within 0.3 s"

    # Not there at all.
    nobody = f"http://127.0.0.1:{free_port()}/hook"
    results = {r.name: r for r in kit.run_checks(nobody, keys)}
    assert not any(r.passed for r in results.values())
    assert results["accepts-signed-delivery"].reason.startswith("cannot reach the receiver")


def test_the_kit_signs_with_the_platform_keys_when_asked(
    tmp_path: Path, receivers: list[Receiver], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PREX_DATA_DIR", str(tmp_path / "var"))
    platform = ensure_platform_keys(get_settings(), SystemClock())
    pinned = tmp_path / "platform-ca.pem"  # what GET /api/v1/webhooks/certificates publishes
    pinned.write_text(platform.signing_certificate.pem() + platform.ca_certificate.pem())
    receiver = start(receivers, judge=verifying(pinned))
    code, report, _ = run(receiver.url, "--platform-keys")
    assert code == 0, report
    # The kit's own keys are not the platform's: every good delivery is refused then.
    code, report, _ = run(receiver.url)
    assert code == 1
    assert not by_name(report)["accepts-signed-delivery"]["passed"]


def test_bad_invocations_get_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken-kit"  # a key left without its certificates
    broken.mkdir()
    (broken / kit.KEY_FILE).write_bytes(kit.KitKeys.generate().signing_key.pkcs8_pem())
    for args, said in [
        ([], "give the receiver's URL"),
        (["ftp://example.org/hook"], "is not an http(s) URL"),
        (["http://127.0.0.1:9/hook", "--timeout", "0"], "--timeout must be positive"),
        (
            ["http://127.0.0.1:9/hook", "--keys", str(tmp_path), "--platform-keys"],
            "not both",
        ),
        (["--prepare", "--ca-out", str(tmp_path / "no" / "ca.pem")], "No such file"),
        (["--prepare", "--keys", str(broken)], "kit-ca.pem: No such file"),
    ]:
        result = runner.invoke(cli, ["contract", "webhook-receiver", *args])
        assert result.exit_code == 1, result.output
        assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_documented_receiver_passes_the_kit(tmp_path: Path) -> None:
    text = (REPO_ROOT / "docs" / "integration.md").read_text(encoding="utf-8")
    example = text.split("<!-- sdk-receiver-example -->\n```python\n", 1)[1].split("```", 1)[0]
    port = free_port()
    assert '("0.0.0.0", 8080)' in example
    example = example.replace('("0.0.0.0", 8080)', f'("127.0.0.1", {port})')
    keys = kit.KitKeys.load_or_create(tmp_path / "kit")
    (tmp_path / "prex-webhooks.pem").write_text(keys.ca_certificate.pem())
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT / "clients" / "python"),
        "PYTHONUNBUFFERED": "1",  # its prints reach us even though it is terminated
    }
    server = subprocess.Popen(
        [sys.executable, "-c", example],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert server.poll() is None, server.communicate()
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert time.monotonic() < deadline, "the example receiver did not start"
            time.sleep(0.05)
        results = kit.run_checks(f"http://127.0.0.1:{port}/prex/hook", keys)
        assert [(r.name, r.passed) for r in results] == [(name, True) for name in CHECKS], results
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=10)
    assert "refused: digest-mismatch" in out and "refused: untrusted-certificate" in out
