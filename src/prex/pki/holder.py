"""Who a certificate belongs to, read through its CA's profile (CA互认 identity binding).

Chinese CAs put the holder's identity in different places: the unified social credit code in
``serialNumber``, ``OU``, ``CN`` or ``organizationIdentifier`` (2.5.4.97); a person's resident
identity number (GB 11643) usually in ``serialNumber``. A CA's profile lists the rules that apply
to it, e.g. ``("uscc:serialNumber", "person:serialNumber")``. Values may carry a prefix (for
example ``NTRCN-`` in organizationIdentifier or ``统一社会信用代码:``); the code is found as the
one token that passes its check digit, so a typo never binds a certificate to someone else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from prex.identity.uscc import ALPHABET, check_character
from prex.pki.certs import Certificate
from prex.shared.errors import InvalidInput

ATTRIBUTES = {
    "serialNumber": "2.5.4.5",
    "OU": "2.5.4.11",
    "CN": "2.5.4.3",
    "O": "2.5.4.10",
    "organizationIdentifier": "2.5.4.97",
    "UID": "0.9.2342.19200300.100.1.1",
}
KINDS = ("uscc", "person")
DEFAULT_PROFILE = ("uscc:serialNumber",)

_USCC_TOKEN = re.compile(f"[{ALPHABET}]{{18}}")
_ID_TOKEN = re.compile(r"\d{17}[\dX]")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class IdentityMismatch(InvalidInput):
    slug = "certificate-identity-mismatch"


@dataclass(frozen=True)
class Holder:
    """The identity a certificate proves: an organisation's credit code or a person's ID."""

    kind: str  # organisation | person
    code: str
    name: str

    @property
    def display(self) -> str:
        """What may be shown: the full credit code, or a person's ID masked."""
        return self.code if self.kind == "organisation" else mask_person_id(self.code)

    def fingerprint(self, secret: str) -> str:
        """A keyed hash, so that a person's ID number is never stored in the clear."""
        message = f"{self.kind}:{self.code}".encode()
        return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def validate_profile(rules: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Normalise and check profile rules such as ``uscc:OU``; refuse unknown ones clearly."""
    if not rules:
        return DEFAULT_PROFILE
    checked: list[str] = []
    for rule in rules:
        kind, _, attribute = rule.strip().partition(":")
        if kind not in KINDS or attribute not in ATTRIBUTES:
            raise InvalidInput(
                f"profile rule '{rule}' is not known: use KIND:ATTRIBUTE with KIND one of "
                f"{', '.join(KINDS)} and ATTRIBUTE one of {', '.join(ATTRIBUTES)}",
                field="profile",
            )
        if f"{kind}:{attribute}" not in checked:
            checked.append(f"{kind}:{attribute}")
    return tuple(checked)


def person_id_valid(code: str) -> bool:
    """GB 11643-1999 check character of an 18-character resident identity number."""
    if not _ID_TOKEN.fullmatch(code) or not _plausible_birth_date(code[6:14]):
        return False
    total = sum(int(ch) * w for ch, w in zip(code[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == code[17]


def _plausible_birth_date(text: str) -> bool:
    """Characters 7–14 are the birth date; this also tells an ID from an all-digit credit code."""
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return date(1900, 1, 1) <= born


def mask_person_id(code: str) -> str:
    return code[:6] + "*" * 8 + code[-4:]


def _uscc_valid(code: str) -> bool:
    return code[2:8].isdigit() and check_character(code[:17]) == code[17]


def holder_of(certificate: Certificate, profile: tuple[str, ...]) -> Holder:
    """The one holder the profile finds in the certificate's subject, or a clear refusal."""
    found: set[tuple[str, str]] = set()
    for rule in profile:
        kind, _, attribute = rule.partition(":")
        for value in certificate.name_attributes(ATTRIBUTES[attribute]):
            text = value.upper()
            if kind == "uscc":
                found |= {("organisation", t) for t in _USCC_TOKEN.findall(text) if _uscc_valid(t)}
            else:
                found |= {("person", t) for t in _ID_TOKEN.findall(text) if person_id_valid(t)}
    if not found:
        raise IdentityMismatch(
            f"the certificate of '{certificate.common_name}' carries no credit code or identity "
            f"number where its CA's profile ({', '.join(profile)}) says it should"
        )
    codes = {code for _, code in found}
    if len(found) == 2 and len(codes) == 1:
        # An all-digit code can pass both check digits (a 1-in-31 chance for an identity number
        # to look like a credit code). Organisation certificates name the organisation (O);
        # personal ones do not.
        kind = "organisation" if certificate.name_attributes(ATTRIBUTES["O"]) else "person"
        found = {(kind, codes.pop())}
    if len(found) > 1:
        raise IdentityMismatch(
            f"the certificate of '{certificate.common_name}' carries {len(found)} different "
            "identities; it cannot be bound to exactly one holder"
        )
    kind, code = found.pop()
    return Holder(kind, code, certificate.common_name)


def require_organisation(holder: Holder, uscc: str, org_name: str) -> None:
    """Refuse a certificate whose credit code is not the claimed organisation's."""
    if holder.kind != "organisation":
        raise IdentityMismatch(
            f"a personal certificate ({holder.display}) cannot act for organisation '{org_name}'"
        )
    if holder.code != uscc:
        raise IdentityMismatch(
            f"the certificate's credit code {holder.code} is not that of '{org_name}' ({uscc})"
        )
