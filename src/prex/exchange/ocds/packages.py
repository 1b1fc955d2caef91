"""Release and record packages, and the gzip JSON Lines files of a bulk export.

Package metadata follows OCDS 1.1.5 (``uri``, ``publishedDate``, ``publisher``, ``version``,
``extensions``), in the field order of ``ocdskit package-releases``/``package-records`` so that
outputs diff cleanly against ocdskit's. The ``extensions`` of prex's packages are the bids and
lots extensions it publishes with, at their v1.1.5 tags.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

VERSION = "1.1"
"""The OCDS version of every package prex writes."""

EXTENSION_URLS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
)
"""The extensions prex's releases use (bids, lots), declared in each package it publishes."""


def _package(
    key: str,
    items: list[Any],
    uri: str,
    published_date: str,
    publisher: Mapping[str, Any],
    extensions: Iterable[str] | None,
    packages: Iterable[str] | None = None,
) -> dict[str, Any]:
    package: dict[str, Any] = {
        "uri": uri,
        "publisher": dict(publisher),
        "publishedDate": published_date,
        "version": VERSION,
    }
    extension_list = list(EXTENSION_URLS if extensions is None else extensions)
    if extension_list:
        package["extensions"] = extension_list
    if packages:
        package["packages"] = list(packages)
    package[key] = items
    return package


def release_package(
    releases: Iterable[Mapping[str, Any]],
    uri: str,
    published_date: str,
    publisher: Mapping[str, Any],
    *,
    extensions: Iterable[str] | None = None,
) -> dict[str, Any]:
    """A release package. ``publisher`` needs at least a ``name``; ``extensions`` defaults to
    the bids and lots extensions (pass ``()`` for none, e.g. for libcoveocds offline)."""
    return _package("releases", list(releases), uri, published_date, publisher, extensions)


def record_package(
    records: Iterable[Mapping[str, Any]],
    uri: str,
    published_date: str,
    publisher: Mapping[str, Any],
    *,
    extensions: Iterable[str] | None = None,
    packages: Iterable[str] | None = None,
) -> dict[str, Any]:
    """A record package of records such as :meth:`Compiler.records` yields; ``packages`` lists
    the URIs of the release packages the records' releases came from."""
    return _package("records", list(records), uri, published_date, publisher, extensions, packages)


def write_jsonl_gz(path: str | Path, items: Iterable[Mapping[str, Any]], level: int = 6) -> int:
    """Write one JSON document per line to a gzip file (the bulk export: compiled releases,
    records or releases); returns how many were written. Written to a temporary name first and
    renamed, so a reader never sees half a file."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    count = 0
    dumps = orjson.dumps
    with gzip.open(partial, "wb", compresslevel=level) as handle:
        batch: list[bytes] = []
        for item in items:
            batch.append(dumps(item))
            count += 1
            if len(batch) >= 1000:
                handle.write(b"\n".join(batch) + b"\n")
                batch.clear()
        if batch:
            handle.write(b"\n".join(batch) + b"\n")
    partial.replace(target)
    return count
