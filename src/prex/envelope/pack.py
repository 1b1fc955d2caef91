"""The plaintext inside an envelope: a minimal archive a browser can write in a few lines.

::

    archive := "PREXPACK" entry* end
    entry   := u16 name_length ‖ name (UTF-8) ‖ u64 size ‖ size bytes
    end     := u16 0

Integers are big-endian. The first entry is ``bid-form.json``, the second
``fingerprint.json``; documents follow as ``documents/<file name>``. Names are relative, use
``/``, and contain no ``..``, empty or hidden segments, so unpacking cannot escape its folder.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from prex.shared.errors import InvalidInput

MAGIC = b"PREXPACK"
FORM = "bid-form.json"
FINGERPRINT = "fingerprint.json"
MAX_NAME = 255
READ = 1024 * 1024


class BadPack(InvalidInput):
    slug = "envelope-content-malformed"


def check_name(name: str) -> str:
    parts = name.split("/")
    if (
        not name
        or len(name.encode()) > MAX_NAME
        or name.startswith("/")
        or any(p in ("", ".", "..") or p.startswith(".") for p in parts)
        or any(ord(ch) < 32 or ch == "\\" for ch in name)
    ):
        raise BadPack(f"'{name[:80]}' is not an acceptable file name inside a bid")
    return name


@dataclass(frozen=True)
class Item:
    name: str
    path: Path | None = None  # read from disk in pieces
    data: bytes | None = None  # or given whole (the small JSON parts)

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size  # type: ignore[union-attr]


def pack(items: Iterable[Item]) -> Iterator[bytes]:
    """The archive, in pieces of at most about a megabyte."""
    yield MAGIC
    for item in items:
        name = check_name(item.name).encode()
        yield struct.pack(">H", len(name)) + name + struct.pack(">Q", item.size)
        if item.data is not None:
            yield item.data
            continue
        assert item.path is not None
        with item.path.open("rb") as handle:
            while piece := handle.read(READ):
                yield piece
    yield struct.pack(">H", 0)


class _Reader:
    """Reads across the decrypted pieces without copying them (memoryview slices)."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces = iter(pieces)
        self._piece = b""
        self._at = 0

    def _advance(self) -> bool:
        for piece in self._pieces:
            if piece:
                self._piece, self._at = piece, 0
                return True
        return False

    def take(self, size: int) -> bytes:
        out = bytearray()
        while len(out) < size:
            if self._at >= len(self._piece) and not self._advance():
                raise BadPack("the bid's content ends in the middle of an entry")
            chunk = self._piece[self._at : self._at + size - len(out)]
            out += chunk
            self._at += len(chunk)
        return bytes(out)

    def stream(self, size: int) -> Iterator[memoryview]:
        left = size
        while left:
            if self._at >= len(self._piece) and not self._advance():
                raise BadPack("the bid's content ends in the middle of a file")
            end = min(len(self._piece), self._at + left)
            yield memoryview(self._piece)[self._at : end]
            left -= end - self._at
            self._at = end

    def exhausted(self) -> bool:
        return self._at >= len(self._piece) and not self._advance()


def unpack(pieces: Iterable[bytes], folder: Path, *, max_total: int) -> list[tuple[str, int]]:
    """Write every entry below ``folder``; returns (name, size) in archive order."""
    reader = _Reader(pieces)
    if reader.take(len(MAGIC)) != MAGIC:
        raise BadPack("the bid's content is not a prex archive")
    entries: list[tuple[str, int]] = []
    total = 0
    while True:
        (length,) = struct.unpack(">H", reader.take(2))
        if length == 0:
            break
        try:
            name = check_name(reader.take(length).decode("utf-8"))
        except UnicodeDecodeError:
            raise BadPack("a file name inside the bid is not UTF-8") from None
        (size,) = struct.unpack(">Q", reader.take(8))
        total += size
        if total > max_total:
            raise BadPack(f"the bid's content is larger than {max_total} bytes")
        if any(name == seen for seen, _ in entries):
            raise BadPack(f"'{name}' appears twice inside the bid")
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            for piece in reader.stream(size):
                handle.write(piece)
        entries.append((name, size))
    if not reader.exhausted():
        raise BadPack("bytes follow the end of the bid's content")
    if [n for n, _ in entries[:2]] != [FORM, FINGERPRINT]:
        raise BadPack(f"a bid starts with {FORM} and {FINGERPRINT}")
    return entries
