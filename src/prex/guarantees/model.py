"""The electronic bid guarantee (电子保函) as data: the application prex sends to a guarantor,
the guarantee document the guarantor signs, the notices of release and claim.

Everything exchanged is **canonical JSON** (``prex.award.acts.act_bytes``: sorted keys, no
whitespace, UTF-8, ``"act"`` naming the kind), so that the bytes a guarantor signs are the bytes
prex verifies and anyone can re-derive them from the fields (docs/integration.md, "Guarantee
providers", shows them byte for byte). Money is a decimal string with two places (yuan), dates
are ``YYYY-MM-DD`` in China Standard Time, instants UTC ISO 8601 to the second.

Only the standard library and prex's canonical JSON here: this module is what a provider's
author reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from prex.audit.chain import canonical_json
from prex.award.acts import act_bytes

APPLICATION_ACT = "bid-guarantee-application"
DOCUMENT_ACT = "bid-guarantee"
RELEASE_ACT = "bid-guarantee-release"
CLAIM_ACT = "bid-guarantee-claim"
CURRENCY = "CNY"
#: The bid validity period (投标有效期) a guarantee covers after the bid deadline. The tender model
#: has no field for it yet; 90 days is the common figure of model tender documents, and a
#: guarantee must cover it (投标保证金有效期应当与投标有效期一致，实施条例第二十六条).
BID_VALIDITY_DAYS = 90
MAX_DOCUMENT = 64 * 1024


class GuaranteeStatus(StrEnum):
    """Requested by the bidder → accepted (verified and recorded as its bid bond) → released or
    claimed by the tender's outcome. Issuing and accepting are one step inside prex: a signed
    document is verified and recorded as the bond in one unit of work, or refused and nothing is
    kept — so there is no stored "issued but not yet accepted" state. ``releasing`` and
    ``claiming`` say the outcome is decided and the provider is being told (the worker retries
    until it answers)."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    RELEASING = "releasing"
    RELEASED = "released"
    CLAIMING = "claiming"
    CLAIMED = "claimed"
    REFUSED = "refused"  # the in-process provider would not issue, or prex refused its document


class ClaimReason(StrEnum):
    """The forfeiture grounds a claim may cite (the tenderer's or the centre's signed act)."""

    CONTRACT_REFUSED = "contract-refused"
    WITHDRAWN_AFTER_DEADLINE = "withdrawn-after-deadline"


CLAIM_BASIS: dict[ClaimReason, str] = {
    ClaimReason.CONTRACT_REFUSED: "中标人无正当理由不与招标人订立合同，或放弃中标项目，"
    "投标保证金不予退还（《招标投标法实施条例》第七十四条）",
    ClaimReason.WITHDRAWN_AFTER_DEADLINE: "投标截止后投标人撤销投标文件的，"
    "招标人可以不退还投标保证金（《招标投标法实施条例》第三十五条）",
}
RELEASE_BASIS: dict[str, str] = {
    "contract-signed": "招标人最迟应当在书面合同签订后5日内向中标人和未中标的投标人退还投标保证金"
    "（《招标投标法实施条例》第五十七条；政府采购：《政府采购法实施条例》第三十三条、"
    "《政府采购货物和服务招标投标管理办法》第三十八条）",
    "tender-failed": "招标失败（流标），投标保证金退还投标人",
    "tender-cancelled": "招标终止，招标人应当及时退还所收取的投标保证金"
    "（《招标投标法实施条例》第三十一条）",
}


def money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def party(name: str, uscc: str) -> dict[str, str]:
    return {"name": name, "uscc": uscc}


@dataclass(frozen=True)
class Application:
    """What prex asks a guarantor for, on the bidder's behalf (canonical: :meth:`to_bytes`).

    ``cover_from`` is the bid deadline's day and ``cover_until`` the end of the bid validity
    period: the guarantee must be valid over both."""

    application_id: str
    tender_id: str
    tender_code: str
    tender_title: str
    section_id: str
    beneficiary_name: str
    beneficiary_uscc: str
    applicant_name: str
    applicant_uscc: str
    amount: Decimal
    cover_from: date
    cover_until: date

    def fields(self) -> dict[str, Any]:
        """The fields a guarantee document repeats exactly (besides the amount and dates)."""
        return {
            "application_id": self.application_id,
            "tender": {"id": self.tender_id, "code": self.tender_code, "title": self.tender_title},
            "section_id": self.section_id,
            "beneficiary": party(self.beneficiary_name, self.beneficiary_uscc),
            "applicant": party(self.applicant_name, self.applicant_uscc),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "act": APPLICATION_ACT,
            **self.fields(),
            "amount": money(self.amount),
            "currency": CURRENCY,
            "cover_from": self.cover_from.isoformat(),
            "cover_until": self.cover_until.isoformat(),
        }

    def to_bytes(self) -> bytes:
        body = self.to_json()
        body.pop("act")
        return act_bytes(APPLICATION_ACT, **body)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Application:
        return cls(
            application_id=body["application_id"],
            tender_id=body["tender"]["id"],
            tender_code=body["tender"]["code"],
            tender_title=body["tender"]["title"],
            section_id=body["section_id"],
            beneficiary_name=body["beneficiary"]["name"],
            beneficiary_uscc=body["beneficiary"]["uscc"],
            applicant_name=body["applicant"]["name"],
            applicant_uscc=body["applicant"]["uscc"],
            amount=Decimal(body["amount"]),
            cover_from=date.fromisoformat(body["cover_from"]),
            cover_until=date.fromisoformat(body["cover_until"]),
        )


