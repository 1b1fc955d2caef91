"""Packages carry OCDS 1.1 metadata and the extensions; the bulk file round-trips."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from prex.exchange.ocds import Compiler, record_package, release_package, write_jsonl_gz
from prex.exchange.ocds.packages import EXTENSION_URLS
from prex.exchange.ocds.schema import codelists, record_package_schema, release_package_schema

RELEASE = {"ocid": "ocds-prex01-1", "id": "r1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"]}
PUBLISHER = {"name": "某省公共资源交易中心"}


def test_a_release_package_declares_version_and_the_bids_and_lots_extensions() -> None:
    package = release_package([RELEASE], "https://x.cn/p.json", "2026-11-27T00:00:00Z", PUBLISHER)
    assert list(package) == ["uri", "publisher", "publishedDate", "version", "extensions",
                             "releases"]  # fmt: skip
    assert package["version"] == "1.1" and package["extensions"] == list(EXTENSION_URLS)
    assert "extensions" not in release_package([], "u", "d", PUBLISHER, extensions=())


def test_a_record_package_holds_the_compilers_records() -> None:
    compiler = Compiler()
    compiler.add(RELEASE)
    package = record_package(compiler.records(), "https://x.cn/r.json", "2026-11-27T00:00:00Z",
                             PUBLISHER, packages=["https://x.cn/p.json"])  # fmt: skip
    assert package["packages"] == ["https://x.cn/p.json"]
    assert package["records"][0]["compiledRelease"]["tag"] == ["compiled"]


def test_the_bulk_file_is_gzip_json_lines_and_appears_whole(tmp_path: Path) -> None:
    target = tmp_path / "compiled.jsonl.gz"
    assert write_jsonl_gz(target, ({**RELEASE, "id": str(n)} for n in range(2500))) == 2500
    with gzip.open(target, "rt", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    assert [line["id"] for line in lines] == [str(n) for n in range(2500)]
    assert not list(tmp_path.glob("*.partial"))


def test_the_packaged_schemas_and_codelists_are_those_of_ocds_1_1_5() -> None:
    assert release_package_schema()["id"].endswith("1__1__5/release-package-schema.json")
    assert record_package_schema()["id"].endswith("1__1__5/record-package-schema.json")
    assert {"currency.csv", "bidStatus.csv", "bidStatistics.csv"} <= set(codelists())
    assert "CNY" in codelists()["currency.csv"]


def test_the_compiler_yields_record_packages_of_a_given_size_in_ocid_order() -> None:
    compiler = Compiler()
    compiler.add_all({**RELEASE, "ocid": f"ocds-prex01-{n:02d}"} for n in reversed(range(5)))
    uri, date = "https://x.cn/records-{n}.json", "2026-11-27T00:00:00Z"
    packages = list(compiler.record_packages(uri, date, PUBLISHER, per_package=2))
    assert [p["uri"] for p in packages] == [f"https://x.cn/records-{n}.json" for n in range(3)]
    assert [[r["ocid"][-2:] for r in p["records"]] for p in packages] == [
        ["00", "01"], ["02", "03"], ["04"]
    ]  # fmt: skip
