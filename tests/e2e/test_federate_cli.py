"""``prex federate`` from the shell: a folder of packages subscribed, pulled by a worker pass
(new files on later pulls), listed and removed, with ``--json``; bad input in one line."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from bench import ocds_corpus
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.exchange.federation.subscribe import subscribe
from prex.shared.clock import FixedClock
from prex.worker import run_once

runner = CliRunner()


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")


def package(path: Path, seed: int, n: int) -> int:
    releases = ocds_corpus.generate(n, seed=seed)
    for release in releases:  # the corpus numbers its processes alike for every seed
        release["ocid"] = f"{release['ocid']}-{seed}"
    lines = ocds_corpus.to_package_jsonl(releases, per_package=10)
    path.write_bytes(lines.replace(b'"publisher":{', b'"publisher":{"uid":"GD-OCDS",', 1))
    return len(releases)


def test_a_folder_source_is_pulled_by_the_worker_file_by_file(
    services: Services, env: None, tmp_path: Path, clock: FixedClock
) -> None:
    folder = tmp_path / "packages"
    folder.mkdir()
    first = package(folder / "2026-01.jsonl", 1, 8)
    added = subscribe(services, str(folder))  # on the test's clock, which the worker runs on
    assert (added.code, added.kind, added.status) == ("GD-OCDS", "files", "active")

    assert run_once(services).federated == first
    second = package(folder / "2026-02.jsonl", 2, 5)
    assert run_once(services).federated == 0  # caught up: not due before the interval
    clock.advance(timedelta(seconds=services.settings.federation_interval_seconds + 1))
    assert run_once(services).federated == second

    listed = runner.invoke(app, ["federate", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.stdout)
    assert row["releases"] == first + second and row["cursor"] == "2026-02.jsonl"
    assert row["records"] == 13 and row["status"] == "active"

    pulled = runner.invoke(app, ["federate", "pull", "--code", "GD-OCDS", "--json"])
    assert pulled.exit_code == 0, pulled.output
    assert json.loads(pulled.stdout)["stored"] == 0

    twice = runner.invoke(app, ["federate", "add", str(folder), "--code", "OTHER"])
    assert twice.exit_code == 1 and "already subscribed" in twice.stderr
    gone = runner.invoke(app, ["federate", "remove", "GD-OCDS", "--purge", "--json"])
    assert gone.exit_code == 0 and json.loads(gone.stdout) == {"removed": "GD-OCDS", "purged": True}
    assert json.loads(runner.invoke(app, ["federate", "list", "--json"]).stdout) == []
    again = runner.invoke(app, ["federate", "add", str(folder), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["code"] == "GD-OCDS"
    listed = runner.invoke(app, ["federate", "list"])
    assert listed.exit_code == 0 and "GD-OCDS" in listed.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["federate", "add", "/no/such/folder"], "no such file or folder"),
        (["federate", "add", "ftp://example.org/x"], "neither http(s) nor a local path"),
        (["federate", "add", "http://127.0.0.1:9/feed.json"], "give --code"),
        (["federate", "add", "http://127.0.0.1:9/feed.json", "--code", "a b"], "source code"),
        (["federate", "remove", "NOPE"], "no federation source 'NOPE'"),
        (["federate", "pull", "--code", "NOPE"], "no federation source 'NOPE'"),
    ],
)
def test_bad_input_is_refused_in_one_line(env: None, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_usage_error_exits_2(env: None) -> None:
    assert runner.invoke(app, ["federate", "add"]).exit_code == 2
    assert runner.invoke(app, ["import", "ocds"]).exit_code == 2
