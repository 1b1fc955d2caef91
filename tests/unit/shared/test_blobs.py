"""The content-addressed blob store and the file-name guard."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.shared.blobs import FileBlobStore, TooLarge, safe_filename
from prex.shared.errors import InvalidInput, NotFound


def test_a_blob_is_named_by_its_sha256_and_stored_once(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    data = "招标文件".encode() * 1000
    first = store.put([data[:100], data[100:]], max_bytes=10**6)
    second = store.put([data], max_bytes=10**6)
    assert first == second
    assert first.sha256 == hashlib.sha256(data).hexdigest() and first.size == len(data)
    assert b"".join(store.iter_bytes(first.sha256)) == data
    assert len([p for p in tmp_path.rglob("*") if p.is_file()]) == 1


def test_an_oversized_blob_is_refused_and_leaves_nothing_behind(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    with pytest.raises(TooLarge, match="limit of 10 bytes"):
        store.put([b"123456", b"789012"], max_bytes=10)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_blob_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    assert FileBlobStore(tmp_path).put([b"1234567890"], max_bytes=10).size == 10


def test_a_name_that_is_not_a_sha256_is_not_found(tmp_path: Path) -> None:
    store = FileBlobStore(tmp_path)
    with pytest.raises(NotFound):
        store.open("../../etc/passwd")
    with pytest.raises(NotFound):
        store.exists("A" * 64)


@pytest.mark.parametrize(
    "name",
    [
        "../secret",
        "a/../../b",
        "..",
        ".htaccess",
        "dir/file.pdf",
        "c:\\x.pdf",
        "a\x00.pdf",
        "line\nbreak.pdf",
        "",
        "   ",
        "x" * 256,
    ],
)
def test_dangerous_file_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        safe_filename(name)


@pytest.mark.parametrize("name", ["招标文件.pdf", "Bill of quantities (v2).xlsx", "图纸-A_01.zip"])
def test_ordinary_file_names_pass(name: str) -> None:
    assert safe_filename(name) == name


@given(st.text(min_size=1, max_size=300))
def test_an_accepted_name_never_escapes_a_folder(name: str) -> None:
    try:
        cleaned = safe_filename(name)
    except InvalidInput:
        return
    base = Path("/srv/blobs")
    assert (base / cleaned).resolve().parent == base
