"""The ``prex`` command line: help, machine output, and exit codes (0 / 1 with one line / 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.demo import DemoSeed

runner = CliRunner()


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "PREX_DATABASE_URL": services.settings.resolved_database_url,
        "PREX_DATA_DIR": str(services.settings.data_dir),
        "PREX_PASSWORD_HASHING": "fast",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "audit", "tenders", "serve", "worker", "demo"):
        assert command in result.output


def test_tenders_list_as_json_shows_the_public_tenders(
    services: Services, demo: DemoSeed, env: dict[str, str]
) -> None:
    result = runner.invoke(app, ["tenders", "list", "--json", "--limit", "100"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)["items"]
    assert {i["status"] for i in items} >= {"published", "opening", "complete", "cancelled"}
    assert all(i["status"] != "draft" for i in items)
    table = runner.invoke(app, ["tenders", "list", "--type", "procurement"])
    assert table.exit_code == 0 and "procurement" in table.output


def test_rule_packs_are_listed_with_their_sources(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["tenders", "rule-packs", "--json"])
    assert result.exit_code == 0
    packs = {p["id"]: p for p in json.loads(result.output)}
    assert packs["engineering-open"]["periods"]["deadline.min-days"]["amount"] == 20


def test_the_worker_runs_one_pass(services: Services, env: dict[str, str]) -> None:
    result = runner.invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "transitions" in result.output


def test_a_rejected_input_exits_1_with_one_line_and_a_usage_error_exits_2(
    tmp_path: Path,
) -> None:
    environment = {**os.environ, "PREX_DATA_DIR": str(tmp_path), "PREX_ENVIRONMENT": "production"}
    rejected = subprocess.run(
        [sys.executable, "-m", "prex.cli.main", "audit", "verify"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rejected.returncode == 1
    assert "PREX_SECRET_KEY" in rejected.stderr and len(rejected.stderr.strip().splitlines()) == 1
    usage = subprocess.run(
        [sys.executable, "-m", "prex.cli.main", "tenders", "list", "--status", "nonsense"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert usage.returncode == 2
