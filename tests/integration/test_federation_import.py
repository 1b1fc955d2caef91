"""``prex import ocds``: release packages from outside, compiled exactly as ``ocdskit compile``
compiles them; importing twice adds nothing; a broken file adds nothing; invalid releases are
stored with their findings; an ocid shared by two sources stays two processes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from bench import ocds_corpus
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from prex.bootstrap import Services
from prex.cli.main import app
from prex.exchange.federation.importing import import_demo_publisher
from prex.exchange.federation.orm import federated_records, federated_releases, ocds_index
from prex.web.app import create_app
from tests.integration.test_ocds_peers import edge_releases, normalised, ocdskit_compile

runner = CliRunner()


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")


def corpus_files(tmp: Path, releases: list[dict[str, Any]]) -> tuple[list[Path], bytes]:
    """The releases as three files of different shapes: a release package (JSON), gzip JSON
    Lines of packages, and plain JSON Lines of bare releases."""
    third = len(releases) // 3
    first = tmp / "a.json"
    first.write_bytes(
        orjson.dumps(
            {
                "uri": "https://ggzy.example.cn/a.json",
                "version": "1.1",
                "publishedDate": "2026-11-27T00:00:00Z",
                "publisher": {"name": "某省公共资源交易中心", "uid": "EXT01"},
                "releases": releases[:third],
            }
        )  # fmt: skip
    )
    second = tmp / "b.jsonl.gz"
    second.write_bytes(gzip.compress(ocds_corpus.to_package_jsonl(releases[third : 2 * third], 25)))
    rest = tmp / "c.jsonl"
    rest.write_bytes(ocds_corpus.to_jsonl(releases[2 * third :]))
    return [first, second, rest], ocds_corpus.to_package_jsonl(releases, 40)


def compiled_of(services: Services, source: str) -> list[dict[str, Any]]:
    with services.read_session() as session:
        rows = session.execute(
            select(federated_records.c.compiled)
            .where(federated_records.c.source == source)
            .order_by(federated_records.c.ocid)
        ).scalars()
        return [dict(r) for r in rows]


def count(services: Services, table: Any, source: str) -> int:
    with services.read_session() as session:
        return int(
            session.execute(
                select(func.count()).select_from(table).where(table.c.source == source)
            ).scalar_one()
        )


def test_imported_packages_compile_to_what_ocdskit_compile_gives(
    services: Services, env: None, tmp_path: Path
) -> None:
    releases = ocds_corpus.generate(60, seed=17) + edge_releases()
    files, jsonl = corpus_files(tmp_path, releases)
    result = runner.invoke(app, ["import", "ocds", *map(str, files), "--source", "EXT01", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["stored"] == len(releases) and summary["files"] == 3
    ours = compiled_of(services, "EXT01")
    theirs = ocdskit_compile(jsonl)
    assert len(ours) == len(theirs) == 61
    assert normalised(ours) == normalised(theirs)

    again = runner.invoke(app, ["import", "ocds", *map(str, files), "--source", "EXT01", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["stored"] == 0
    assert json.loads(again.stdout)["duplicates"] == len(releases)
    assert count(services, federated_releases, "EXT01") == len(releases)
    assert compiled_of(services, "EXT01") == ours
    assert count(services, ocds_index, "EXT01") == 61


def test_a_broken_file_adds_nothing_and_fails_in_one_line(
    services: Services, env: None, tmp_path: Path
) -> None:
    releases = ocds_corpus.generate(5, seed=3)
    good = tmp_path / "good.jsonl"
    good.write_bytes(ocds_corpus.to_jsonl(releases))
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(ocds_corpus.to_jsonl(ocds_corpus.generate(4, seed=4))[:-40] + b"\n")
    result = runner.invoke(app, ["import", "ocds", str(broken), "--source", "EXT02"])
    assert result.exit_code == 1
    assert "is not JSON" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert count(services, federated_releases, "EXT02") == 0
    missing = runner.invoke(app, ["import", "ocds", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "no such file" in missing.stderr
    ok = runner.invoke(app, ["import", "ocds", str(good), "--source", "EXT02", "--json"])
    assert ok.exit_code == 0, ok.output
    assert count(services, federated_releases, "EXT02") == len(releases)


def test_invalid_releases_are_stored_with_their_findings_and_unusable_ones_counted(
    services: Services, env: None, tmp_path: Path
) -> None:
    releases = ocds_corpus.generate(30, seed=5)
    seeded = ocds_corpus.seed_errors(releases, seed=3, rate=0.3)
    assert seeded > 5
    unusable = {"ocid": "ocds-x-1", "tag": ["tender"], "date": "2026-01-01T00:00:00Z"}  # no id
    path = tmp_path / "p.jsonl"
    path.write_bytes(ocds_corpus.to_jsonl([*releases, unusable]))
    result = runner.invoke(app, ["import", "ocds", str(path), "--source", "EXT03", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    usable = [r for r in releases if isinstance(r.get("id"), str | int) and r.get("date")]
    assert summary["rejected"] >= 1 and summary["invalid"] > 0
    with services.read_session() as session:
        flagged = session.execute(
            select(federated_releases.c.findings).where(
                federated_releases.c.source == "EXT03", federated_releases.c.findings.is_not(None)
            )
        ).scalars().all()  # fmt: skip
    assert len(flagged) == summary["invalid"]
    assert all(f and {"code", "path", "message"} <= set(f[0]) for f in flagged)
    assert summary["stored"] + summary["rejected"] + summary["duplicates"] == len(releases) + 1
    assert summary["stored"] <= len(usable)


def test_one_ocid_in_two_sources_stays_two_processes(
    services: Services, env: None, tmp_path: Path
) -> None:
    base = {"ocid": "ocds-same-1", "tag": ["tender"], "initiationType": "tender"}
    for code, title in (("CITYA", "甲"), ("CITYB", "乙")):
        path = tmp_path / f"{code}.json"
        release = {**base, "id": "1", "date": "2026-01-01T00:00:00Z", "tender": {"id": "t",
                   "title": title}}  # fmt: skip
        path.write_bytes(orjson.dumps({"releases": [release]}))
        result = runner.invoke(app, ["import", "ocds", str(path), "--source", code])
        assert result.exit_code == 0, result.output
    assert [r["tender"]["title"] for r in compiled_of(services, "CITYA")] == ["甲"]
    assert [r["tender"]["title"] for r in compiled_of(services, "CITYB")] == ["乙"]


def test_the_demo_publisher_imports_once_as_a_source_of_valid_releases(
    services: Services,
) -> None:
    first = import_demo_publisher(services)
    assert first.source == "OCDS-DEMO" and first.totals.stored == 41
    assert first.totals.invalid == 0 and first.totals.records == 12
    assert import_demo_publisher(services).totals.stored == 0
    assert count(services, ocds_index, "OCDS-DEMO") == 12


def test_the_search_filters_by_text_source_category_and_date_across_sources(
    services: Services, env: None, tmp_path: Path
) -> None:
    def release(ocid: str, title: str, category: str, date: str) -> dict[str, Any]:
        tender = {"id": "t", "title": title, "mainProcurementCategory": category}
        return {"ocid": ocid, "id": "1", "date": date, "tag": ["tender"], "tender": tender}

    files = {
        "CITYA": [release("ocds-a-1", "Road WORKS 道路", "works", "2026-01-05T00:00:00Z"),
                  release("ocds-a-2", "办公用品", "goods", "2026-02-05T00:00:00Z")],
        "CITYB": [release("ocds-a-1", "bridge works 桥梁", "works", "2026-03-05T00:00:00Z")],
    }  # fmt: skip
    for code, releases in files.items():
        path = tmp_path / f"{code}.json"
        path.write_bytes(orjson.dumps({"releases": releases}))
        assert runner.invoke(app, ["import", "ocds", str(path), "--source", code]).exit_code == 0
    with TestClient(create_app(services)) as client:

        def found(**params: str) -> list[tuple[str, str]]:
            response = client.get("/api/v1/ocds/search", params=params)
            assert response.status_code == 200, response.text
            return [(h["source"], h["ocid"]) for h in response.json()["hits"]]

        assert found(q="works") == [("CITYA", "ocds-a-1"), ("CITYB", "ocds-a-1")]
        assert found(q="道路") == [("CITYA", "ocds-a-1")]
        assert found(type="goods") == [("CITYA", "ocds-a-2")]
        assert found(source="CITYB") == [("CITYB", "ocds-a-1")]
        assert found(**{"from": "2026-02-01T00:00:00Z", "to": "2026-02-28T00:00:00Z"}) == [
            ("CITYA", "ocds-a-2")
        ]
        first = client.get("/api/v1/ocds/search", params={"limit": 2}).json()
        assert first["total"] == 3 and len(first["hits"]) == 2
        rest = client.get(first["next"].replace("http://testserver", "")).json()
        assert [(h["source"], h["ocid"]) for h in rest["hits"]] == [("CITYB", "ocds-a-1")]
        page = client.get("/federation", params={"q": "works", "lang": "en"})
        assert page.status_code == 200 and "2 processes found" in page.text
        zh = client.get("/federation", params={"source": "CITYB", "lang": "zh_CN"})
        assert "共找到 1 个交易项目" in zh.text and "来源中心" in zh.text
        bad = client.get("/federation", params={"from": "yesterday"})
        assert bad.status_code == 422 and "is not a date" in bad.text
