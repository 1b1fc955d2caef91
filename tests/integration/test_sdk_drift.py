"""The Python SDK (clients/python) stays in step with the API: the committed operation table is
exactly what ``prex sdk generate`` makes from the current app, and the check that says so does
fail — naming the operation — when a route is added, removed or given another parameter that
the SDK does not know."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI, Query
from fastapi.routing import APIRoute
from typer.testing import CliRunner

from prex import sdk_gen
from prex.bootstrap import Services
from prex.cli.main import app as cli
from prex.identity.policy import Action
from prex.web.api import system as system_api
from prex.web.api import tenders as tenders_api
from prex.web.app import API_PREFIX, create_app
from prex.web.deps import acts
from tests.conftest import REPO_ROOT

COMMITTED = REPO_ROOT / sdk_gen.OPERATIONS_FILE
runner = CliRunner()


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return sdk_gen.build_spec()


def committed() -> str:
    return COMMITTED.read_text(encoding="utf-8")


def test_the_committed_sdk_is_what_the_generator_makes_from_the_current_app(
    spec: dict[str, Any],
) -> None:
    drifted = sdk_gen.drift(committed(), spec)
    assert drifted == [], "run `prex sdk generate`:\n" + "\n".join(drifted)
    table = sdk_gen.committed_table(committed())
    assert set(table) == {
        op["operationId"] for item in spec["paths"].values() for op in item.values()
    }
    assert f"SPEC_FINGERPRINT = {sdk_gen.fingerprint(table)!r}" in committed()
    # Every operation declares its action: the SDK knows which scope a call needs.
    assert all(entry["action"] for entry in table.values())
    listing = table["tenders_list_tenders"]
    assert (listing["method"], listing["path"]) == ("GET", "/api/v1/tenders")
    assert ("limit", False, "int") in listing["query"]
    submit = table["bidding_submit_bid"]
    assert submit["body"] == "binary" and submit["headers"] == (("Idempotency-Key", True, "str"),)
    assert table["tenders_upload_document"]["body"] == "multipart"


def _router_without(module: Any, name: str) -> APIRouter:
    """A copy of ``module.router`` without its route ``name``."""
    original: APIRouter = module.router
    copy = APIRouter(tags=list(original.tags))
    for route in original.routes:
        if not (isinstance(route, APIRoute) and route.name == name):
            copy.routes.append(route)
    return copy


@pytest.fixture
def planted(services: Services, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    """The real app with three planted changes the committed SDK does not know."""
    # 1. An operation gone.
    monkeypatch.setattr(system_api, "router", _router_without(system_api, "health"))
    # 2. An existing operation given other query parameters: `planted` (required) added,
    # `region` now required, the others gone.
    tenders = _router_without(tenders_api, "list_tenders")

    def list_tenders(region: Annotated[str, Query()], planted: Annotated[int, Query()]) -> None:
        return None

    list_tenders.__module__ = tenders_api.__name__
    tenders.add_api_route("/tenders", list_tenders, openapi_extra=acts(Action.PUBLIC_READ))
    monkeypatch.setattr(tenders_api, "router", tenders)
    app = create_app(services)

    # 3. A new route.
    @app.get(f"{API_PREFIX}/planted/{{thing_id}}", openapi_extra=acts(Action.PUBLIC_READ))
    def planted_route(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    return app


def test_a_planted_change_to_the_api_is_reported_naming_the_operation(
    planted: FastAPI,
) -> None:
    drifted = sdk_gen.drift(committed(), planted.openapi())
    assert "test_sdk_drift_planted_route: added (GET /api/v1/planted/{thing_id})" in drifted
    assert "system_health: removed (GET /api/v1/health)" in drifted
    tenders = [line for line in drifted if line.startswith("tenders_list_tenders:")]
    assert "tenders_list_tenders: query parameter 'planted' added" in tenders
    assert any("'region' (optional, str | None) → (required, str)" in t for t in tenders)
    assert "tenders_list_tenders: query parameter 'cursor' removed" in tenders
    # Nothing else is said to have drifted.
    assert {line.split(":")[0] for line in drifted} == {
        "test_sdk_drift_planted_route",
        "system_health",
        "tenders_list_tenders",
    }


def test_a_hand_edit_is_drift_too(spec: dict[str, Any]) -> None:
    text = committed()
    edited = text.replace("'body_required': True,", "'body_required': False,", 1)
    assert edited != text
    drifted = sdk_gen.drift(edited, spec)
    assert drifted == ["auction_bids_place_bid: body_required False → True"]
    comment_only = text.replace("do not edit", "do not touch", 1)
    assert sdk_gen.drift(comment_only, spec) == [
        "the file differs from the generator's output (edited by hand?)"
    ]
    assert sdk_gen.drift("x = 1\n", spec)[0].startswith("the committed file cannot be read")


def test_the_cli_writes_the_module_and_checks_it(tmp_path: Path) -> None:
    out = tmp_path / "_operations.py"
    shutil.copy(COMMITTED, out)
    checked = runner.invoke(cli, ["sdk", "generate", "--check", "--out", str(out)])
    assert checked.exit_code == 0, checked.output
    assert "in step" in checked.stdout

    out.write_text(
        committed().replace("'path': '/api/v1/tenders/{tender_id}/publish'", "'path': '/x'"),
        encoding="utf-8",
    )
    drifted = runner.invoke(cli, ["sdk", "generate", "--check", "--out", str(out)])
    assert drifted.exit_code == 1
    assert "tenders_publish_tender: path '/x' → '/api/v1/tenders/{tender_id}/publish'" in (
        drifted.stderr
    )
    assert "out of step" in drifted.stderr

    written = runner.invoke(cli, ["sdk", "generate", "--out", str(out)])
    assert written.exit_code == 0 and "written" in written.stdout
    assert out.read_text(encoding="utf-8") == committed()

    nowhere = runner.invoke(cli, ["sdk", "generate", "--out", str(tmp_path / "no" / "x.py")])
    assert nowhere.exit_code == 1 and "is not a folder" in nowhere.stderr
    missing = runner.invoke(cli, ["sdk", "generate", "--check", "--out", str(tmp_path / "y.py")])
    assert missing.exit_code == 1 and "does not exist" in missing.stderr
