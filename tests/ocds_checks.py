"""Checking OCDS output against the standard kept in ``shared/peers/ocds`` (read, never written):
the release schema patched with the bids and lots extensions, the package schemas (their
``$ref`` to the release schema resolved to that patched schema, offline), and the codelists."""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.conftest import REPO_ROOT

PEERS = REPO_ROOT.parent / "shared" / "peers" / "ocds"
SCHEMA_URL = "https://standard.open-contracting.org/schema/1__1__5/"


def _load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text("utf-8")))


@cache
def _registry() -> Registry:
    release = _load(PEERS / "release-schema-bids-lots.json")
    versioned = _load(PEERS / "1.1.5" / "schema" / "versioned-release-validation-schema.json")
    return Registry().with_resources(
        [
            (SCHEMA_URL + "release-schema.json", Resource(release, DRAFT4)),
            (SCHEMA_URL + "versioned-release-validation-schema.json", Resource(versioned, DRAFT4)),
        ]
    )


@cache
def _validator(name: str) -> Draft4Validator:
    if name == "release":
        schema = _load(PEERS / "release-schema-bids-lots.json")
    else:
        schema = _load(PEERS / "1.1.5" / "schema" / f"{name}-schema.json")
    return Draft4Validator(schema, registry=_registry(), format_checker=FormatChecker())


def schema_errors(kind: str, document: dict[str, Any]) -> list[str]:
    """Every error of ``document`` against ``release``, ``release-package`` or
    ``record-package``; empty when valid."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in _validator(kind).iter_errors(document)
    ]


@cache
def codelist(name: str) -> frozenset[str]:
    """The codes of a codelist of the standard or of the bids extension."""
    for folder in (PEERS / "1.1.5" / "schema" / "codelists", PEERS / "extensions/bids/codelists"):
        path = folder / f"{name}.csv"
        if path.exists():
            with path.open(encoding="utf-8") as fh:
                return frozenset(row["Code"] for row in csv.DictReader(fh))
    raise FileNotFoundError(name)


def codelist_errors(release: dict[str, Any]) -> list[str]:
    """Codes of closed codelists that are not in them."""
    checks: list[tuple[str, list[Any]]] = [
        ("releaseTag", release["tag"]),
        ("initiationType", [release["initiationType"]]),
        ("partyRole", [r for p in release.get("parties", []) for r in p["roles"]]),
    ]
    tender = release.get("tender", {})
    checks += [
        ("tenderStatus", [tender["status"]] if "status" in tender else []),
        ("tenderStatus", [lot["status"] for lot in tender.get("lots", [])]),
        ("method", [tender["procurementMethod"]] if "procurementMethod" in tender else []),
        (
            "procurementCategory",
            [tender.get("mainProcurementCategory")]
            if tender.get("mainProcurementCategory")
            else [],
        ),
        ("submissionMethod", tender.get("submissionMethod", [])),
        ("documentType", [d["documentType"] for d in tender.get("documents", [])]),
        ("awardStatus", [a["status"] for a in release.get("awards", [])]),
        ("contractStatus", [c["status"] for c in release.get("contracts", [])]),
        ("bidStatus", [b["status"] for b in release.get("bids", {}).get("details", [])]),
        ("bidStatistics", [s["measure"] for s in release.get("bids", {}).get("statistics", [])]),
    ]
    return [
        f"{release['id']}: {code!r} not in {name}"
        for name, codes in checks
        for code in codes
        if code not in codelist(name)
    ]
