"""A content-addressed blob store: files named by their SHA-256, written atomically.

Bytes stream into a temporary file in the store's own folder while being hashed and counted;
a file over the size limit is refused before it is complete and leaves nothing behind; a
finished file is fsynced and renamed into ``ab/cd/<sha256>``. Writing the same content twice
stores it once. An S3-compatible store can implement the same :class:`BlobStore` protocol.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from prex.shared.errors import InvalidInput, NotFound

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1024 * 1024


class TooLarge(InvalidInput):
    slug = "too-large"
    status = 413


@dataclass(frozen=True)
class BlobRef:
    sha256: str
    size: int


class BlobStore(Protocol):
    def put(self, chunks: Iterable[bytes], *, max_bytes: int, min_bytes: int = 0) -> BlobRef: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...


class FileBlobStore:
    """Blobs under a local folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / "tmp"

    def _path(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise NotFound(f"'{sha256}' is not a SHA-256 name", sha256=sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, chunks: Iterable[bytes], *, max_bytes: int, min_bytes: int = 0) -> BlobRef:
        self._tmp.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        tmp_path = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(
                            f"the document is larger than the limit of {max_bytes} bytes",
                            field="file",
                            limit=max_bytes,
                        )
                    digest.update(chunk)
                    out.write(chunk)
                if size < min_bytes:
                    raise InvalidInput(
                        "the document is empty"
                        if size == 0
                        else f"the document is smaller than {min_bytes} bytes",
                        field="file",
                    )
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self._path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                tmp_path.unlink()
            else:
                os.replace(tmp_path, final)
            return BlobRef(sha, size)
        except BaseException:
            tmp_path.unlink(missing_ok=True)
            raise

    @property
    def spool_dir(self) -> Path:
        """The folder of uploads not yet kept (on the blobs' file system, so that :meth:`adopt`
        is a rename); resumable uploads name their files here themselves."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        return self._tmp

    def spool_path(self) -> Path:
        """A fresh temporary file beside the blobs, for an upload to be checked before it is
        kept (then :meth:`adopt` moves it in without copying)."""
        self._tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._tmp, suffix=".spool")
        os.close(fd)
        return Path(name)

    def adopt(self, path: Path, sha256: str, size: int) -> BlobRef:
        """Keep the file at ``path`` (whose digest the caller computed while writing it) as the
        blob ``sha256``: a rename on the same file system, a copy otherwise."""
        final = self._path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as handle:
            os.fsync(handle.fileno())
        if final.exists():
            path.unlink()
            return BlobRef(sha256, size)
        try:
            os.replace(path, final)
        except OSError:  # another file system: copy, checking the digest on the way
            with path.open("rb") as handle:
                ref = self.put(iter(lambda: handle.read(CHUNK), b""), max_bytes=size)
            path.unlink()
            if ref.sha256 != sha256:
                raise InvalidInput("the file changed while it was being kept") from None
            return ref
        return BlobRef(sha256, size)

    def open(self, sha256: str) -> BinaryIO:
        path = self._path(sha256)
        if not path.exists():
            raise NotFound(f"no blob {sha256}", sha256=sha256)
        return path.open("rb")

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def local_path(self, sha256: str) -> Path:
        """Where the blob lies on this disk (it may not exist): for readers that need a real
        file (seek, readinto, size), such as the opening."""
        return self._path(sha256)

    def iter_bytes(self, sha256: str) -> Iterator[bytes]:
        with self.open(sha256) as handle:
            while chunk := handle.read(CHUNK):
                yield chunk


_FORBIDDEN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def safe_filename(name: str) -> str:
    """Refuse file names that could escape a folder or confuse a file system or a browser."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("a document needs a file name", field="filename", check="filename")
    cleaned = name.strip()
    if len(cleaned.encode("utf-8")) > 255:
        raise InvalidInput("file names are at most 255 bytes", field="filename", check="filename")
    if cleaned in (".", "..") or cleaned.startswith(".") or ".." in cleaned:
        raise InvalidInput(
            f"'{name}' is not an acceptable file name (no leading dot, no '..')",
            field="filename",
            check="filename",
        )
    if _FORBIDDEN_NAME.search(cleaned):
        raise InvalidInput(
            f"'{name}' contains a path separator or a control character",
            field="filename",
            check="filename",
        )
    return cleaned
