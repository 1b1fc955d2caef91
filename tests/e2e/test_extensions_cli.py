"""``prex extensions list`` and the guarantee that every extension prex ships in the deposit,
evaluation and notification groups loads with real services and satisfies its protocol; an
outside module that fails is listed with its error, never stopping the list."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from prex import extensions
from prex.bootstrap import Services
from prex.cli.main import app
from tests.extension_dist import install_distribution

runner = CliRunner()
OURS = {
    ("prex.deposit_sources", "statement-csv"),
    ("prex.evaluation_assistants", "price-check"),
    ("prex.notification_channels", "email"),
    ("prex.notification_channels", "sms"),
}


def test_every_extension_prex_ships_in_these_groups_loads_and_satisfies_its_protocol(
    services: Services,
) -> None:
    shipped = {(i.group, i.name) for i in extensions.installed() if i.distribution == "prex"}
    assert shipped >= OURS
    assert ("prex.guarantee_providers", "certificate") in shipped
    for group, name in sorted(shipped):
        if group == "prex.guarantee_providers":
            continue  # needs a guarantor's key: tests/e2e/test_guarantee_provider_kit.py
        found = extensions.load(group, name, services)
        assert isinstance(found, extensions.protocol_of(group)), (group, name)
        assert extensions.missing_members(found, extensions.protocol_of(group)) == []
        assert found.name == name  # each names itself as its entry point does


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = tmp_path / "site"
    root.mkdir()
    install_distribution(
        root,
        "half_channel",
        """
        class Half:
            name = "pager"
        def make(services):
            return Half()
        def explode(services):
            raise RuntimeError("no pager licence")
        """,
        "[prex.notification_channels]\npager = half_channel:make\nboom = half_channel:explode\n",
    )
    monkeypatch.syspath_prepend(str(root))
    yield
    sys.modules.pop("half_channel", None)


def test_the_list_shows_each_extension_and_whether_it_loads(env: None) -> None:
    result = runner.invoke(app, ["extensions", "list", "--json"])
    rows = json.loads(result.stdout)
    by_name = {(r["group"], r["name"]): r for r in rows}
    for key in OURS:
        assert by_name[key]["ok"] is True and by_name[key]["distribution"] == "prex", key
    # Installed but not configured here (no guarantor key): listed as such, not as failing.
    certificate = by_name[("prex.guarantee_providers", "certificate")]
    assert certificate["ok"] is True and certificate["configured"] is False
    assert "PREX_GUARANTOR_KEY" in certificate["note"]
    assert result.exit_code == 0
    text = runner.invoke(app, ["extensions", "list"])
    assert "prex.notification_channels" in text.stdout and "sms" in text.stdout
    assert "not configured" in text.stdout and "0 failing" in text.stdout


def test_a_module_that_fails_is_shown_with_its_error(env: None, broken: None) -> None:
    result = runner.invoke(app, ["extensions", "list", "--json"])
    assert result.exit_code == 1
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert rows["pager"]["ok"] is False and "missing" in rows["pager"]["error"]
    assert "enabled" in rows["pager"]["error"] and "send" in rows["pager"]["error"]
    assert rows["pager"]["distribution"] == "half_channel"
    assert rows["boom"]["ok"] is False and "no pager licence" in rows["boom"]["error"]
    assert rows["sms"]["ok"] is True  # the others still listed and checked
    text = runner.invoke(app, ["extensions", "list"])
    assert "FAILS" in text.stdout and "failing" in text.stdout
