"""Opening one stored envelope, and deciding whose fault a failure is (E-bidding Measures art. 31).

One pass over the file: the structure is read, the content key unwrapped (with the opening key
rebuilt from k shares, or the key the bidder handed in), the payload decrypted and scanned in
memory — bid form, fingerprint, a digest of each document; nothing is written — while every
sealed byte also feeds the SHA-256 of the whole file, which must equal the digest the receipt and
the deadline commitment name. Then the CMS signature over the header is checked.

A failure is attributed by that digest. If the stored bytes are not those the bidder handed in
(the receipt's SHA-256), the platform lost or damaged them: the bid is treated as **withdrawn**
(视为撤回; not the bidder's fault). If they are exactly what the bidder sent and still do not open
— a content key wrapped wrongly, a payload that does not authenticate, a malformed bid form — the
bidder's own file is at fault: the bid is treated as **revoked** (视为撤销). Either way the other
bids open normally (art. 31: 部分投标文件未解密的，其他投标文件的开标可以继续进行).
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from prex.envelope import container
from prex.envelope.pack import Scanned
from prex.pki.cms import SignatureCheck
from prex.shared.errors import InvalidInput

ART31_SOURCE = "《电子招标投标办法》第三十一条"
REVOKED_TEXT = "因投标人原因造成投标文件未解密的，视为撤销其投标文件"
WITHDRAWN_TEXT = "因投标人之外的原因造成投标文件未解密的，视为撤回其投标文件"


@dataclass(frozen=True)
class Opened:
    """A bid that opened: what the envelope held, and who signed it."""

    form: dict[str, Any]
    fingerprint: dict[str, Any]
    scanned: Scanned
    signature: SignatureCheck
    content_key: bytes


@dataclass(frozen=True)
class NotOpened:
    """A bid that did not open, with the art. 31 outcome."""

    outcome: str  # revoked | withdrawn (art. 31) | unopened (its section failed)
    fault: str | None  # bidder | platform; None when nobody is at fault
    reason: str


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def open_envelope(
    path: Path,
    *,
    expected_sha256: str,
    tender_id: str,
    section_id: str,
    bidder_uscc: str,
    content_key_for: Callable[[container.Parsed], bytes],
    max_bytes: int,
) -> Opened | NotOpened:
    """Open the stored envelope at ``path``. ``content_key_for`` unwraps the content key from
    the parsed envelope (with the rebuilt opening key, or the bidder's released key); it raises
    InvalidInput when it cannot."""
    if not path.is_file():
        return withdrawn("the stored envelope is missing from the blob store")
    whole = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            size = path.stat().st_size
            parsed = container.read(handle, size, max_bytes=max_bytes)
            whole.update(parsed.signed_part)
            whole.update(struct.pack(">Q", parsed.header.payload_length))
            content_key = content_key_for(parsed)
            scanned = container.scan_payload(
                handle, parsed, content_key, max_total=max_bytes, on_read=whole.update
            )
        whole.update(struct.pack(">I", len(parsed.signature)) + parsed.signature)
        if whole.hexdigest() != expected_sha256:
            return _blame(path, expected_sha256, "the stored envelope differs from the receipt")
        signature = container.check_signature(parsed)
        form = _form(scanned, tender_id, section_id, bidder_uscc, parsed.header)
        fingerprint = _json(scanned.fingerprint, "fingerprint.json")
    except InvalidInput as exc:
        return _blame(path, expected_sha256, str(exc))
    return Opened(form, fingerprint, scanned, signature, content_key)


def withdrawn(reason: str) -> NotOpened:
    return NotOpened("withdrawn", "platform", f"{WITHDRAWN_TEXT}（{ART31_SOURCE}）：{reason}")


def revoked(reason: str) -> NotOpened:
    return NotOpened("revoked", "bidder", f"{REVOKED_TEXT}（{ART31_SOURCE}）：{reason}")


def unopened(reason: str) -> NotOpened:
    """A section with fewer bidders than the minimum is not opened (招标投标法实施条例第四十四条:
    投标人少于3个的，不得开标): its envelopes stay sealed."""
    return NotOpened("unopened", None, reason)


def _blame(path: Path, expected_sha256: str, problem: str) -> NotOpened:
    """Whose fault: the platform's when the stored bytes are not those received."""
    actual = file_sha256(path)
    if actual != expected_sha256:
        return withdrawn(
            f"the stored envelope's SHA-256 is {actual}, not {expected_sha256} as received "
            f"and committed ({problem})"
        )
    return revoked(f"the envelope as submitted cannot be opened: {problem}")


def _json(data: bytes, name: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput(f"{name} inside the bid is not JSON") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"{name} inside the bid is not a JSON object")
    return value


def _form(
    scanned: Scanned,
    tender_id: str,
    section_id: str,
    bidder_uscc: str,
    header: container.Header,
) -> dict[str, Any]:
    """The bid form, checked against the header and the bid as committed."""
    form = _json(scanned.form, "bid-form.json")
    named = (form.get("tender_id"), form.get("section_id"), form.get("bidder_uscc"))
    if named != (tender_id, section_id, bidder_uscc) or named != (
        header.tender_id,
        header.section_id,
        header.bidder_uscc,
    ):
        raise InvalidInput("the bid form names another tender, section or bidder")
    try:
        price = Decimal(str(form["price"]))
        duration = int(form["duration_days"])
        manager = str(form["project_manager"])
        bond = form["bond"]
        bond_kind, bond_reference = str(bond["kind"]), str(bond["reference"])
    except (KeyError, TypeError, ValueError, InvalidOperation):
        raise InvalidInput("the bid form lacks a price, duration, manager or bond") from None
    if not price.is_finite() or price <= 0:
        raise InvalidInput("the bid form's price is not a positive amount")
    read = {
        "price": f"{price:.2f}",
        "duration_days": duration,
        "project_manager": manager,
        "bond": {"kind": bond_kind, "reference": bond_reference},
    }
    if isinstance(phone := form.get("contact_phone"), str) and phone.strip():
        read["contact_phone"] = phone.strip()[:40]  # optional; evidence for collusion screens
    return read
