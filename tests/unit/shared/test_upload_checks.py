"""The shared upload checker: sniffing, declared types, archive bombs, names; nothing kept."""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.envelope.container import MAGIC as ENVELOPE_MAGIC
from prex.shared.blobs import FileBlobStore, TooLarge
from prex.shared.upload_checks import (
    MAGIC,
    UploadLimits,
    UploadRefused,
    check_archive,
    check_type,
    checked,
    sniff,
)

LIMITS = UploadLimits(max_bytes=20 * 1024 * 1024)


def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def _store(tmp_path: Path, data: bytes, name: str, media_type: str) -> FileBlobStore:
    store = FileBlobStore(tmp_path / "blobs")
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)] or [b""]
    store.put(checked(chunks, filename=name, media_type=media_type, limits=LIMITS), max_bytes=10**9)
    return store


def _refused(tmp_path: Path, data: bytes, name: str, media_type: str) -> str:
    with pytest.raises(UploadRefused) as caught:
        _store(tmp_path, data, name, media_type)
    kept = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert kept == [], "a refused upload left a file behind"
    return caught.value.check


def test_the_envelope_magic_is_the_container_format_s() -> None:
    assert MAGIC["envelope"] == (ENVELOPE_MAGIC,)


@pytest.mark.parametrize(
    ("data", "family"),
    [
        (b"%PDF-1.7\n", "pdf"),
        (_zip({"word/document.xml": b"<w/>"}), "zip"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "png"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "jpeg"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", "ole"),
        (ENVELOPE_MAGIC + b"\0\0\0\2{}", "envelope"),
        ("名称,金额\n甲,1\n".encode(), "text"),
        ("名称,金额\n".encode("gb18030"), "text"),
        (b"\0\1\2\3binary", None),
    ],
)
def test_sniffing_knows_the_formats(data: bytes, family: str | None) -> None:
    assert sniff(data) == family


# How a file claims each binary family: (file name, declared media type).
CLAIMS = {
    "pdf": ("x.pdf", "application/pdf"),
    "zip": ("x.zip", "application/zip"),
    "png": ("x.png", "image/png"),
    "jpeg": ("x.jpg", "image/jpeg"),
    "ole": ("x.doc", "application/msword"),
    "envelope": ("x", "application/vnd.prex.envelope"),
}


@given(st.binary(max_size=4096))
@settings(max_examples=300, deadline=None)
def test_random_bytes_never_pass_as_a_binary_format_they_do_not_start_like(data: bytes) -> None:
    found = sniff(data)  # never raises
    for family, magics in MAGIC.items():
        if not data.startswith(magics):
            assert found != family
            name, media_type = CLAIMS[family]
            with pytest.raises(UploadRefused):
                check_type(name, media_type, data)


@pytest.mark.parametrize(
    ("name", "media_type", "data"),
    [
        ("招标文件.pdf", "application/pdf", b"MZ\x90\x00 an executable"),
        ("招标文件.pdf", "application/octet-stream", _zip({"a.txt": b"a"})),  # the extension
        ("报价.xlsx", "", b"%PDF-1.4 not a workbook"),
        ("图.png", "image/png", b"\xff\xd8\xff\xe0 a jpeg"),
        ("清单.csv", "text/csv", b"\x00\x01\x02 binary"),
    ],
)
def test_a_declared_type_the_bytes_contradict_is_refused(
    tmp_path: Path, name: str, media_type: str, data: bytes
) -> None:
    assert _refused(tmp_path, data, name, media_type) == "type"


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    bomb = _zip({"zeros.bin": b"\0" * (5 * 1024 * 1024)})  # ~5 KiB compressed, ratio ~1000
    assert len(bomb) < 20_000
    assert _refused(tmp_path, bomb, "资料.zip", "application/zip") == "archive-bomb"
    many = _zip({f"f{i}.txt": b"" for i in range(60)}, zipfile.ZIP_STORED)
    small = UploadLimits(max_bytes=10**6, max_archive_entries=50)
    with pytest.raises(UploadRefused, match="60 entries"):
        check_archive(many, len(many), small, complete=True)
    big = UploadLimits(max_bytes=10**6, max_archive_bytes=1000, max_archive_ratio=10**6)
    with pytest.raises(UploadRefused, match="unpacks to"):
        check_archive(_zip({"a": b"a" * 2000}), 10**5, big, complete=True)


def test_nested_archives_escaping_names_and_broken_directories_are_refused(
    tmp_path: Path,
) -> None:
    inner = _zip({"a.txt": b"a"})
    assert _refused(tmp_path, _zip({"inner.zip": inner}), "a.zip", "") == "archive-nested"
    assert _refused(tmp_path, _zip({"../../etc/cron": b"x"}), "a.zip", "") == "archive-entry-name"
    assert _refused(tmp_path, _zip({"C:/Windows/x": b"x"}), "a.docx", "") == "archive-entry-name"
    truncated = _zip({"a.txt": b"a" * 100})[:-30]
    assert _refused(tmp_path, truncated, "a.zip", "application/zip") == "archive-corrupt"


def test_a_large_ordinary_archive_is_read_from_its_tail_only(tmp_path: Path) -> None:
    body = os.urandom(3 * 1024 * 1024)  # bigger than the tail kept: stored, incompressible
    data = _zip({"scan.bin": body, "word/document.xml": b"<w/>" * 100}, zipfile.ZIP_STORED)
    store = _store(
        tmp_path,
        data,
        "投标文件.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    assert sum(1 for p in (tmp_path / "blobs").rglob("*") if p.is_file()) == 1
    assert store.root.exists()


def test_size_is_enforced_while_streaming(tmp_path: Path) -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"%PDF" + b"x" * 65532

    store = FileBlobStore(tmp_path / "blobs")
    with pytest.raises(TooLarge) as caught:
        store.put(
            checked(
                endless(),
                filename="a.pdf",
                media_type="application/pdf",
                limits=UploadLimits(10**6),
            ),
            max_bytes=10**9,
        )
    assert caught.value.context["check"] == "size"
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("name", ["../x.pdf", "a/b.pdf", ".hidden", "a\x07.pdf", "a\\b.pdf"])
def test_bad_names_are_refused_before_a_byte_is_kept(tmp_path: Path, name: str) -> None:
    assert _refused(tmp_path, b"%PDF-1.4", name, "application/pdf") == "filename"


def test_a_wrong_type_is_refused_from_the_first_bytes_without_reading_the_rest() -> None:
    read = []

    def endless() -> Iterator[bytes]:
        while True:
            read.append(1)
            yield b"%PDF" + b"x" * 4092

    with pytest.raises(UploadRefused) as caught:
        for _ in checked(endless(), filename="bid", media_type="", limits=LIMITS,
                         expect="envelope"):  # fmt: skip
            pass
    assert caught.value.check == "type" and len(read) == 2  # 8 KiB: the head, no more


def _framed(header: bytes, payload: bytes, signature: bytes) -> bytes:
    import struct

    return (ENVELOPE_MAGIC + struct.pack(">I", len(header)) + header
            + struct.pack(">Q", len(payload)) + payload
            + struct.pack(">I", len(signature)) + signature)  # fmt: skip


@pytest.mark.parametrize(
    ("data", "check"),
    [
        (_framed(b'{"a":1}', b"p" * 5000, b"s" * 300), None),
        (_framed(b'{"a":1}', b"p" * 5000, b""), None),  # unsigned: the parser's to refuse
        (_framed(b'{"a":1}', b"p" * 5000, b"s" * 300)[:-1], "envelope-structure"),
        (_framed(b'{"a":1}', b"p" * 5000, b"s" * 300) + b"x", "envelope-structure"),
        (_framed(b"[1]", b"p", b"s"), "envelope-structure"),
        (ENVELOPE_MAGIC + b"\xff\xff\xff\xff{", "envelope-structure"),
        (b"PK\x03\x04 a zip", "type"),
    ],
)
def test_an_envelope_s_framing_must_add_up(data: bytes, check: str | None) -> None:
    chunks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    run = checked(chunks, filename="bid", media_type="", limits=LIMITS, expect="envelope")
    if check is None:
        assert b"".join(run) == data
        return
    with pytest.raises(UploadRefused) as caught:
        b"".join(run)
    assert caught.value.check == check


@pytest.mark.parametrize(
    ("data", "media_type", "ok"),
    [
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "", True),
        (b"\xef\xbb\xbf\n-----BEGIN PKCS7-----\nMIIB\n", "application/x-pem-file", True),
        (b"\x30\x82\x02\x27\x30\x82\x01\xae", "application/pkix-cert", True),
        (b"\x30\x82\x02\x27\x30\x82\x01\xae", "application/pdf", False),
        (b"%PDF-1.7\n", "application/x-x509-ca-cert", False),
        (b"just some text", "", False),
    ],
)
def test_a_certificate_is_pem_or_der(data: bytes, media_type: str, ok: bool) -> None:
    run = checked([data], filename="ca", media_type=media_type, limits=LIMITS, expect="certificate")
    if ok:
        assert b"".join(run) == data
        return
    with pytest.raises(UploadRefused) as caught:
        b"".join(run)
    assert caught.value.check == "type"
