"""The guarantee-provider conformance kit (``prex contract guarantee-provider``): the shipped
``certificate`` provider passes every check; a supplier's broken module, installed as an outside
distribution with its own entry points, fails naming the checks it breaks."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.contract.guarantee_provider import CHECKS, run_kit
from prex.guarantees.orm import guarantees
from prex.worker import run_once
from tests.e2e.test_guarantees import Guarantees, configure_provider
from tests.factories import World, auth
from tests.pki_helpers import trust_world
from tests.pki_openssl import PkiWorld
from tests.unit.extensions.test_discovery import install_distribution

runner = CliRunner()


@pytest.fixture
def kit(services: Services, pki_world: PkiWorld, tmp_path: Path) -> Services:
    trust_world(services, pki_world)
    configure_provider(services, pki_world, tmp_path)
    return services


@pytest.fixture
def broken_supplier(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """acme_guarantees 1.0: one provider binding another applicant and answering a repeated
    release with a new receipt, one that issues for anything, one lacking ``claim``."""
    root = tmp_path / "site"
    root.mkdir()
    install_distribution(
        root,
        "acme_guarantees",
        """
        import dataclasses
        import itertools

        from prex.guarantees.providers import certificate_provider
        from prex.guarantees.provider import Receipt

        _counter = itertools.count()

        class Sloppy:
            def __init__(self, services):
                self.base = certificate_provider(services)
                self.guarantor_name = self.base.guarantor_name
                self.guarantor_uscc = self.base.guarantor_uscc

            def issue(self, application):
                # Binds the applicant's name as its own records spell it, not as applied for.
                spelled = dataclasses.replace(
                    application, applicant_name=application.applicant_name + "（分公司）"
                )
                return self.base.issue(spelled)

            def release(self, notice):
                return Receipt(notice.guarantee_number, "release", f"r{next(_counter)}",
                               self.base.clock.now())

            def claim(self, notice):
                return self.base.claim(notice)

        class Lenient(Sloppy):
            def issue(self, application):
                if application.amount <= 0:
                    application = dataclasses.replace(application, amount=1)
                return self.base.issue(dataclasses.replace(
                    application, cover_until=max(application.cover_until, application.cover_from)
                ))

        class Lacking:
            guarantor_name = "x"
            guarantor_uscc = "x"
            def __init__(self, services):
                pass
            def issue(self, application):
                raise RuntimeError("no")
            def release(self, notice):
                raise RuntimeError("no")

        class Flaky(Sloppy):
            # Issues correctly; its first release fails (its bank API is down).
            down = True

            def issue(self, application):
                return self.base.issue(application)

            def release(self, notice):
                if Flaky.down:
                    Flaky.down = False
                    raise ConnectionError("bank API unavailable")
                return self.base.release(notice)

        def sloppy(services):
            return Sloppy(services)

        def flaky(services):
            return Flaky(services)

        def lenient(services):
            return Lenient(services)

        def lacking(services):
            return Lacking(services)
        """,
        """
        [prex.guarantee_providers]
        acme-sloppy = acme_guarantees:sloppy
        acme-lenient = acme_guarantees:lenient
        acme-lacking = acme_guarantees:lacking
        acme-flaky = acme_guarantees:flaky
        """,
    )
    monkeypatch.syspath_prepend(str(root))
    yield root
    sys.modules.pop("acme_guarantees", None)


def test_the_shipped_provider_conforms(kit: Services) -> None:
    report = run_kit(kit, "certificate")
    assert [c.name for c in report.checks] == list(CHECKS)
    assert report.passed, report.to_json()


def test_a_broken_outside_provider_fails_naming_the_checks(
    kit: Services, broken_supplier: Path
) -> None:
    sloppy = run_kit(kit, "acme-sloppy")
    assert sloppy.failed() == ["issues-verifiable", "binds-application", "release-idempotent"]
    detail = {c.name: c.detail for c in sloppy.checks}
    assert "check 'application'" in detail["issues-verifiable"]
    assert "another receipt" in detail["release-idempotent"]

    lenient = run_kit(kit, "acme-lenient")
    assert "refuses-unservable" in lenient.failed()

    lacking = run_kit(kit, "acme-lacking")
    assert lacking.failed() == list(CHECKS)
    assert "missing claim" in lacking.checks[0].detail


def test_the_cli_reports_and_sets_the_exit_code(
    kit: Services, broken_supplier: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = kit.settings
    monkeypatch.setenv("PREX_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PREX_GUARANTOR_KEY", str(settings.guarantor_key))
    monkeypatch.setenv("PREX_GUARANTOR_CERT", str(settings.guarantor_cert))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")
    passed = runner.invoke(app, ["contract", "guarantee-provider", "certificate", "--json"])
    assert passed.exit_code == 0, passed.output
    assert json.loads(passed.stdout)["passed"] is True
    failed = runner.invoke(app, ["contract", "guarantee-provider", "acme-sloppy"])
    assert failed.exit_code == 1
    assert "FAIL  binds-application" in failed.output
    assert "does not conform" in failed.output
    unknown = runner.invoke(app, ["contract", "guarantee-provider", "nobody"])
    assert unknown.exit_code == 1
    assert "FAIL  protocol" in unknown.output and "no 'nobody' installed" in unknown.output


def test_a_provider_that_fails_to_release_is_retried_by_the_next_worker_pass(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    broken_supplier: Path,
) -> None:
    g = Guarantees(client, services, world, pki_world, tmp_path)
    asked = g.ask(provider="acme-flaky")
    assert asked.status_code == 201 and asked.json()["status"] == "accepted", asked.text
    gid = asked.json()["id"]
    cancelled = client.post(
        f"/api/v1/tenders/{g.tender['id']}/cancel",
        json={"reason": "项目取消"},
        headers=auth(services, "agency"),
    )
    assert cancelled.status_code == 200, cancelled.text
    assert run_once(services).guarantees == 0  # the provider failed: still due
    with services.read_session() as session:
        row = session.execute(select(guarantees).where(guarantees.c.id == gid)).one()
    assert row.status == "releasing" and row.attempts == 1
    assert "bank API unavailable" in row.last_error
    assert run_once(services).guarantees == 1  # retried
    view = client.get(f"/api/v1/guarantees/{gid}", headers=auth(services, "sealer")).json()
    assert view["status"] == "released" and view["outcome"]["receipt"]["reference"]
