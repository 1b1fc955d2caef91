"""The archive file: a ZIP whose members are listed, with SHA-256 and size, in ``manifest.json``.

Standard library only, so that the verifier (and anyone reading this module to write their
own) depends on nothing of the platform. The same members always give the same bytes: members
are written in a fixed order (the manifest, its signature, its timestamp, then every other
member by name), every entry carries the same date (1980-01-01 00:00:00, the earliest a ZIP
can hold) and the same permissions, and nothing else varies. The byte-by-byte description is
in docs/archive.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

FORMAT = "prex-archive"
VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"  # detached CMS over manifest.json (DER)
TIMESTAMP = "manifest.json.tsr"  # RFC 3161 TimeStampToken over SHA-256 of the signature (DER)
CA_CERTIFICATE = "certs/platform-ca.pem"
SIGNING_CERTIFICATE = "certs/signing.pem"
TSA_CERTIFICATE = "certs/tsa.pem"
AUDIT_ENTRIES = "dossier/audit/entries.json"
DRAW = "dossier/committee/draw.json"
# The three members the manifest cannot list: itself and what is made over it.
UNLISTED = (MANIFEST, SIGNATURE, TIMESTAMP)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
ZIP64_LIMIT = zipfile.ZIP64_LIMIT


@dataclass(frozen=True)
class FileMember:
    """A member whose bytes stay in a file until the archive is written (a document or an
    envelope of the blob store, which may be large): listed by the digest and size it was
    stored under, and checked against them as it is copied in."""

    path: Path
    sha256: str
    size: int

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk


Member = bytes | FileMember
CHUNK = 1024 * 1024


def listing(members: Mapping[str, Member]) -> list[dict[str, Any]]:
    """The manifest's ``members``: name, SHA-256 and size of each, by name."""
    return [
        {"name": name, "sha256": _digest(data), "size": _size(data)}
        for name, data in sorted(members.items())
    ]


def _digest(data: Member) -> str:
    return data.sha256 if isinstance(data, FileMember) else hashlib.sha256(data).hexdigest()


def _size(data: Member) -> int:
    return data.size if isinstance(data, FileMember) else len(data)


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as written (and signed): sorted keys, two-space indent, UTF-8, a final
    newline — readable in any editor, and the same bytes for the same manifest."""
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def member_order(names: list[str]) -> list[str]:
    """The order of members in the file: the unlisted three first, then by name."""
    first = [n for n in UNLISTED if n in names]
    return first + sorted(n for n in names if n not in UNLISTED)


def pack(members: Mapping[str, Member]) -> bytes:
    """Write ``members`` (name → bytes, including the manifest and what is made over it) as a
    deterministic ZIP, in memory."""
    out = io.BytesIO()
    pack_to(out, members)
    return out.getvalue()


def pack_to(out: BinaryIO, members: Mapping[str, Member]) -> None:
    """Write the deterministic ZIP to ``out``; a file member is streamed, and refused if its
    bytes are not the ones it is listed under (a blob damaged on disk)."""
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in member_order(list(members)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permissions below mean the same everywhere
            info.external_attr = 0o100644 << 16
            data = members[name]
            if not isinstance(data, FileMember):
                zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
                continue
            info.file_size = data.size
            digest, size = hashlib.sha256(), 0
            with zf.open(info, "w", force_zip64=data.size >= ZIP64_LIMIT) as member:
                for chunk in data.chunks():
                    digest.update(chunk)
                    size += len(chunk)
                    member.write(chunk)
            if (digest.hexdigest(), size) != (data.sha256, data.size):
                raise ValueError(f"{name}: the file's bytes are not the ones it was stored as")


class UnreadableArchive(Exception):
    """The file is not a ZIP, or a member cannot be read back (``member`` names it)."""

    def __init__(self, message: str, member: str | None = None) -> None:
        super().__init__(message)
        self.member = member


def unpack(data: bytes) -> dict[str, bytes]:
    """Every member's bytes; a member whose stored CRC does not match is named."""
    kept, _ = read_members(io.BytesIO(data), keep=len(data) + 1)
    return kept


# Members up to this size are kept in memory by the verifier (manifests, signatures, acts, the
# audit entries); larger ones (documents, envelopes) are only hashed as they are read.
KEEP_BYTES = 64 * 1024 * 1024


def read_members(
    source: BinaryIO, *, keep: int = KEEP_BYTES
) -> tuple[dict[str, bytes], dict[str, tuple[str, int]]]:
    """Stream through the ZIP: the bytes of every member up to ``keep`` bytes, and the SHA-256
    and size of every member; a member that does not read back (CRC, compression) is named."""
    try:
        zf = zipfile.ZipFile(source)
    except Exception as exc:  # BadZipFile, NotImplementedError (a version byte), OSError …
        raise UnreadableArchive(f"not a ZIP file ({type(exc).__name__}: {exc})") from exc
    kept: dict[str, bytes] = {}
    digests: dict[str, tuple[str, int]] = {}
    with zf:
        for info in zf.infolist():
            if info.filename in digests:
                raise UnreadableArchive("the member occurs twice", member=info.filename)
            try:
                digest, size, parts = hashlib.sha256(), 0, []
                with zf.open(info) as member:
                    while chunk := member.read(CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        if size <= keep:
                            parts.append(chunk)
            except Exception as exc:  # a bad CRC, zlib.error, an unknown method: this member
                raise UnreadableArchive(
                    f"{type(exc).__name__}: {exc}", member=info.filename
                ) from exc
            digests[info.filename] = (digest.hexdigest(), size)
            if size <= keep:
                kept[info.filename] = b"".join(parts)
    return kept, digests
