"""The machine fingerprint a sealing tool records inside the sealed bid (E-bidding practice):
hashes of the machine's network (MAC), CPU and disk identifiers, the tool's version, and the
documents' own creation identifiers. Evidence for collusion analysis after opening, never
proof: a tampered client can lie. Only SHA-256 digests leave the machine, and only encrypted."""

from __future__ import annotations

import hashlib
import platform
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prex import __version__ as PREX_VERSION  # noqa: N812

_PDF_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>")


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _cpu() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return platform.processor() or platform.machine()
    models = sorted(
        {
            line.split(":", 1)[1].strip()
            for line in text.splitlines()
            if line.startswith("model name")
        }
    )
    return ";".join(models) or platform.machine()


def _disks() -> list[str]:
    folder = Path("/dev/disk/by-id")
    try:
        return sorted(p.name for p in folder.iterdir() if "-part" not in p.name)
    except OSError:
        return []


def document_ids(path: Path) -> list[str]:
    """Identifiers an editor writes into a document: a PDF's trailer /ID, an Office file's
    creator, last editor and revision (the same templates and editors betray common origin)."""
    found: list[str] = []
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            handle.seek(max(0, path.stat().st_size - 64 * 1024))
            tail = handle.read()
        if head.startswith(b"%PDF"):
            data = tail
            found += [f"pdf-id:{m.decode()}" for m in _PDF_ID.findall(data)]
        elif head.startswith(b"PK") and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                if "docProps/core.xml" in archive.namelist():
                    core = archive.read("docProps/core.xml").decode("utf-8", "replace")
                    for tag in ("dc:creator", "cp:lastModifiedBy", "cp:revision"):
                        match = re.search(f"<{tag}>([^<]*)</{tag}>", core)
                        if match:
                            found.append(f"{tag}:{match.group(1)}")
    except (OSError, zipfile.BadZipFile):
        return []
    return found


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


@dataclass(frozen=True)
class MachineIds:
    """A machine's identifiers before hashing: MAC addresses, CPU model, disk serials."""

    macs: list[str]
    cpu: str
    disks: list[str]


def this_machine() -> MachineIds:
    return MachineIds(macs=[f"{uuid.getnode():012x}"], cpu=_cpu(), disks=_disks())


def fingerprint_of(machine: MachineIds, documents: list[Path]) -> dict[str, Any]:
    """The fingerprint record of the given machine's identifiers and the documents."""
    return {
        "tool": f"prex-seal {PREX_VERSION}",
        "platform": platform.platform(),
        "mac_sha256": [_h(m) for m in machine.macs],
        "cpu_sha256": _h(machine.cpu),
        "disk_ids_sha256": [_h(d) for d in machine.disks],
        "documents": [
            {
                "name": p.name,
                "sha256": _file_sha256(p),
                "creation_ids_sha256": [_h(i) for i in document_ids(p)],
            }
            for p in documents
        ],
    }


def machine_fingerprint(documents: list[Path]) -> dict[str, Any]:
    return fingerprint_of(this_machine(), documents)
