"""Tender parameters: what a bidder downloads to seal offline (format ``prex-tender-parameters``,
version 1). The server publishes them when the tender is published; the sealing client needs
nothing else from the server."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prex.envelope.container import SUITES, canonical
from prex.pki.certs import Certificate
from prex.pki.cms import verify_detached
from prex.shared.errors import InvalidInput

FORMAT = "prex-tender-parameters"
VERSION = 1
#: Who can open an envelope (rule pack): custodians only (default); the bidder or the
#: custodians; or the bidder only (legacy practice; E-bidding Measures art. 31 then applies).
KEY_MODES = ("custodians", "bidder_or_custodians", "bidder_only")


SIGNATURE_FIELD = "platform_signature"


class BadParameters(InvalidInput):
    slug = "tender-parameters-malformed"


def check_platform_signature(data: dict[str, Any], platform_ca: Certificate) -> Certificate:
    """Refuse parameters not signed by a certificate that ``platform_ca`` (the bidder's pinned
    copy of the platform CA) issued; returns the signer. Offline: no revocation check."""
    text = data.get(SIGNATURE_FIELD)
    if not isinstance(text, str):
        raise BadParameters("the tender parameters carry no platform signature")
    try:
        signature = base64.b64decode(text, validate=True)
    except ValueError:
        raise BadParameters("the platform signature is not base64") from None
    body = {k: v for k, v in data.items() if k != SIGNATURE_FIELD}
    check = verify_detached(canonical(body), signature)
    signer = check.signer
    issued = signer.issuer_der == platform_ca.subject_der and platform_ca.public_key.verify(
        signer.signature_scheme, signer.signature, signer.tbs
    )
    if not issued:
        raise BadParameters("the tender parameters are not signed by the platform you trust")
    return signer


@dataclass(frozen=True)
class Section:
    id: str
    name: str


@dataclass(frozen=True)
class TenderParameters:
    tender_id: str
    title: str
    platform_code: str
    sections: tuple[Section, ...]
    suite: str
    opening_public_point: bytes
    key_mode: str
    bid_deadline: datetime
    max_envelope_bytes: int

    @property
    def wraps_to_bidder(self) -> bool:
        return self.key_mode != "custodians"

    def section(self, section_id: str | None) -> Section:
        if section_id is None and len(self.sections) == 1:
            return self.sections[0]
        for section in self.sections:
            if section.id == section_id:
                return section
        names = ", ".join(f"{s.id} ({s.name})" for s in self.sections)
        raise InvalidInput(f"choose the section (标段) to bid for: {names}", field="section")

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "tender_id": self.tender_id,
            "title": self.title,
            "platform_code": self.platform_code,
            "sections": [{"id": s.id, "name": s.name} for s in self.sections],
            "suite": self.suite,
            "opening_public_key": self.opening_public_point.hex(),
            "key_mode": self.key_mode,
            "bid_deadline": self.bid_deadline.isoformat(),
            "max_envelope_bytes": self.max_envelope_bytes,
        }

    @classmethod
    def from_json(cls, data: Any) -> TenderParameters:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BadParameters("this is not a prex tender parameters file")
        if data.get("version") != VERSION:
            raise BadParameters(f"tender parameters version {data.get('version')!r} is unknown")
        try:
            params = cls(
                tender_id=str(data["tender_id"]),
                title=str(data["title"]),
                platform_code=str(data["platform_code"]),
                sections=tuple(Section(str(s["id"]), str(s["name"])) for s in data["sections"]),
                suite=str(data["suite"]),
                opening_public_point=bytes.fromhex(str(data["opening_public_key"])),
                key_mode=str(data["key_mode"]),
                bid_deadline=datetime.fromisoformat(str(data["bid_deadline"])),
                max_envelope_bytes=int(data["max_envelope_bytes"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BadParameters(f"the tender parameters are incomplete ({exc})") from None
        if params.suite not in SUITES or params.key_mode not in KEY_MODES:
            raise BadParameters("the tender parameters name an unknown suite or key mode")
        if len(params.opening_public_point) != 65 or params.opening_public_point[0] != 4:
            raise BadParameters("the opening public key is not an uncompressed point")
        if params.bid_deadline.tzinfo is None or not params.sections:
            raise BadParameters("the tender parameters lack a deadline with a zone or sections")
        return params

    @classmethod
    def loads(cls, text: bytes) -> TenderParameters:
        try:
            return cls.from_json(json.loads(text.decode("utf-8")))
        except (UnicodeDecodeError, ValueError) as exc:
            if isinstance(exc, InvalidInput):
                raise
            raise BadParameters("the tender parameters file is not JSON") from None
