"""Release and record packages: the metadata every OCDS package carries (publisher, uri,
version, extensions), from the centre's settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prex.config import Settings
from prex.exchange.releases.mapping import rfc3339

VERSION = "1.1"
# The extensions prex's releases use, at the tags the stored schema was built from.
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bids_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
]
LICENSE = "https://creativecommons.org/publicdomain/zero/1.0/"


def publisher(settings: Settings) -> dict[str, Any]:
    """This centre as the publisher: its name, its platform code and its address."""
    return {"name": settings.platform_name, "uid": settings.platform_code, "uri": settings.base_url}


def metadata(settings: Settings, uri: str, published: datetime) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": rfc3339(published),
        "publisher": publisher(settings),
        "license": LICENSE,
        "extensions": list(EXTENSIONS),
    }


def published_date(releases: list[dict[str, Any]], fallback: datetime) -> datetime:
    """A package is as new as its newest release (or, empty, the time it was asked for)."""
    dates = [datetime.fromisoformat(r["date"]) for r in releases]
    return max(dates) if dates else fallback


def release_package(
    settings: Settings, uri: str, releases: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    return {**metadata(settings, uri, published_date(releases, now)), "releases": releases}


def record_package(
    settings: Settings, uri: str, records: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    every = [r for record in records for r in record["releases"]]
    return {**metadata(settings, uri, published_date(every, now)), "records": records}
