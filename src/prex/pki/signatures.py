"""Verifying a signed document end to end: the CMS (or GB/T 35275) structure, then the signer's
certificate path for the signing purpose, then whose signature it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from prex.pki.cms import SignatureCheck, verify_detached
from prex.pki.holder import Holder
from prex.pki.path import ValidatedPath
from prex.pki.service import Pki
from prex.pki.trust import Purpose


@dataclass(frozen=True)
class SignatureVerdict:
    check: SignatureCheck
    path: ValidatedPath
    holder: Holder


def verify_signed(
    pki: Pki, content: bytes, signature: bytes, *, at: datetime | None = None
) -> SignatureVerdict:
    """Raise :class:`~prex.pki.cms.BadSignature` or
    :class:`~prex.pki.path.CertificateRefused` unless a trusted signer signed ``content``."""
    check = verify_detached(content, signature)
    path, holder = pki.verify(
        check.signer,
        purpose=Purpose.SIGNING,
        at=at,
        intermediates=[c for c in check.certificates if c != check.signer],
    )
    return SignatureVerdict(check, path, holder)
