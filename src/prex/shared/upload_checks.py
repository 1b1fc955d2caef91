"""The one content check every upload passes, while it streams into the blob store.

:func:`checked` wraps an upload's chunks: it counts bytes as they pass (refusing the first byte
over the limit, so an unbounded body is never read), keeps the first bytes (to sniff the type)
and the last ones (where a ZIP keeps its central directory), and when the stream ends decides:

* ``size`` — over the limit (413 ``/problems/too-large``, as the blob store always answered);
* ``type`` — the declared media type or the file name's extension says PDF, ZIP/OOXML/OFD,
  PNG, JPEG, legacy Office, text/CSV, a certificate or a prex sealed envelope, and the bytes
  are not that; or the entry point takes one kind only (``expect``: a sealed bid takes an
  envelope, the trust list certificates) and the bytes are not that kind — then checked as
  soon as the first bytes are in, so a wrong file is refused without reading the rest;
* ``envelope-structure`` — an envelope whose framing (docs/envelope-format.md: header length,
  payload length, signature length) does not add up to its size: read from its first and last
  bytes, never parsed;
* ``archive-*`` — a ZIP (OOXML and OFD are ZIPs) whose central directory is unreadable
  (``archive-corrupt``), holds more than ``upload_max_archive_entries`` entries, more than
  ``upload_max_archive_bytes`` uncompressed or a ratio above ``upload_max_archive_ratio``
  (``archive-bomb``), an entry named outside the archive (``archive-entry-name``), or an
  archive inside the archive (``archive-nested``: the inner one could not be inspected without
  extracting it). Nothing is extracted: only the central directory is read;
* ``filename`` — a path separator, ``..``, a leading dot or a control character.

Raising from the generator makes the blob store delete its temporary file: a refused upload
leaves nothing behind. Refusals are ``/problems/upload-refused`` naming the ``check`` (415 for
``type``, 422 for the others). :class:`StreamCheck` is the same checker fed chunk by chunk, for
a body that is not a generator (an ``async`` request stream).

Only the standard library here (STYLE.md habit 1).
"""

from __future__ import annotations

import io
import re
import struct
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
    "application/pkix-cert": "certificate",
    "application/x-x509-ca-cert": "certificate",
    "application/x-x509-user-cert": "certificate",
    "application/x-pem-file": "certificate",
    "application/pkcs7-mime": "certificate",
    "application/x-pkcs7-certificates": "certificate",
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
    "pem": "certificate",
    "crt": "certificate",
    "cer": "certificate",
    "der": "certificate",
    "p7b": "certificate",
}
#: Envelope framing (docs/envelope-format.md; the limits of prex.envelope.container).
ENVELOPE_MAX_HEADER = 64 * 1024
ENVELOPE_MAX_SIGNATURE = 256 * 1024
_PEM = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*-----BEGIN [A-Z0-9 ]+-----")
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


def _is_certificate(head: bytes) -> bool:
    """PEM (a certificate, a chain, PKCS#7) or DER: an ASN.1 SEQUENCE with a definite length."""
    if _PEM.match(head):
        return True
    return len(head) >= 4 and head[0] == 0x30 and head[1] in (0x81, 0x82, 0x83, 0x84)


def proves(family: str, head: bytes, found: str | None) -> bool:
    """Whether the first bytes are of ``family`` (``found``: what :func:`sniff` said)."""
    if family == "certificate":
        return _is_certificate(head)
    return found == family


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


def check_type(
    filename: str, media_type: str, head: bytes, expect: str | None = None
) -> str | None:
    found = sniff(head)
    for family in expected_families(filename, media_type):
        if not proves(family, head, found):
            raise UploadRefused(
                "type",
                f"'{filename}' is declared as {family} ({media_type or 'no media type'}) "
                f"but its bytes are {found or 'of no known type'}",
                declared=family,
                sniffed=found,
            )
    if expect is not None and not proves(expect, head, found):
        raise UploadRefused(
            "type",
            f"'{filename}' is not {_KINDS.get(expect, expect)}: its bytes are "
            f"{found or 'of no known type'}",
            declared=expect,
            sniffed=found,
        )
    return expect if expect is not None else found


_KINDS = {
    "envelope": "a prex sealed envelope (docs/envelope-format.md)",
    "certificate": "a certificate (PEM or DER)",
}


