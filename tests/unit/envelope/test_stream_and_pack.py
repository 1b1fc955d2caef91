"""The chunked AEAD and the bid archive: round trips, and every change, cut, reordering or
transplant of the ciphertext is detected; archive names cannot escape their folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.envelope import pack, stream

AAD = b'{"tender_id":"T1","bidder_uscc":"X"}'


def seal(
    cipher: stream.Cipher, data: bytes, chunk: int, aad: bytes = AAD
) -> tuple[bytes, bytes, bytes]:
    key = os.urandom(stream.KEY_BYTES[cipher])
    prefix = os.urandom(stream.PREFIX_BYTES)
    pieces = [data[i : i + 37] for i in range(0, len(data), 37)] or [b""]
    sealed = b"".join(stream.encrypt_chunks(cipher, key, prefix, aad, pieces, chunk))
    return key, prefix, sealed


def unseal(
    cipher: stream.Cipher, key: bytes, prefix: bytes, sealed: bytes, chunk: int, aad: bytes = AAD
) -> bytes:
    pieces = [sealed[i : i + 53] for i in range(0, len(sealed), 53)]
    return b"".join(stream.decrypt_chunks(cipher, key, prefix, aad, pieces, chunk))


@settings(max_examples=60, deadline=None)
@given(
    cipher=st.sampled_from(["aes-256-gcm", "sm4-gcm"]),
    data=st.binary(min_size=1, max_size=700),
    chunk=st.sampled_from([16, 64, 100]),
)
def test_round_trip_and_length(cipher: stream.Cipher, data: bytes, chunk: int) -> None:
    key, prefix, sealed = seal(cipher, data, chunk)
    assert len(sealed) == stream.sealed_length(len(data), chunk)
    assert unseal(cipher, key, prefix, sealed, chunk) == data


@settings(max_examples=80, deadline=None)
@given(
    cipher=st.sampled_from(["aes-256-gcm", "sm4-gcm"]),
    data=st.binary(min_size=1, max_size=300),
    where=st.integers(min_value=0),
    flip=st.integers(min_value=1, max_value=255),
)
def test_any_flipped_byte_is_detected(
    cipher: stream.Cipher, data: bytes, where: int, flip: int
) -> None:
    key, prefix, sealed = seal(cipher, data, 64)
    at = where % len(sealed)
    damaged = sealed[:at] + bytes([sealed[at] ^ flip]) + sealed[at + 1 :]
    with pytest.raises(stream.StreamCorrupted):
        unseal(cipher, key, prefix, damaged, 64)


@pytest.mark.parametrize("cipher", ["aes-256-gcm", "sm4-gcm"])
def test_cuts_extensions_reordering_and_transplants_are_detected(cipher: stream.Cipher) -> None:
    data = os.urandom(64 * 4)  # four full chunks, the last flagged final
    key, prefix, sealed = seal(cipher, data, 64)
    step = 64 + stream.TAG_BYTES
    chunks = [sealed[i : i + step] for i in range(0, len(sealed), step)]
    assert len(chunks) == 4
    for damaged in (
        b"".join(chunks[:3]),  # the final chunk dropped: cut at a chunk boundary
        b"".join(chunks[:2]),
        sealed[:-1],
        sealed + b"\x00",
        b"".join([chunks[1], chunks[0], *chunks[2:]]),
        b"".join([*chunks, chunks[3]]),
    ):
        with pytest.raises(stream.StreamCorrupted):
            unseal(cipher, key, prefix, damaged, 64)
    with pytest.raises(stream.StreamCorrupted):  # sealed for another tender or bidder
        unseal(cipher, key, prefix, sealed, 64, aad=AAD.replace(b"T1", b"T2"))
    with pytest.raises(stream.StreamCorrupted):
        unseal(cipher, os.urandom(len(key)), prefix, sealed, 64)


def items(tmp_path: Path) -> list[pack.Item]:
    big = tmp_path / "技术标.pdf"
    big.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    return [
        pack.Item(pack.FORM, data=b'{"price":"12345678.90"}'),
        pack.Item(pack.FINGERPRINT, data=b"{}"),
        pack.Item("documents/技术标.pdf", path=big),
        pack.Item("documents/empty.txt", data=b""),
    ]


def test_the_archive_round_trips_in_pieces(tmp_path: Path) -> None:
    out = tmp_path / "out"
    entries = pack.unpack(pack.pack(items(tmp_path)), out, max_total=10 * 1024 * 1024)
    assert [name for name, _ in entries] == [
        pack.FORM,
        pack.FINGERPRINT,
        "documents/技术标.pdf",
        "documents/empty.txt",
    ]
    assert (out / "documents/技术标.pdf").read_bytes() == (tmp_path / "技术标.pdf").read_bytes()


@pytest.mark.parametrize(
    "name",
    ["../evil", "/etc/passwd", "documents/../../x", "a//b", ".hidden", "a\\b", "x" * 300, ""],
)
def test_names_that_could_escape_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(pack.BadPack):
        list(pack.pack([pack.Item(name, data=b"")]))


def test_damaged_archives_are_refused(tmp_path: Path) -> None:
    good = b"".join(pack.pack(items(tmp_path)))
    cases = {
        "not a prex archive": b"PREXPACX" + good[8:],
        "ends in the middle": good[:-3],
        "bytes follow": good + b"\x00",
        "larger than": good,
    }
    for message, data in cases.items():
        limit = 1000 if message == "larger than" else 10 * 1024 * 1024
        with pytest.raises(pack.BadPack, match=message):
            pack.unpack([data], tmp_path / message.replace(" ", "-"), max_total=limit)
    swapped = b"".join(
        pack.pack([pack.Item(pack.FINGERPRINT, data=b"{}"), pack.Item(pack.FORM, data=b"{}")])
    )
    with pytest.raises(pack.BadPack, match="starts with"):
        pack.unpack([swapped], tmp_path / "swapped", max_total=1000)
    twice = b"".join(
        pack.pack([pack.Item(pack.FORM, data=b"{}"), pack.Item(pack.FORM, data=b"{}")])
    )
    with pytest.raises(pack.BadPack, match="twice"):
        pack.unpack([twice], tmp_path / "twice", max_total=1000)


def test_an_empty_plaintext_seals_with_aes_and_is_refused_by_the_gm_suite() -> None:
    key, prefix, sealed = seal("aes-256-gcm", b"", 64)
    assert len(sealed) == stream.TAG_BYTES
    assert unseal("aes-256-gcm", key, prefix, sealed, 64) == b""
    with pytest.raises(stream.InvalidInput, match="nothing to seal"):
        seal("sm4-gcm", b"", 64)
