"""What a publisher serves, read into releases: packages, record packages, bare releases and
JSON Lines, gzip or not; what the index keeps of a compiled release; what a URL subscribes to."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from prex.exchange.federation.documents import read_document
from prex.exchange.federation.errors import InvalidSource, UnreadablePackage
from prex.exchange.federation.index import summary
from prex.exchange.federation.sources import SourceKind, classify

R1 = {"ocid": "ocds-a-1", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"]}
R2 = {"ocid": "ocds-a-2", "id": "1", "date": "2026-01-02T00:00:00+08:00", "tag": ["award"]}


def test_a_release_package_gives_its_releases_publisher_and_next_link() -> None:
    body = orjson.dumps({"publisher": {"uid": "X"}, "releases": [R1, None, R2],
                        "links": {"next": "http://h/p2"}})  # fmt: skip
    doc = read_document(body, "p1")
    assert doc.releases == [R1, R2] and doc.publisher == {"uid": "X"}
    assert doc.next_url == "http://h/p2"


def test_json_lines_of_packages_and_releases_gzipped_read_alike() -> None:
    lines = orjson.dumps({"releases": [R1]}) + b"\n\n" + orjson.dumps(R2) + b"\n"
    assert read_document(gzip.compress(lines), "f.gz").releases == [R1, R2]


def test_a_record_package_gives_its_embedded_releases_not_its_linked_ones() -> None:
    linked = {"ocid": "ocds-a-3", "releases": [{"url": "x"}]}
    body = orjson.dumps({"records": [{"ocid": "ocds-a-1", "releases": [R1]}, linked]})
    assert read_document(body, "r").releases == [R1]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"name": "x"}', "neither a release package nor a release"),
        (b'{"releases": {}}', "'releases' is not an array"),
        (b'{"ocid": "a", "id": "1"}\n{"ocid": ', "line 2 is not JSON"),
        (b"\x1f\x8b\x08broken", "broken gzip"),
    ],
)
def test_what_is_not_ocds_is_refused_with_its_reason(data: bytes, reason: str) -> None:
    with pytest.raises(UnreadablePackage, match=reason):
        read_document(data, "somewhere")


def test_the_index_keeps_title_buyer_category_stage_value_and_utc_date() -> None:
    compiled = {"date": "2026-01-02T08:00:00+08:00", "buyer": {"name": "某局"},
                "tender": {"title": "道路工程", "mainProcurementCategory": "works",
                           "value": {"amount": 1200.5, "currency": "CNY"}},
                "awards": [{"id": "a"}]}  # fmt: skip
    assert summary(compiled) == {
        "title": "道路工程", "buyer": "某局", "category": "works", "stage": "award",
        "amount": "1200.5", "currency": "CNY", "date": datetime(2026, 1, 2, tzinfo=UTC),
    }  # fmt: skip
    assert summary({"tender": "odd", "date": 7})["date"] is None


def test_urls_subscribe_to_a_prex_feed_an_ocds_publisher_or_files(tmp_path: Path) -> None:
    feed = "http://city:8000/api/v1/ocds/releases"
    assert classify("http://city:8000") == (SourceKind.PREX, feed)
    assert classify(f"{feed}?cursor=5") == (SourceKind.PREX, feed)
    assert classify("https://x.org/ocds/p.json") == (SourceKind.OCDS, "https://x.org/ocds/p.json")
    assert classify(str(tmp_path)) == (SourceKind.FILES, str(tmp_path.resolve()))
    with pytest.raises(InvalidSource, match="no host"):
        classify("http:///x")
