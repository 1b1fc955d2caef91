"""Chunked authenticated encryption (the STREAM construction of Hoang, Reyhanitabar, Rogaway
and Vizár, as the age format uses it), so that a bid of hundreds of megabytes is sealed and
opened in constant memory and no chunk can be dropped, reordered or cut off unnoticed.

The plaintext is cut into chunks of ``chunk_size`` bytes (the last may be shorter or empty).
The final chunk is never empty unless the whole plaintext is (the GM suite refuses that).
Chunk *i* is sealed with AES-256-GCM (or SM4-GCM in the GM suite) under the content key, with
the 12-byte nonce ``prefix (7 bytes) ‖ i (u32, big-endian) ‖ last (1 byte: 1 for the final
chunk, else 0)`` and the envelope's associated data; it is stored as ``ciphertext ‖ tag(16)``.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from typing import Literal, Protocol

import gmssl_pyx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from prex.shared.errors import InvalidInput

Cipher = Literal["aes-256-gcm", "sm4-gcm"]
KEY_BYTES: dict[str, int] = {"aes-256-gcm": 32, "sm4-gcm": 16}
TAG_BYTES = 16
PREFIX_BYTES = 7
DEFAULT_CHUNK = 64 * 1024
MAX_CHUNK = 16 * 1024 * 1024
MAX_CHUNKS = 2**32 - 1


class ReadsInto(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


class StreamCorrupted(InvalidInput):
    """The ciphertext was changed, cut short, extended or sealed for another context."""

    slug = "envelope-corrupted"


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", index, 1 if last else 0)


class _Aead:
    def __init__(self, cipher: Cipher, key: bytes) -> None:
        if len(key) != KEY_BYTES[cipher]:
            raise InvalidInput(f"{cipher} takes a {KEY_BYTES[cipher]}-byte key")
        self.cipher = cipher
        self.key = key
        self._aes = AESGCM(key) if cipher == "aes-256-gcm" else None

    def seal(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        if self._aes is not None:
            return bytes(self._aes.encrypt(nonce, data, aad))
        ciphertext, tag = gmssl_pyx.sm4_gcm_encrypt(self.key, nonce, aad, data)
        return bytes(ciphertext) + bytes(tag)

    def open(self, nonce: bytes, data: bytes | memoryview, aad: bytes) -> bytes:
        try:
            if self._aes is not None:
                return bytes(self._aes.decrypt(nonce, data, aad))
            if len(data) < TAG_BYTES:
                raise StreamCorrupted("a chunk is shorter than its tag")
            return bytes(
                gmssl_pyx.sm4_gcm_decrypt(
                    self.key, nonce, aad, bytes(data[:-TAG_BYTES]), bytes(data[-TAG_BYTES:])
                )
            )
        except (InvalidTag, gmssl_pyx.GmsslInnerError, ValueError) as exc:
            raise StreamCorrupted("a chunk of the sealed bid does not authenticate") from exc


def sealed_length(plain_length: int, chunk_size: int) -> int:
    """How many bytes ``plain_length`` bytes of plaintext become."""
    chunks = max(1, -(-plain_length // chunk_size))
    return plain_length + chunks * TAG_BYTES


def encrypt_chunks(
    cipher: Cipher,
    key: bytes,
    prefix: bytes,
    aad: bytes,
    plaintext: Iterable[bytes],
    chunk_size: int = DEFAULT_CHUNK,
) -> Iterator[bytes]:
    """Sealed chunks of the concatenated ``plaintext`` pieces, ending with a final chunk."""
    if len(prefix) != PREFIX_BYTES or not 16 <= chunk_size <= MAX_CHUNK:
        raise InvalidInput("bad stream parameters")
    aead = _Aead(cipher, key)
    buffer = bytearray()
    index = 0
    for piece in plaintext:
        buffer += piece
        while len(buffer) > chunk_size:  # keep at least one byte back: the last is flagged
            yield aead.seal(_nonce(prefix, index, False), bytes(buffer[:chunk_size]), aad)
            del buffer[:chunk_size]
            index += 1
            if index >= MAX_CHUNKS:
                raise InvalidInput("the bid is too large for one envelope")
    if not buffer and cipher == "sm4-gcm":
        raise InvalidInput("there is nothing to seal")  # GmSSL's SM4-GCM refuses empty input
    yield aead.seal(_nonce(prefix, index, True), bytes(buffer), aad)


def decrypt_file(
    cipher: Cipher,
    key: bytes,
    prefix: bytes,
    aad: bytes,
    handle: ReadsInto,
    length: int,
    chunk_size: int = DEFAULT_CHUNK,
    *,
    on_read: Callable[[memoryview], object] | None = None,
) -> Iterator[bytes]:
    """Like :func:`decrypt_chunks`, reading ``length`` sealed bytes straight from ``handle``
    into one reused buffer (no copies); ``on_read`` sees every sealed byte (for a digest)."""
    aead = _Aead(cipher, key)
    step = chunk_size + TAG_BYTES
    buffer = bytearray(step)
    view = memoryview(buffer)
    index = 0
    left = length
    if left < TAG_BYTES:
        raise StreamCorrupted("the sealed bid is cut short")
    while left:
        size = min(step, left)
        got = handle.readinto(view[:size])
        if got != size:
            raise StreamCorrupted("the sealed bid is cut short")
        if on_read is not None:
            on_read(view[:size])
        left -= size
        if size < TAG_BYTES:
            raise StreamCorrupted("the sealed bid is cut short")
        yield aead.open(_nonce(prefix, index, left == 0), view[:size], aad)
        index += 1


def decrypt_chunks(
    cipher: Cipher,
    key: bytes,
    prefix: bytes,
    aad: bytes,
    sealed: Iterable[bytes],
    chunk_size: int = DEFAULT_CHUNK,
) -> Iterator[bytes]:
    """Plaintext pieces; raises :class:`StreamCorrupted` on any change, truncation or excess."""
    aead = _Aead(cipher, key)
    step = chunk_size + TAG_BYTES
    buffer = bytearray()
    index = 0
    for piece in sealed:
        buffer += piece
        while len(buffer) > step:
            yield aead.open(_nonce(prefix, index, False), bytes(buffer[:step]), aad)
            del buffer[:step]
            index += 1
    if len(buffer) < TAG_BYTES:
        raise StreamCorrupted("the sealed bid is cut short")
    # Only the final chunk carries the "last" flag in its nonce: if the stream was cut at a
    # chunk boundary, the chunk left over was not sealed as final and fails here.
    yield aead.open(_nonce(prefix, index, True), bytes(buffer), aad)
