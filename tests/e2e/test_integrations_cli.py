"""``prex integrations``: register (the secret printed once), list, rotate, revoke — and the
printed secrets really obtain tokens from the HTTP token endpoint."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from tests.factories import World

runner = CliRunner()


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")


def _token(client: TestClient, client_id: str, secret: str) -> int:
    return client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    ).status_code


def test_register_rotate_revoke_from_the_shell(env: None, client: TestClient, world: World) -> None:
    org_uscc = client.get(f"/api/v1/organisations/{world.orgs['agency2']}").json()
    made = runner.invoke(
        app,
        [
            "integrations",
            "register",
            "银行保函",
            "--org",
            world.orgs["agency2"],
            "--scope",
            "guarantee.issue",
            "--scope",
            "public.read",
            "--rate",
            "30",
            "--json",
        ],
    )
    assert made.exit_code == 0, made.output
    first = json.loads(made.stdout)
    assert _token(client, first["client_id"], first["client_secret"]) == 200
    rotated = runner.invoke(app, ["integrations", "rotate", first["client_id"], "--json"])
    second = json.loads(rotated.stdout)
    assert _token(client, first["client_id"], second["client_secret"]) == 200
    revoked = runner.invoke(
        app, ["integrations", "revoke", first["client_id"], "--secret", first["secret_id"]]
    )
    assert revoked.exit_code == 0, revoked.output
    assert _token(client, first["client_id"], first["client_secret"]) == 401
    listed = json.loads(runner.invoke(app, ["integrations", "list", "--json"]).stdout)
    assert [(c["name"], c["scopes"], c["rate_per_minute"]) for c in listed] == [
        ("银行保函", ["guarantee.issue", "public.read"], 30)
    ]
    assert first["client_secret"] not in json.dumps(listed)
    assert runner.invoke(app, ["integrations", "revoke", first["client_id"]]).exit_code == 0
    assert _token(client, first["client_id"], second["client_secret"]) == 401
    assert "revoked" in runner.invoke(app, ["integrations", "list"]).stdout

    bad = runner.invoke(
        app, ["integrations", "register", "x", "--org", "nope", "--scope", "public.read"]
    )
    assert bad.exit_code == 1 and "no organisation 'nope'" in bad.output
    bad_scope = runner.invoke(
        app,
        ["integrations", "register", "x", "--org", org_uscc["uscc"], "--scope", "root"],
    )
    assert bad_scope.exit_code == 1 and "scopes are one or more of" in bad_scope.output
