"""prex's OCDS library against the reference tools, on the same data: compiled releases equal to
``ocdskit compile``'s, validation findings equal to libcoveocds' core checks on a corpus seeded
with errors, field coverage equal to Cardinal's. The peers' files are read, never written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import ocdscardinal
import orjson
from bench import ocds_corpus

from prex.exchange.ocds import Compiler, Validator, coverage_jsonl, release_package
from prex.exchange.ocds.schema import release_schema

PEERS = Path(__file__).resolve().parents[2] / ".." / "shared" / "peers" / "ocds"
DATA = Path(__file__).resolve().parents[2] / "src" / "prex" / "exchange" / "ocds" / "data"
OCDSKIT = Path(sys.executable).with_name("ocdskit")
META = ("https://ggzy.example.cn/ocds/p.json", "2026-11-27T00:00:00Z", {"name": "某中心"})


def edge_releases() -> list[dict[str, Any]]:
    """Releases that exercise the merge's corners, for one process."""
    ocid = "ocds-prex01-edge"

    def release(n: int, date: str, **fields: Any) -> dict[str, Any]:
        return {"ocid": ocid, "id": f"e{n}", "date": date, "tag": ["tender"],
                "initiationType": "tender", **fields}  # fmt: skip

    return [
        release(1, "2026-01-01T00:00:00Z", tender={"id": "t", "title": "a", "items": [
            {"id": "1", "quantity": 1}, {"id": 2, "description": "x"}, {"id": "1", "unit": {}}]},
            parties=[{"id": "o1", "roles": ["buyer", "payer"], "address": {"locality": None}}]),
        release(2, "2026-01-02T00:00:00Z", tender={"title": None, "items": [
            {"id": 2, "quantity": 3}, {"description": "no id"}], "submissionMethod": []},
            parties=[{"id": "o1", "roles": ["buyer"]}], awards=[]),
        release(3, "2026-01-02T00:00:00Z", tender={"status": "active", "lots": [{"id": "L1"}]},
                awards=[{"id": "a", "relatedLots": ["L1"], "suppliers": [{"id": "o2"}]}]),
        release(4, "2026-01-03T00:00:00Z", awards=[{"id": "a", "relatedLots": ["L2"],
                "suppliers": [{"name": "x"}]}], language=None),
    ]  # fmt: skip


def ocdskit_compile(jsonl: bytes) -> list[dict[str, Any]]:
    out = subprocess.run(
        [str(OCDSKIT), "compile", "--schema", str(PEERS / "release-schema-bids-lots.json")],
        input=jsonl,
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout
    return [orjson.loads(line) for line in out.splitlines() if line.strip()]


def normalised(items: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(item, option=orjson.OPT_SORT_KEYS) for item in items]


def test_the_packaged_schemas_are_the_peers_files_byte_for_byte() -> None:
    pairs = [
        ("release-schema-bids-lots.json", "release-schema-bids-lots.json"),
        ("1.1.5/schema/release-schema.json", "release-schema.json"),
        ("1.1.5/schema/release-package-schema.json", "release-package-schema.json"),
        ("1.1.5/schema/record-package-schema.json", "record-package-schema.json"),
        ("LICENSE-standard", "LICENSE-standard"),
    ]
    pairs += [(f"1.1.5/schema/codelists/{p.name}", f"codelists/{p.name}")
              for p in (PEERS / "1.1.5/schema/codelists").glob("*.csv")]  # fmt: skip
    pairs += [(f"extensions/bids/codelists/{p.name}", f"extensions/bids/codelists/{p.name}")
              for p in (PEERS / "extensions/bids/codelists").glob("*.csv")]  # fmt: skip
    for peer, ours in pairs:
        assert (DATA / ours).read_bytes() == (PEERS / peer).read_bytes(), ours
    assert release_schema() == orjson.loads((PEERS / "release-schema-bids-lots.json").read_bytes())


def test_compiled_releases_are_those_of_ocdskit_compile() -> None:
    releases = ocds_corpus.generate(150, seed=11) + edge_releases()
    jsonl = ocds_corpus.to_package_jsonl(releases, per_package=40)
    compiler = Compiler()
    compiler.add_jsonl(jsonl.splitlines())
    ours = list(compiler.compiled_releases())
    theirs = ocdskit_compile(jsonl)
    assert len(ours) == len(theirs) == 151
    assert normalised(ours) == normalised(theirs)
    edge = next(r for r in ours if r["ocid"] == "ocds-prex01-edge")
    assert edge["awards"][0]["relatedLots"] == ["L2"]  # the edge case did reach the merge


def test_validation_findings_are_libcoveocds_core_findings_on_seeded_errors() -> None:
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    releases = ocds_corpus.generate(120, seed=5)
    assert ocds_corpus.seed_errors(releases, seed=3, rate=0.25) > 40
    package = release_package(releases, *META, extensions=())
    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = f"file://{(PEERS / 'standard-1__1__5.zip').resolve()}"
    theirs = ocds_corpus.comparable_libcove(
        ocds_json_output(json_data=package, lib_cove_ocds_config=config)
    )
    findings = Validator(extended=False).validate_package(package)
    assert ocds_corpus.comparable_prex(findings) == theirs
    # The corpus did carry every kind of error the comparison is about.
    kinds = {".".join(f.code.split(".")[:2]) for f in findings}
    assert {"schema.type", "schema.required", "schema.format", "schema.minLength"} <= kinds
    assert {"codelist.closed", "codelist.open", "field.additional", "id.duplicate"} <= kinds


def test_field_coverage_is_cardinals(tmp_path: Path) -> None:
    compiler = Compiler()
    compiler.add_all(ocds_corpus.generate(200, seed=9) + edge_releases())
    path = tmp_path / "compiled.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in compiler.compiled_releases()))
    expected = ocdscardinal.coverage(str(path))
    assert coverage_jsonl(path) == expected
    assert coverage_jsonl(path, processes=2) == expected
    assert expected["/awards[]/relatedLots[]"] > 0
