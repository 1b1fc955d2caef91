"""The one content check every upload passes, while it streams into the blob store.

:func:`checked` wraps an upload's chunks: it counts bytes as they pass (refusing the first byte
over the limit, so an unbounded body is never read), keeps the first bytes (to sniff the type)
and the last ones (where a ZIP keeps its central directory), and when the stream ends decides:

* ``size`` — over the limit (413 ``/problems/too-large``, as the blob store always answered);
* ``type`` — the declared media type or the file name's extension says PDF, ZIP/OOXML/OFD,
  PNG, JPEG, legacy Office, text/CSV or a prex sealed envelope, and the bytes are not that;
* ``archive-*`` — a ZIP (OOXML and OFD are ZIPs) whose central directory is unreadable
  (``archive-corrupt``), holds more than ``upload_max_archive_entries`` entries, more than
  ``upload_max_archive_bytes`` uncompressed or a ratio above ``upload_max_archive_ratio``
  (``archive-bomb``), an entry named outside the archive (``archive-entry-name``), or an
  archive inside the archive (``archive-nested``: the inner one could not be inspected without
  extracting it). Nothing is extracted: only the central directory is read;
* ``filename`` — a path separator, ``..``, a leading dot or a control character.

Raising from the generator makes the blob store delete its temporary file: a refused upload
leaves nothing behind. Refusals are ``/problems/upload-refused`` naming the ``check``.

Only the standard library here (STYLE.md habit 1).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from prex.shared.blobs import TooLarge, safe_filename
from prex.shared.errors import InvalidInput

HEAD = 8 * 1024
TAIL = 2 * 1024 * 1024  # a central directory of ~20 000 entries; larger ones are refused

MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # .doc / .xls / .ppt
    "envelope": (b"PREXENV\x01",),  # docs/envelope-format.md
}
OOXML = "application/vnd.openxmlformats-officedocument."
MEDIA_FAMILIES: dict[str, str] = {
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/ofd": "zip",  # OFD (GB/T 33190) is a ZIP package
    "application/vnd.ofd": "zip",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "application/msword": "ole",
    "application/vnd.ms-excel": "ole",
    "application/vnd.ms-powerpoint": "ole",
    "text/plain": "text",
    "text/csv": "text",
    "application/vnd.prex.envelope": "envelope",
}
EXTENSION_FAMILIES: dict[str, str] = {
    "pdf": "pdf",
    "zip": "zip",
    "docx": "zip",
    "xlsx": "zip",
    "pptx": "zip",
    "ofd": "zip",
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "doc": "ole",
    "xls": "ole",
    "ppt": "ole",
    "txt": "text",
    "csv": "text",
}
NESTED_ARCHIVES = (".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".jar", ".cab")


class UploadRefused(InvalidInput):
    """An upload failed a content check; ``check`` names which (module docstring)."""

    slug = "upload-refused"
    status = 422

    def __init__(self, check: str, message: str, **context: Any) -> None:
        super().__init__(message, field="file", check=check, **context)
        self.check = check
        if check == "type":
            self.status = 415


class UploadTooLarge(TooLarge):
    """Over the size limit: still ``/problems/too-large`` (413), now naming the check."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the document is larger than the limit of {limit} bytes",
            field="file",
            limit=limit,
            check="size",
        )


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int
    max_archive_bytes: int = 500 * 1024 * 1024
    max_archive_ratio: int = 100
    max_archive_entries: int = 10_000

    @classmethod
    def from_settings(cls, settings: Any, max_bytes: int | None = None) -> UploadLimits:
        return cls(
            max_bytes if max_bytes is not None else settings.max_document_bytes,
            settings.upload_max_archive_bytes,
            settings.upload_max_archive_ratio,
            settings.upload_max_archive_entries,
        )


def sniff(head: bytes) -> str | None:
    """The family the first bytes prove (``text`` when they look like UTF-8 or GB 18030 text
    without NULs), else None."""
    for family, magics in MAGIC.items():
        if head.startswith(magics):
            return family
    return "text" if _is_text(head) else None


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        for cut in range(4):  # a character cut by the end of the head is still text
            try:
                (head[: len(head) - cut] if cut else head).decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


