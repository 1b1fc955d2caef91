"""Sealing a bid on the bidder's machine: bid form + documents + machine fingerprint → one
signed envelope for the tender's opening key. Offline: reads the downloaded tender parameters,
the bidder's certificate and key; writes the envelope; contacts nobody."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from prex.envelope import container, pack
from prex.envelope.parameters import TenderParameters
from prex.identity.uscc import ALPHABET, check_character
from prex.pki.certs import Certificate, parse_certificates
from prex.pki.keys import PrivateKey
from prex.sealing.fingerprint import MachineIds, fingerprint_of, this_machine
from prex.shared.errors import InvalidInput

BOND_KINDS = ("cash", "bank_guarantee", "e_guarantee", "insurance")
_USCC = re.compile(f"[{ALPHABET}]{{18}}")
_PHONE = re.compile(r"\+?[0-9][0-9 -]{4,28}[0-9]")


@dataclass(frozen=True)
class BidForm:
    """The 投标函 figures read out at opening (唱标)."""

    price: Decimal  # yuan
    duration_days: int
    project_manager: str
    bond_kind: str
    bond_reference: str
    contact_phone: str = ""  # 联系电话 of the bid form; optional (compared by the collusion screen)

    def __post_init__(self) -> None:
        if self.price <= 0 or self.price.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidInput(
                "the price is a positive amount of yuan with at most 2 decimals", field="price"
            )
        if not 0 < self.duration_days <= 3650:
            raise InvalidInput("the duration is 1–3650 days", field="duration_days")
        if self.bond_kind not in BOND_KINDS:
            raise InvalidInput(f"the bond is one of {', '.join(BOND_KINDS)}", field="bond_kind")
        if not self.project_manager.strip():
            raise InvalidInput("name the project manager", field="project_manager")
        if self.contact_phone and not _PHONE.fullmatch(self.contact_phone):
            raise InvalidInput(
                "the contact telephone is digits, with an optional leading + and - or spaces",
                field="contact_phone",
            )

    @classmethod
    def parse(
        cls,
        price: str,
        duration_days: int,
        project_manager: str,
        bond_kind: str,
        bond_reference: str,
        contact_phone: str = "",
    ) -> BidForm:
        try:
            amount = Decimal(price.replace(",", "").strip())
        except InvalidOperation:
            raise InvalidInput(f"'{price}' is not an amount of yuan", field="price") from None
        if not amount.is_finite():
            raise InvalidInput(f"'{price}' is not an amount of yuan", field="price")
        return cls(
            amount,
            duration_days,
            project_manager.strip(),
            bond_kind,
            bond_reference.strip(),
            contact_phone.strip(),
        )

    def to_json(self, tender_id: str, section_id: str, bidder_uscc: str) -> dict[str, Any]:
        return {
            "tender_id": tender_id,
            "section_id": section_id,
            "bidder_uscc": bidder_uscc,
            "price": f"{self.price:.2f}",
            "duration_days": self.duration_days,
            "project_manager": self.project_manager,
            "bond": {"kind": self.bond_kind, "reference": self.bond_reference},
            **({"contact_phone": self.contact_phone} if self.contact_phone else {}),
        }


def uscc_in(certificate: Certificate) -> str | None:
    """The one valid credit code anywhere in the subject, if exactly one (CAs differ on where)."""
    found = {
        token
        for attribute in certificate.x509.subject
        for token in _USCC.findall(str(attribute.value).upper())
        if token[2:8].isdigit() and check_character(token[:17]) == token[17]
    }
    return found.pop() if len(found) == 1 else None


def seal_bid(
    params: TenderParameters,
    *,
    section_id: str | None,
    form: BidForm,
    documents: list[Path],
    certificate_pem: bytes,
    key_pem: bytes,
    out: Path,
    now: datetime,
    encryption_certificate_pem: bytes | None = None,
    bidder_uscc: str | None = None,
    machine: MachineIds | None = None,
) -> container.Sealed:
    """Seal and sign one bid. ``machine`` replaces this machine's identifiers in the
    fingerprint only where a simulation stands in for many machines (the demo's bidders)."""
    section = params.section(section_id)
    signer, *chain = parse_certificates(certificate_pem)  # the file may carry its CAs
    key = PrivateKey.load(key_pem)
    if key.public_key().spki_der != signer.public_key.spki_der:
        raise InvalidInput("the key does not belong to the certificate", field="key")
    uscc = bidder_uscc or uscc_in(signer)
    if uscc is None:
        raise InvalidInput("the certificate names no single credit code: pass --uscc", field="uscc")
    encryption: Certificate | None = None
    if params.wraps_to_bidder:
        if encryption_certificate_pem is None:
            raise InvalidInput(
                "this tender lets bidders decrypt their own bids: give your encryption certificate",
                field="encryption_certificate",
            )
        encryption = parse_certificates(encryption_certificate_pem)[0]
    for document in documents:
        if not document.is_file():
            raise InvalidInput(f"{document} is not a file", field="documents")
    names = [d.name for d in documents]
    if len(set(names)) != len(names):
        raise InvalidInput("two documents have the same name", field="documents")
    fingerprint = fingerprint_of(machine or this_machine(), documents)
    items = [
        pack.Item(pack.FORM, data=_json(form.to_json(params.tender_id, section.id, uscc))),
        pack.Item(pack.FINGERPRINT, data=_json(fingerprint)),
        *(pack.Item(f"documents/{d.name}", path=d) for d in documents),
    ]
    sealed = container.seal(
        out=out,
        suite=params.suite,
        tender_id=params.tender_id,
        section_id=section.id,
        bidder_uscc=uscc,
        opening_public_point=params.opening_public_point,
        items=items,
        signer_certificate=signer,
        signer_key=key,
        chain=chain,
        bidder_encryption_certificate=encryption,
        sealed_at=now,
    )
    if sealed.size > params.max_envelope_bytes:
        out.unlink(missing_ok=True)
        raise InvalidInput(
            f"the sealed bid is {sealed.size} bytes; the tender accepts at most "
            f"{params.max_envelope_bytes}",
            field="documents",
        )
    return sealed


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode()
