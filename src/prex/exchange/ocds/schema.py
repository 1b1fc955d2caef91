"""The OCDS 1.1.5 schemas and codelists that ship inside prex, loaded once.

prex never fetches a schema at run time: an exchange centre may run air-gapped, and a schema
read from the network would make compiling and validating depend on someone else's server. The
files under ``data/`` are copied from the standard (tag 1__1__5, Apache-2.0, ``LICENSE-standard``)
and from the bids and lots extensions at their v1.1.5 tags; ``release-schema-bids-lots.json`` is
the release schema with both extension patches merged (RFC 7386).
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources
from typing import Any

import orjson

EXTENSIONS = ("bids", "lots")
"""The extensions prex publishes with, in the order their patches were applied."""


def _data(*parts: str) -> bytes:
    node = resources.files("prex.exchange.ocds").joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node.read_bytes()


@cache
def release_schema() -> dict[str, Any]:
    """The release schema patched with the bids and lots extensions (merge rules, validation)."""
    return dict(orjson.loads(_data("release-schema-bids-lots.json")))


@cache
def core_release_schema() -> dict[str, Any]:
    """The unpatched OCDS 1.1.5 release schema."""
    return dict(orjson.loads(_data("release-schema.json")))


@cache
def release_package_schema() -> dict[str, Any]:
    """The OCDS 1.1.5 release package schema (``releases`` refer to the release schema by URL)."""
    return dict(orjson.loads(_data("release-package-schema.json")))


@cache
def record_package_schema() -> dict[str, Any]:
    """The OCDS 1.1.5 record package schema."""
    return dict(orjson.loads(_data("record-package-schema.json")))


@cache
def codelists() -> dict[str, frozenset[str]]:
    """Every codelist of the standard and of both extensions: file name → codes.

    An extension's codelist of the same name would replace the standard's; the bids and lots
    extensions only add new ones (``bidStatus.csv``, ``bidStatistics.csv``).
    """
    lists: dict[str, frozenset[str]] = {}
    folders = [("codelists",)] + [("extensions", ext, "codelists") for ext in EXTENSIONS]
    for folder in folders:
        root = resources.files("prex.exchange.ocds").joinpath("data")
        for part in folder:
            root = root.joinpath(part)
        if not root.is_dir():
            continue
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".csv"):
                text = entry.read_text(encoding="utf-8")
                lists[entry.name] = frozenset(
                    row["Code"] for row in csv.DictReader(io.StringIO(text))
                )
    return lists
