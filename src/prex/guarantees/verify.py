"""Verifying a guarantee document before prex accepts it as a bid bond.

One function, :func:`verify_guarantee`, used by both ways a document arrives (an in-process
provider, a bank's machine client). The checks run in the order of
:data:`prex.guarantees.errors.CHECKS` and the first that fails refuses the document with
``guarantee-invalid`` naming it:

``format``       canonical JSON of act ``bid-guarantee`` with exactly its fields;
``signature``    a detached CMS signature over exactly these bytes (one changed byte fails);
``certificate``  the signer's path ends at a CA on the trust list (CA mutual recognition), is
                 valid now for signing and not revoked — self-signed or other-CA certificates
                 fail here;
``guarantor``    the certificate is an organisation's whose credit code is the document's
                 guarantor (and, over the API, the calling client's owner organisation);
``issued-at``    the certificate was valid at the document's issue instant, which is not in the
                 future nor before the request;
``application``  tender, section, applicant, beneficiary and application id are the request's;
``amount``       at least the amount applied for, at most the statutory 2 % of the section's
                 estimated price (实施条例第二十六条, as ``prex.bidding.bonds``);
``validity``     valid from at the latest the bid deadline's day to at least the end of the bid
                 validity period;
``number``       no other guarantee of the same guarantor has this number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from prex.guarantees.errors import GuaranteeInvalid
from prex.guarantees.model import (
    Application,
    DocumentFormatError,
    GuaranteeDocument,
    money,
    parse_document,
)
from prex.pki.cms import BadSignature, verify_detached
from prex.pki.holder import IdentityMismatch
from prex.pki.path import CertificateRefused
from prex.pki.service import Pki
from prex.pki.signatures import SignatureVerdict
from prex.pki.trust import Purpose

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Verified:
    document: GuaranteeDocument
    verdict: SignatureVerdict


def verify_guarantee(
    pki: Pki,
    data: bytes,
    signature: bytes,
    *,
    application: Application,
    cap: Decimal,
    requested_at: datetime,
    now: datetime,
    guarantor_uscc: str | None = None,
) -> Verified:
    """The document, verified against ``application`` (raises :class:`GuaranteeInvalid`).

    ``guarantor_uscc``, when given, is who must have signed (the calling client's owner). The
    ``number`` check needs the database: the service runs it (:func:`number_taken`) inside the
    unit of work that records the guarantee."""
    try:
        doc = parse_document(data)
    except DocumentFormatError as exc:
        raise GuaranteeInvalid("format", str(exc)) from None
    try:
        check = verify_detached(data, signature)
    except BadSignature as exc:
        raise GuaranteeInvalid("signature", exc.message) from None
    try:
        path, holder = pki.verify(
            check.signer,
            purpose=Purpose.SIGNING,
            at=now,
            intermediates=[c for c in check.certificates if c != check.signer],
        )
    except CertificateRefused as exc:
        raise GuaranteeInvalid("certificate", exc.message, reason=exc.reason.value) from None
    except IdentityMismatch as exc:
        raise GuaranteeInvalid("guarantor", exc.message) from None
    verdict = SignatureVerdict(check, path, holder)
    if holder.kind != "organisation" or holder.code != doc.guarantor_uscc:
        raise GuaranteeInvalid(
            "guarantor",
            f"the signing certificate's holder ({holder.display}) is not the guarantor named in "
            f"the document ({doc.guarantor_uscc})",
        )
    if guarantor_uscc is not None and doc.guarantor_uscc != guarantor_uscc:
        raise GuaranteeInvalid(
            "guarantor",
            f"the document's guarantor {doc.guarantor_uscc} is not the calling client's owner "
            f"({guarantor_uscc})",
        )
    signer = check.signer
    if not signer.not_before <= doc.issued_at <= signer.not_after:
        raise GuaranteeInvalid(
            "issued-at",
            f"the certificate was not valid at the issue instant {doc.issued_at.isoformat()}",
        )
    if doc.issued_at > now + CLOCK_SKEW or doc.issued_at < requested_at - CLOCK_SKEW:
        raise GuaranteeInvalid(
            "issued-at",
            f"issued at {doc.issued_at.isoformat()}: after now or before the request "
            f"({requested_at.isoformat(timespec='seconds')})",
        )
    expected = application.fields()
    differing = sorted(k for k, v in expected.items() if doc.raw[k] != v)
    if differing:
        raise GuaranteeInvalid(
            "application",
            f"{', '.join(differing)} differ from the application",
            fields=differing,
        )
    if doc.amount < application.amount or doc.amount > cap:
        raise GuaranteeInvalid(
            "amount",
            f"the amount {money(doc.amount)} is not between the amount applied for "
            f"{money(application.amount)} and the 2 % cap {money(cap)} "
            "（《招标投标法实施条例》第二十六条）",
        )
    if doc.valid_from > application.cover_from or doc.valid_until < application.cover_until:
        raise GuaranteeInvalid(
            "validity",
            f"valid {doc.valid_from}–{doc.valid_until}: it must cover "
            f"{application.cover_from}–{application.cover_until} (the bid deadline and the bid "
            "validity period)",
        )
    return Verified(doc, verdict)


def number_taken(doc: GuaranteeDocument) -> GuaranteeInvalid:
    """The refusal of a number the guarantor used before."""
    return GuaranteeInvalid(
        "number", f"{doc.guarantor_name} already issued a guarantee {doc.guarantee_number}"
    )
