"""What prex emits as OCDS, judged by the community's own tools offline: the demo's releases and
compiled releases pass libcoveocds' core checks with no validation error and no value outside a
closed codelist, and the compiled releases prex serves are exactly those of ``ocdskit compile``
over the same releases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from prex.bootstrap import Services
from prex.demo import DemoSeed
from prex.exchange.releases import packages, store
from prex.exchange.releases.publisher import publish_all
from tests.integration.test_ocds_peers import PEERS, normalised, ocdskit_compile


@pytest.fixture
def emitted(
    services: Services, demo: DemoSeed
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    publish_all(services)
    with services.read_session() as session:
        return list(store.iter_releases(session)), list(store.iter_records(session))


def libcove_core(package: dict[str, Any]) -> dict[str, Any]:
    """libcoveocds on the package without its ``extensions`` (the core checks are what runs
    offline: see shared/peers/ocds/README.md); extension fields then count as additional."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig()
    config.config["context"] = "api"
    config.config["standard_zip"] = f"file://{(PEERS / 'standard-1__1__5.zip').resolve()}"
    core = {k: v for k, v in package.items() if k != "extensions"}
    return dict(ocds_json_output(json_data=core, lib_cove_ocds_config=config))


def test_every_package_passes_libcoveocds_core_checks(
    services: Services, emitted: tuple[list[dict[str, Any]], list[dict[str, Any]]]
) -> None:
    releases, records = emitted
    assert len(releases) > 20 and len(records) > 5
    now = datetime(2026, 11, 27, tzinfo=UTC)
    release_package = packages.release_package(services.settings, "https://x/r.json", releases, now)
    # libcoveocds checks a record package against the versioned release schema, which it can
    # only fetch online: the records' content — their releases and compiled releases — goes
    # through the release checks instead (the record package's own shape is checked against
    # its schema with jsonschema in tests/e2e/test_ocds_api.py).
    compiled = [r["compiledRelease"] for r in records]
    compiled_package = packages.release_package(
        services.settings, "https://x/c.json", compiled, now
    )
    for package in (release_package, compiled_package):
        out = libcove_core(package)
        assert out["validation_errors"] == [], out["validation_errors"][:3]
        assert out["additional_closed_codelist_values"] == {}
        # The extension fields (bids, lots) are all that is "additional" to the core schema.
        extra = {
            f["field_name"] for f in out["all_additional_fields"] if f["root_additional_field"]
        }
        assert extra <= {"bids", "lots", "relatedLots", "lotDetails", "submissionTerms"}, extra


def test_compiled_releases_are_those_of_ocdskit_compile(
    emitted: tuple[list[dict[str, Any]], list[dict[str, Any]]],
) -> None:
    releases, records = emitted
    jsonl = b"".join(orjson.dumps(r) + b"\n" for r in releases)
    theirs = sorted(ocdskit_compile(jsonl), key=lambda r: r["ocid"])
    ours = sorted((r["compiledRelease"] for r in records), key=lambda r: r["ocid"])
    assert len(ours) == len(theirs) == len(records)
    assert normalised(ours) == normalised(theirs)