def expected_families(filename: str, media_type: str) -> set[str]:
    """What the declared type and the extension promise (empty: they promise nothing known)."""
    expected = set()
    family = MEDIA_FAMILIES.get(media_type.split(";")[0].strip().lower())
    if family is None and media_type.lower().startswith(OOXML):
        family = "zip"
    if family is not None:
        expected.add(family)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in EXTENSION_FAMILIES:
        expected.add(EXTENSION_FAMILIES[extension])
    return expected


def check_type(filename: str, media_type: str, head: bytes) -> str | None:
    found = sniff(head)
    for family in expected_families(filename, media_type):
        if found != family:
            raise UploadRefused(
                "type",
                f"'{filename}' is declared as {family} ({media_type or 'no media type'}) "
                f"but its bytes are {found or 'of no known type'}",
                declared=family,
                sniffed=found,
            )
    return found


def check_archive(tail: bytes, total_size: int, limits: UploadLimits, complete: bool) -> None:
    """Read a ZIP's central directory from its last bytes (never extracting) and refuse bombs,
    escaping names and nested archives. ``complete``: ``tail`` is the whole file."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(tail)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        reason = "unreadable" if complete else "unreadable or too large a directory"
        raise UploadRefused(
            "archive-corrupt", f"the ZIP's central directory is {reason}: {exc}"
        ) from None
    if len(infos) > limits.max_archive_entries:
        raise UploadRefused(
            "archive-bomb",
            f"the archive has {len(infos)} entries (limit {limits.max_archive_entries})",
        )
    uncompressed = sum(i.file_size for i in infos)
    if uncompressed > limits.max_archive_bytes:
        raise UploadRefused(
            "archive-bomb",
            f"the archive unpacks to {uncompressed} bytes (limit {limits.max_archive_bytes})",
        )
    if uncompressed > limits.max_archive_ratio * max(total_size, 1):
        raise UploadRefused(
            "archive-bomb",
            f"the archive unpacks to {uncompressed // max(total_size, 1)} times its size "
            f"(limit {limits.max_archive_ratio})",
        )
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":"):
            raise UploadRefused("archive-entry-name", f"the archive entry '{name}' escapes it")
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise UploadRefused(
                "archive-entry-name", f"an archive entry's name has a control character: {name!r}"
            )
        if name.lower().endswith(NESTED_ARCHIVES):
            raise UploadRefused(
                "archive-nested", f"the archive holds another archive '{name}'; upload it apart"
            )


def check_filename(filename: str) -> str:
    try:
        return safe_filename(filename)
    except InvalidInput as exc:
        raise UploadRefused("filename", exc.message) from None


def checked(
    chunks: Iterable[bytes], *, filename: str, media_type: str, limits: UploadLimits
) -> Iterator[bytes]:
    """``chunks`` passed through, counted and inspected; raises at the first byte over the
    limit, and after the last chunk when a check fails (see the module docstring)."""
    check_filename(filename)
    head = b""
    tail = bytearray()
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limits.max_bytes:
            raise UploadTooLarge(limits.max_bytes)
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
        tail += chunk
        if len(tail) > TAIL:
            del tail[: len(tail) - TAIL]
        yield chunk
    inspect(head, bytes(tail), size, filename=filename, media_type=media_type, limits=limits)


def inspect(
    head: bytes, tail: bytes, size: int, *, filename: str, media_type: str, limits: UploadLimits
) -> str | None:
    """The checks once the bytes are all seen; returns the sniffed family."""
    if size == 0:
        return None  # the store's own "the document is empty" answers that
    found = check_type(filename, media_type, head)
    if found == "zip":
        check_archive(tail, size, limits, complete=size <= len(tail))
    return found


def check_bytes(data: bytes, *, filename: str, media_type: str, limits: UploadLimits) -> bytes:
    """The same checks for an upload already bounded and read (a CSV import, a statement)."""
    for _ in checked([data], filename=filename, media_type=media_type, limits=limits):
        pass
    return data