@dataclass(frozen=True)
class GuaranteeTerms:
    """What the guarantor decides: its number, the amount, the validity, the issue instant."""

    guarantor_name: str
    guarantor_uscc: str
    guarantee_number: str
    amount: Decimal
    valid_from: date
    valid_until: date
    issued_at: datetime
    terms: str = (
        "不可撤销、见索即付：受益人书面索赔并载明投标保证金不予退还的法定事由时，"
        "保证人在保证金额内付款"
    )


def document_bytes(application: Application, terms: GuaranteeTerms) -> bytes:
    """The guarantee document a guarantor signs: the application's fields, then its own."""
    return act_bytes(
        DOCUMENT_ACT,
        **application.fields(),
        guarantor=party(terms.guarantor_name, terms.guarantor_uscc),
        guarantee_number=terms.guarantee_number,
        amount=money(terms.amount),
        currency=CURRENCY,
        valid_from=terms.valid_from.isoformat(),
        valid_until=terms.valid_until.isoformat(),
        issued_at=terms.issued_at.isoformat(timespec="seconds"),
        terms=terms.terms,
    )


@dataclass(frozen=True)
class GuaranteeDocument:
    """A parsed guarantee document (only a well-formed, canonical one is ever parsed)."""

    raw: dict[str, Any]
    application_id: str
    guarantor_name: str
    guarantor_uscc: str
    guarantee_number: str
    amount: Decimal
    valid_from: date
    valid_until: date
    issued_at: datetime

    def application_fields(self) -> dict[str, Any]:
        return {
            k: self.raw[k]
            for k in ("application_id", "tender", "section_id", "beneficiary", "applicant")
        }


class DocumentFormatError(ValueError):
    """The bytes are not a canonical guarantee document (the message says what is wrong)."""


_TOP = {
    "act",
    "application_id",
    "tender",
    "section_id",
    "beneficiary",
    "applicant",
    "guarantor",
    "guarantee_number",
    "amount",
    "currency",
    "valid_from",
    "valid_until",
    "issued_at",
    "terms",
}


def parse_document(data: bytes) -> GuaranteeDocument:
    """Parse a guarantee document, refusing anything that is not exactly its canonical form."""
    if not data or len(data) > MAX_DOCUMENT:
        raise DocumentFormatError(f"a document is 1 byte to {MAX_DOCUMENT // 1024} KiB")
    try:
        body = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise DocumentFormatError(f"not UTF-8 JSON: {exc}") from None
    if not isinstance(body, dict) or body.get("act") != DOCUMENT_ACT:
        raise DocumentFormatError(f"not a '{DOCUMENT_ACT}' act")
    if set(body) != _TOP:
        missing, extra = sorted(_TOP - set(body)), sorted(set(body) - _TOP)
        raise DocumentFormatError(f"fields missing {missing} or unexpected {extra}")
    try:
        if canonical_json(body) != data:
            raise DocumentFormatError("not in canonical form (sorted keys, no spaces, UTF-8)")
        guarantor = body["guarantor"]
        amount = Decimal(body["amount"])
        if not isinstance(body["amount"], str) or money(amount) != body["amount"]:
            raise DocumentFormatError("the amount is a string of yuan with two decimals")
        if body["currency"] != CURRENCY:
            raise DocumentFormatError(f"the currency is {CURRENCY}")
        issued_at = datetime.fromisoformat(body["issued_at"])
        if issued_at.tzinfo is None:
            raise DocumentFormatError("issued_at carries its offset (UTC)")
        number = body["guarantee_number"]
        if not isinstance(number, str) or not 1 <= len(number) <= 100 or number.strip() != number:
            raise DocumentFormatError("the guarantee number is 1–100 characters")
        return GuaranteeDocument(
            raw=body,
            application_id=str(body["application_id"]),
            guarantor_name=str(guarantor["name"]),
            guarantor_uscc=str(guarantor["uscc"]),
            guarantee_number=number,
            amount=amount,
            valid_from=date.fromisoformat(body["valid_from"]),
            valid_until=date.fromisoformat(body["valid_until"]),
            issued_at=issued_at,
        )
    except DocumentFormatError:
        raise
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError) as exc:
        raise DocumentFormatError(f"a field is malformed: {exc!r}") from None


def notice_bytes(
    kind: str,
    *,
    guarantee_id: str,
    guarantee_number: str,
    guarantor_uscc: str,
    document_sha256: str,
    reason: str,
    basis: str,
    amount: Decimal,
    decided_at: datetime,
) -> bytes:
    """A release or claim notice (``bid-guarantee-release`` / ``bid-guarantee-claim``), which
    the platform signs and hands to the guarantor."""
    assert kind in (RELEASE_ACT, CLAIM_ACT)
    return act_bytes(
        kind,
        guarantee_id=guarantee_id,
        guarantee_number=guarantee_number,
        guarantor_uscc=guarantor_uscc,
        document_sha256=document_sha256,
        reason=reason,
        basis=basis,
        amount=money(amount),
        decided_at=decided_at.isoformat(timespec="seconds"),
    )
