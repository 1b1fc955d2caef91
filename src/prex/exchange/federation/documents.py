"""Reading what a publisher serves into releases: a release package, a record package (its
embedded releases), a bare release, or JSON Lines of any of these — gzip-compressed or not; or
an index, a JSON array of release-package URLs.

A document is read whole before anything of it is stored, so that a file or a page is
imported entirely or not at all.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from prex.exchange.federation.errors import UnreadablePackage


@dataclass
class Document:
    """The releases of one document, in the order they came, and what its envelope says."""

    releases: list[Any] = field(default_factory=list)
    publisher: dict[str, Any] = field(default_factory=dict)
    next_url: str | None = None  # ``links.next`` of a paged feed
    package_urls: list[str] = field(default_factory=list)  # a list of package URLs instead


def _absorb(doc: Document, item: Any, location: str) -> None:
    if not isinstance(item, dict):
        raise UnreadablePackage(location, "expected a JSON object (a package or a release)")
    if "releases" in item and "ocid" not in item:
        releases = item["releases"]
        if not isinstance(releases, list):
            raise UnreadablePackage(location, "'releases' is not an array")
        doc.releases.extend(r for r in releases if r is not None)  # null skipped, as ocdskit
    elif "records" in item:
        records = item["records"]
        if not isinstance(records, list):
            raise UnreadablePackage(location, "'records' is not an array")
        for record in records:
            embedded = record.get("releases") if isinstance(record, dict) else None
            if isinstance(embedded, list):  # linked releases (url only) carry nothing to store
                doc.releases.extend(r for r in embedded if isinstance(r, dict) and "date" in r)
    elif "ocid" in item:
        doc.releases.append(item)
    else:
        raise UnreadablePackage(location, "neither a release package nor a release")
    publisher = item.get("publisher")
    if isinstance(publisher, dict) and not doc.publisher:
        doc.publisher = publisher
    links = item.get("links")
    if isinstance(links, Mapping) and isinstance(links.get("next"), str):
        doc.next_url = links["next"]


def decompress(data: bytes, location: str) -> bytes:
    """The bytes, gunzipped when they are gzip (by their magic number, not their name)."""
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadablePackage(location, f"broken gzip: {exc}") from exc


def read_document(data: bytes, location: str) -> Document:
    """Parse one document (JSON or JSON Lines, gzip or not); raise on anything unreadable."""
    data = decompress(data, location)
    doc = Document()
    try:
        whole = orjson.loads(data)
    except orjson.JSONDecodeError:
        whole = None
        lines = data.splitlines()
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise UnreadablePackage(location, f"line {number} is not JSON: {exc}") from exc
            _absorb(doc, item, f"{location} line {number}")
        if not any(line.strip() for line in lines):
            raise UnreadablePackage(location, "empty") from None
        return doc
    if isinstance(whole, list) and whole and all(isinstance(i, str) for i in whole):
        doc.package_urls = list(whole)  # an index of release packages
    elif isinstance(whole, list):
        for item in whole:
            _absorb(doc, item, location)
    else:
        _absorb(doc, whole, location)
    return doc
