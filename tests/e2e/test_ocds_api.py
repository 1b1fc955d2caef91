"""The OCDS API and the bulk export, anonymous: release packages paged by ``links.next``, one
release, a record package; problems for unknown ids and bad cursors; the response models in the
OpenAPI document; ``prex export ocds`` writing gzip JSON Lines, and a one-line error when it
cannot write."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.demo import DemoSeed
from prex.exchange.releases import store
from prex.exchange.releases.packages import EXTENSIONS
from prex.exchange.releases.publisher import publish_all
from tests.ocds_checks import schema_errors

runner = CliRunner()
URL = "/api/v1/ocds"


@pytest.fixture
def published(services: Services, demo: DemoSeed) -> int:
    publish_all(services)
    with services.read_session() as session:
        return store.counts(session)[0]


def _problem(response: object, status: int, slug: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["type"] == f"/problems/{slug}" and body["detail"], body


def test_the_release_feed_pages_every_release_once_in_publication_order(
    client: TestClient, published: int
) -> None:
    url: str | None = f"{URL}/releases?limit=7"
    seen: list[str] = []
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, response.text
        package = response.json()
        assert schema_errors("release-package", package) == []
        assert package["version"] == "1.1" and package["extensions"] == EXTENSIONS
        assert package["publisher"]["name"]
        assert package["uri"].startswith("http://testserver/api/v1/ocds/releases")
        assert len(package["releases"]) <= 7
        seen += [r["id"] for r in package["releases"]]
        url = (package.get("links") or {}).get("next")
    assert len(seen) == len(set(seen)) == published

    one = client.get(f"{URL}/releases/{seen[0]}")
    assert one.status_code == 200
    assert [r["id"] for r in one.json()["releases"]] == [seen[0]]
    assert schema_errors("release-package", one.json()) == []


def test_a_record_package_has_every_release_and_the_compiled_release(
    client: TestClient, published: int
) -> None:
    first = client.get(f"{URL}/releases?limit=1000").json()["releases"]
    ocid = max({r["ocid"] for r in first}, key=lambda o: sum(r["ocid"] == o for r in first))
    response = client.get(f"{URL}/records/{ocid}")
    assert response.status_code == 200, response.text
    package = response.json()
    assert schema_errors("record-package", package) == []
    (record,) = package["records"]
    assert record["ocid"] == ocid
    assert [r["id"] for r in record["releases"]] == [r["id"] for r in first if r["ocid"] == ocid]
    assert record["compiledRelease"]["tag"] == ["compiled"]
    assert package["publishedDate"] == max(r["date"] for r in record["releases"])


def test_unknown_ids_and_bad_cursors_are_problems(client: TestClient, published: int) -> None:
    _problem(client.get(f"{URL}/releases/nope"), 404, "ocds-release-not-found")
    _problem(client.get(f"{URL}/records/ocds-prex00-nope"), 404, "ocds-record-not-found")
    _problem(client.get(f"{URL}/releases?cursor=abc"), 422, "invalid-cursor")
    _problem(client.get(f"{URL}/releases?limit=0"), 422, "invalid-input")
    last = client.get(f"{URL}/releases?cursor={published}").json()
    assert last["releases"] == [] and "links" not in last


def test_the_openapi_document_describes_the_packages(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert {"ReleasePackage", "RecordPackage"} <= set(schemas)
    get = document["paths"]["/api/v1/ocds/releases"]["get"]
    body = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/ReleasePackage")
    assert {"/api/v1/ocds/releases/{release_id}", "/api/v1/ocds/records/{ocid}"} <= set(
        document["paths"]
    )


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")


def test_export_writes_releases_and_records_as_gzip_json_lines(
    published: int, env: None, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", "ocds", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["releases"] == published and summary["records"] > 0
    with gzip.open(out / "releases.jsonl.gz", "rt", encoding="utf-8") as fh:
        releases = [json.loads(line) for line in fh]
    with gzip.open(out / "records.jsonl.gz", "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    assert len(releases) == published and len(records) == summary["records"]
    meta = json.loads((out / "package.json").read_text("utf-8"))
    assert schema_errors("release-package", {**meta, "releases": releases}) == []
    assert schema_errors("record-package", {**meta, "records": records}) == []
    again = runner.invoke(app, ["export", "ocds", "--out", str(out)])
    assert again.exit_code == 0 and "releases" in again.output
    assert not list(out.glob("*.partial"))


def test_export_into_an_unwritable_place_is_one_line_and_exit_1(
    services: Services, env: None, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["export", "ocds", "--out", str(blocker / "sub")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "a-file" in lines[0]