def check_envelope(head: bytes, tail: bytes, size: int) -> None:
    """The framing of a sealed envelope adds up to its size (its first and last bytes only):
    ``magic ‖ u32 header length ‖ header ‖ u64 payload length ‖ payload ‖ u32 signature length
    ‖ signature``."""

    def refuse(why: str) -> UploadRefused:
        return UploadRefused("envelope-structure", f"not a well-formed envelope: {why}")

    if size < 24 or len(head) < 12:
        raise refuse("shorter than its framing")
    (header_length,) = struct.unpack(">I", head[8:12])
    if not 0 < header_length <= ENVELOPE_MAX_HEADER or size < 24 + header_length:
        raise refuse(f"a header of {header_length} bytes")
    if head[12:13] not in (b"{", b""):
        raise refuse("its header is not JSON")
    if len(head) < 20 + header_length or size > len(tail) + 20 + header_length:
        return  # the payload length lies beyond the bytes kept: the parser checks the rest
    (payload_length,) = struct.unpack(">Q", head[12 + header_length : 20 + header_length])
    signature_length = size - (24 + header_length + payload_length)
    if not 0 <= signature_length <= ENVELOPE_MAX_SIGNATURE:
        raise refuse(f"its payload of {payload_length} bytes does not fit its {size} bytes")
    at = len(tail) - 4 - signature_length
    if at < 0 or struct.unpack(">I", tail[at : at + 4]) != (signature_length,):
        raise refuse("its signature length does not match its end")


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


class StreamCheck:
    """The checks of :func:`checked`, fed chunk by chunk: :meth:`feed` each chunk as it arrives
    (raises at the first byte over the limit, and — with ``expect`` — at the type check once
    the first bytes are in), then :meth:`finish` when the body has ended. ``filename`` None:
    a raw body, which has no name to check."""

    def __init__(
        self,
        *,
        filename: str | None,
        media_type: str,
        limits: UploadLimits,
        expect: str | None = None,
    ) -> None:
        if filename is not None:
            check_filename(filename)
        self.filename = filename or "the body"
        self.media_type = media_type
        self.limits = limits
        self.expect = expect
        self.size = 0
        self.head = b""
        self.tail = bytearray()
        self.family: str | None = None
        self._typed = False

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.limits.max_bytes:
            raise UploadTooLarge(self.limits.max_bytes)
        if len(self.head) < HEAD:
            self.head += chunk[: HEAD - len(self.head)]
            if len(self.head) >= HEAD and self.expect is not None:
                self._type()  # an entry point of one kind refuses another kind at once
        self.tail += chunk
        if len(self.tail) > TAIL:
            del self.tail[: len(self.tail) - TAIL]

    def _type(self) -> None:
        if not self._typed:
            self._typed = True
            self.family = check_type(self.filename, self.media_type, self.head, self.expect)

    def finish(self) -> str | None:
        """The checks once the bytes are all seen; returns the family the bytes are."""
        if self.size == 0:
            if self.expect is not None:
                raise UploadRefused("type", f"{self.filename} is empty")
            return None  # the store's own "the document is empty" answers that
        self._type()
        tail = bytes(self.tail)
        if self.family == "zip":
            check_archive(tail, self.size, self.limits, complete=self.size <= len(tail))
        elif self.family == "envelope":
            check_envelope(self.head, tail, self.size)
        return self.family


def checked(
    chunks: Iterable[bytes],
    *,
    filename: str,
    media_type: str,
    limits: UploadLimits,
    expect: str | None = None,
) -> Iterator[bytes]:
    """``chunks`` passed through, counted and inspected; raises at the first byte over the
    limit, and after the last chunk when a check fails (with ``expect``, the type already once
    the first bytes are in; see the module docstring)."""
    check = StreamCheck(filename=filename, media_type=media_type, limits=limits, expect=expect)
    for chunk in chunks:
        check.feed(chunk)
        yield chunk
    check.finish()


def check_bytes(
    data: bytes,
    *,
    filename: str,
    media_type: str,
    limits: UploadLimits,
    expect: str | None = None,
) -> bytes:
    """The same checks for an upload already bounded and read (a CSV import, a statement, a
    certificate pasted as text)."""
    for _ in checked(
        [data], filename=filename, media_type=media_type, limits=limits, expect=expect
    ):
        pass
    return data
