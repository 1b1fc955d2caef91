"""The guarantee provider prex ships: ``certificate`` — a guarantor's key and organisation
certificate from the settings (``PREX_GUARANTOR_KEY``, ``PREX_GUARANTOR_CERT``) sign each
guarantee in-process.

It is what a small guarantee company or the platform operator's partner bank would run beside
prex, and what ``prex demo`` uses (the demo PKI issues the guarantor's certificate). It is also
the reference for outside modules: everything it does goes through
:class:`~prex.guarantees.provider.GuaranteeProvider`, nothing else.

* **issue** — refuses (``GuaranteeRefused``) an application it cannot serve: a non-positive
  amount or one above ``PREX_GUARANTOR_MAX_AMOUNT``, a cover period that ends before it begins;
  otherwise signs a document valid from the cover's first day to its last, numbered from the
  application id (so asking twice gives the same number).
* **release**, **claim** — acknowledge the platform's notice with a receipt derived from the
  notice itself, so that a repeated notice gets the same receipt (idempotent).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING

from prex.guarantees.errors import GuaranteeRefused, ProviderNotConfigured
from prex.guarantees.model import Application, GuaranteeTerms, document_bytes
from prex.guarantees.provider import Notice, Receipt, SignedGuarantee
from prex.pki.certs import Certificate, parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.holder import ATTRIBUTES, holder_of
from prex.pki.keys import PrivateKey
from prex.shared.clock import Clock

if TYPE_CHECKING:
    from decimal import Decimal

    from prex.bootstrap import Services

#: Where the guarantor's credit code may sit in its certificate (any CA profile of holder.py).
ANY_USCC = ("uscc:serialNumber", "uscc:OU", "uscc:organizationIdentifier", "uscc:CN")


class CertificateProvider:
    """Issues with one guarantor key and certificate (see the module docstring)."""

    def __init__(
        self,
        certificate: Certificate,
        chain: list[Certificate],
        key: PrivateKey,
        clock: Clock,
        max_amount: Decimal,
    ) -> None:
        self.certificate, self.chain, self.key = certificate, chain, key
        self.clock, self.max_amount = clock, max_amount
        holder = holder_of(certificate, ANY_USCC)
        self.guarantor_uscc = holder.code
        names = certificate.name_attributes(ATTRIBUTES["O"])
        self.guarantor_name = names[0] if names else certificate.common_name

    def number_for(self, application: Application) -> str:
        return f"EG-{application.application_id}"

    def issue(self, application: Application) -> SignedGuarantee:
        if application.amount <= 0:
            raise GuaranteeRefused("the amount of a guarantee is positive", field="amount")
        if application.amount > self.max_amount:
            raise GuaranteeRefused(
                f"{self.guarantor_name} issues guarantees up to {self.max_amount} yuan",
                field="amount",
            )
        if application.cover_until < application.cover_from:
            raise GuaranteeRefused("the cover period ends before it begins", field="cover_until")
        now = self.clock.now()
        terms = GuaranteeTerms(
            guarantor_name=self.guarantor_name,
            guarantor_uscc=self.guarantor_uscc,
            guarantee_number=self.number_for(application),
            amount=application.amount,
            valid_from=min(application.cover_from, now.date()),
            valid_until=application.cover_until,
            issued_at=now.replace(microsecond=0),
        )
        data = document_bytes(application, terms)
        signature = sign_detached(
            data, self.certificate, self.key, chain=self.chain, signing_time=now
        )
        return SignedGuarantee(data, signature)

    def _acknowledge(self, notice: Notice, kind: str) -> Receipt:
        try:
            body = json.loads(notice.data)
            decided_at = datetime.fromisoformat(body["decided_at"])
        except (ValueError, KeyError, TypeError):
            raise GuaranteeRefused("the notice is not a prex guarantee notice") from None
        if body.get("guarantee_number") != notice.guarantee_number or notice.kind != kind:
            raise GuaranteeRefused("the notice names another guarantee or another step")
        if not notice.guarantee_number.startswith("EG-"):
            raise GuaranteeRefused(f"{notice.guarantee_number} was not issued by this provider")
        digest = hashlib.sha256(notice.data).hexdigest()[:16]
        return Receipt(notice.guarantee_number, kind, f"{kind}-{digest}", decided_at)

    def release(self, notice: Notice) -> Receipt:
        return self._acknowledge(notice, "release")

    def claim(self, notice: Notice) -> Receipt:
        return self._acknowledge(notice, "claim")


def certificate_provider(services: Services) -> CertificateProvider:
    """The entry point's factory: the provider configured by the settings, or a clear refusal."""
    settings = services.settings
    if settings.guarantor_key is None or settings.guarantor_cert is None:
        raise ProviderNotConfigured(
            "the 'certificate' guarantee provider needs PREX_GUARANTOR_KEY and "
            "PREX_GUARANTOR_CERT (a guarantor's PEM key and organisation certificate)"
        )
    certificates = parse_certificates(settings.guarantor_cert.read_bytes())
    key = PrivateKey.load(settings.guarantor_key.read_bytes())
    return CertificateProvider(
        certificates[0],
        certificates[1:],
        key,
        services.clock,
        settings.guarantor_max_amount,
    )
