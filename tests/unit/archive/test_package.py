"""The archive file's packing: the same members give the same bytes whatever their order, the
manifest's bytes are fixed by its content, a damaged file or member is named, and the retention
period ends on the same day years later."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.archive.package import (
    MANIFEST,
    ZIP_DATE,
    FileMember,
    listing,
    manifest_bytes,
    pack,
    read_members,
    unpack,
)
from prex.archive.service import retain_until
from prex.archive.verify import verify_archive

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-./", min_size=1, max_size=30)
members = st.dictionaries(
    names.filter(lambda n: not n.startswith("/") and not n.endswith("/")),
    st.binary(max_size=200),
    max_size=8,
)


@given(members)
def test_the_same_members_give_the_same_bytes_in_any_order(found: dict[str, bytes]) -> None:
    backwards = dict(reversed(list(found.items())))
    assert pack(found) == pack(backwards)
    assert unpack(pack(found)) == found


def test_members_carry_a_fixed_date_and_come_in_a_fixed_order() -> None:
    data = pack({"b": b"2", MANIFEST: b"{}", "a": b"1", "manifest.json.p7s": b"s"})
    infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    assert [i.filename for i in infos] == [MANIFEST, "manifest.json.p7s", "a", "b"]
    assert {i.date_time for i in infos} == {ZIP_DATE}


def test_the_manifest_bytes_and_listing_depend_on_content_only() -> None:
    assert manifest_bytes({"b": 1, "a": "档案"}) == '{\n  "a": "档案",\n  "b": 1\n}\n'.encode()
    assert listing({"x": b"abc"}) == [
        {
            "name": "x",
            "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "size": 3,
        }
    ]


def test_a_file_that_is_not_an_archive_fails_as_the_file() -> None:
    assert [c.name for c in verify_archive(b"not a zip").failures] == ["file"]
    missing = verify_archive(pack({"dossier/x": b"1"}))
    assert MANIFEST in [c.name for c in missing.failures]


def test_a_member_damaged_inside_the_zip_is_named() -> None:
    body = b"".join(hashlib.sha256(bytes([n])).digest() for n in range(100))  # incompressible
    data = bytearray(pack({"dossier/report.json": body}))
    at = data.index(b"dossier/report.json") + 100  # inside the member's compressed bytes
    data[at] ^= 0xFF
    assert [c.name for c in verify_archive(bytes(data)).failures] == ["dossier/report.json"]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31)))
def test_retention_ends_on_the_same_day_years_later(built: datetime) -> None:
    until = retain_until(built.replace(tzinfo=UTC), 30)
    assert until.year == built.year + 30 and until.month == built.month
    assert until.day == built.day or (built.month, built.day, until.day) == (2, 29, 28)


def test_a_leap_day_is_kept_until_the_28th_of_february() -> None:
    assert retain_until(datetime(2028, 2, 29, tzinfo=UTC), 30) == date(2058, 2, 28)


def test_a_file_member_is_streamed_to_the_same_bytes_and_refused_when_damaged(
    tmp_path: Path,
) -> None:
    body = b"".join(hashlib.sha256(n.to_bytes(2, "big")).digest() for n in range(5000))
    path = tmp_path / "blob"
    path.write_bytes(body)
    streamed = FileMember(path, hashlib.sha256(body).hexdigest(), len(body))
    assert pack({"dossier/envelope.bin": streamed}) == pack({"dossier/envelope.bin": body})
    assert listing({"e": streamed}) == listing({"e": body})
    path.write_bytes(body[:-1] + b"\x00")  # damaged on disk after it was stored
    with pytest.raises(ValueError, match="dossier/envelope.bin"):
        pack({"dossier/envelope.bin": streamed})


def test_large_members_are_hashed_as_they_are_read_not_kept() -> None:
    big, small = b"e" * 5000, b"{}"
    data = pack({"dossier/envelope.bin": big, MANIFEST: small})
    kept, digests = read_members(io.BytesIO(data), keep=1000)
    assert kept == {MANIFEST: small}
    assert digests["dossier/envelope.bin"] == (hashlib.sha256(big).hexdigest(), 5000)
