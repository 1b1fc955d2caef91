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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from prex.shared.errors import InvalidInput

MAGIC = b"PREXPACK"
FORM = "bid-form.json"
FINGERPRINT = "fingerprint.json"
DOCUMENTS = "documents/"
#: The largest bid form or fingerprint the opening keeps in memory.
MAX_JSON = 1024 * 1024
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


class Sink(Protocol):
    """Where one entry's bytes go while the archive is walked."""

    def write(self, piece: memoryview, /) -> object: ...


def entries(
    pieces: Iterable[bytes], *, max_total: int
) -> Iterator[tuple[str, int, Iterator[memoryview]]]:
    """The archive's entries in order, each as (name, size, its bytes); a consumer must use up
    one entry's bytes before asking for the next. Checks names, sizes, duplicates, the two
    leading JSON entries and trailing bytes: every consumer (unpacking to a folder, the scan at
    opening, one document for an evaluator) goes through this one parser."""
    reader = _Reader(pieces)
    if reader.take(len(MAGIC)) != MAGIC:
        raise BadPack("the bid's content is not a prex archive")
    seen: list[str] = []
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
        if name in seen:
            raise BadPack(f"'{name}' appears twice inside the bid")
        if len(seen) < 2 and name != (FORM, FINGERPRINT)[len(seen)]:
            raise BadPack(f"a bid starts with {FORM} and {FINGERPRINT}")
        seen.append(name)
        yield name, size, reader.stream(size)
    if not reader.exhausted():
        raise BadPack("bytes follow the end of the bid's content")
    if len(seen) < 2:
        raise BadPack(f"a bid starts with {FORM} and {FINGERPRINT}")


def walk(
    pieces: Iterable[bytes], *, max_total: int, sink_for: Callable[[str, int], Sink]
) -> list[tuple[str, int]]:
    """Walk the archive once, handing each entry's bytes to ``sink_for(name, size)``; returns
    (name, size) in archive order."""
    found: list[tuple[str, int]] = []
    for name, size, data in entries(pieces, max_total=max_total):
        sink = sink_for(name, size)
        for piece in data:
            sink.write(piece)
        found.append((name, size))
    return found


def unpack(pieces: Iterable[bytes], folder: Path, *, max_total: int) -> list[tuple[str, int]]:
    """Write every entry below ``folder``; returns (name, size) in archive order."""
    handles: list[BinaryIO] = []

    def to_file(name: str, size: int) -> Sink:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        handles.append(target.open("wb"))
        return handles[-1]

    try:
        return walk(pieces, max_total=max_total, sink_for=to_file)
    finally:
        for handle in handles:
            handle.close()


@dataclass(frozen=True)
class Document:
    name: str  # without the "documents/" prefix
    size: int


@dataclass(frozen=True)
class Scanned:
    """What the opening reads out of a bid without writing a file: the two JSON entries and the
    documents' names and sizes (the envelope's digest already identifies their bytes)."""

    form: bytes
    fingerprint: bytes
    documents: tuple[Document, ...]


class _Skip:
    def write(self, piece: memoryview, /) -> None:
        return None


class _Keep:
    def __init__(self, limit: int, name: str) -> None:
        self.data = bytearray()
        self.limit, self.name = limit, name

    def write(self, piece: memoryview, /) -> None:
        self.data += piece
        if len(self.data) > self.limit:
            raise BadPack(f"{self.name} is larger than {self.limit} bytes")


def scan(pieces: Iterable[bytes], *, max_total: int) -> Scanned:
    """Read the bid form and fingerprint (each at most :data:`MAX_JSON` bytes) and list the
    documents, in one pass and in memory."""
    kept: dict[str, _Keep] = {}
    skip = _Skip()

    def sink_for(name: str, size: int) -> Sink:
        if name in (FORM, FINGERPRINT):
            kept[name] = _Keep(MAX_JSON, name)
            return kept[name]
        return skip

    entries = walk(pieces, max_total=max_total, sink_for=sink_for)
    documents = tuple(
        Document(name.removeprefix(DOCUMENTS), size)
        for name, size in entries
        if name not in (FORM, FINGERPRINT)
    )
    return Scanned(bytes(kept[FORM].data), bytes(kept[FINGERPRINT].data), documents)


def extract(pieces: Iterable[bytes], name: str, *, max_total: int) -> Iterator[memoryview]:
    """The bytes of the entry ``name``, as the archive is read; the rest of the archive is
    still walked to its end, so its integrity is checked. BadPack when there is no such entry
    (raised once the archive is exhausted)."""
    found = False
    for entry, _, data in entries(pieces, max_total=max_total):
        if entry == name:
            found = True
            yield from data
        else:
            for _ in data:
                pass
    if not found:
        raise BadPack(f"the bid holds no '{name[:80]}'")
