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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class ListedMember:
    """A member as the manifest lists it."""

    name: str
    sha256: str
    size: int


def listing(members: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """The manifest's ``members``: name, SHA-256 and size of each, by name."""
    return [
        {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        for name, data in sorted(members.items())
    ]


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    """The manifest as written (and signed): sorted keys, two-space indent, UTF-8, a final
    newline — readable in any editor, and the same bytes for the same manifest."""
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def member_order(names: list[str]) -> list[str]:
    """The order of members in the file: the unlisted three first, then by name."""
    first = [n for n in UNLISTED if n in names]
    return first + sorted(n for n in names if n not in UNLISTED)


def pack(members: Mapping[str, bytes]) -> bytes:
    """Write ``members`` (name → bytes, including the manifest and what is made over it) as a
    deterministic ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in member_order(list(members)):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the permissions below mean the same everywhere
            info.external_attr = 0o100644 << 16
            zf.writestr(info, members[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


class UnreadableArchive(Exception):
    """The file is not a ZIP, or a member cannot be read back (``member`` names it)."""

    def __init__(self, message: str, member: str | None = None) -> None:
        super().__init__(message)
        self.member = member


def unpack(data: bytes) -> dict[str, bytes]:
    """Every member's bytes; a member whose stored CRC does not match is named."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # BadZipFile, NotImplementedError (a version byte), OSError …
        raise UnreadableArchive(f"not a ZIP file ({type(exc).__name__}: {exc})") from exc
    members: dict[str, bytes] = {}
    with zf:
        for info in zf.infolist():
            if info.filename in members:
                raise UnreadableArchive("the member occurs twice", member=info.filename)
            try:
                members[info.filename] = zf.read(info)
            except Exception as exc:  # a bad CRC, zlib.error, an unknown method: this member
                raise UnreadableArchive(
                    f"{type(exc).__name__}: {exc}", member=info.filename
                ) from exc
    return members
