"""The extension point of electronic bid guarantees: what a guarantee provider module implements.

A provider is the guarantor's side of 电子保函 — a bank, an insurer or a guarantee company, or
the platform of one. prex finds providers through the entry point group
``prex.guarantee_providers`` (``prex.extensions``); each names a factory ``f(services) ->
provider``. prex ships one, ``certificate`` (``prex.guarantees.providers``), which issues with a
guarantor key and certificate from the settings. A bank that prefers to stay outside prex's
process uses the machine-client API with scope ``guarantee.issue`` instead
(``GET /api/v1/guarantees/requests``, ``POST /api/v1/guarantees/{id}/document``): both ways end
in the same verification (``prex.guarantees.verify``).

prex never trusts what a provider says about itself: the document it returns is verified like
any other (signature over the exact bytes, a recognised CA, the guarantor's credit code in the
certificate, every field against the application). The conformance kit
(``prex contract guarantee-provider NAME``) checks a module against this protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from prex.guarantees.model import Application


@dataclass(frozen=True)
class SignedGuarantee:
    """What a provider returns: the canonical document (``prex.guarantees.model.document_bytes``)
    and a detached CMS signature over exactly those bytes (DER), by a certificate of the
    guarantor organisation issued by a recognised CA (the chain embedded or on the trust list)."""

    document: bytes
    signature: bytes


@dataclass(frozen=True)
class Notice:
    """A release or a claim, signed by the platform: ``data`` is the canonical notice
    (``model.notice_bytes``), ``signature`` the platform's detached CMS signature over it."""

    kind: str  # "release" | "claim"
    guarantee_number: str
    document_sha256: str
    reason: str
    basis: str
    amount: Decimal
    data: bytes
    signature: bytes


@dataclass(frozen=True)
class Receipt:
    """The provider's answer to a notice. Telling a provider twice must give the same receipt
    (prex retries after a crash: release and claim are idempotent)."""

    guarantee_number: str
    kind: str  # "release" | "claim"
    reference: str
    at: datetime


@runtime_checkable
class GuaranteeProvider(Protocol):
    """An electronic guarantee provider.

    ``issue`` returns a signed guarantee for the application or raises
    :class:`prex.guarantees.errors.GuaranteeRefused` with its reason (an application it cannot
    serve: an amount above its limit, validity it will not cover, a malformed application) —
    never a document that does not bind the application's fields. ``release`` and ``claim``
    act on a guarantee it issued, told by a platform-signed :class:`Notice`; both are
    idempotent."""

    #: The guarantor's organisation name and unified social credit code (in its certificate).
    guarantor_name: str
    guarantor_uscc: str

    def issue(self, application: Application) -> SignedGuarantee: ...

    def release(self, notice: Notice) -> Receipt: ...

    def claim(self, notice: Notice) -> Receipt: ...
