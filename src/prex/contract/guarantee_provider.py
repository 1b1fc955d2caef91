"""The conformance kit of guarantee providers: what an outside supplier runs against its module
before a centre installs it (``prex contract guarantee-provider NAME [--json]``).

It loads the installed provider by its entry point name (``prex.guarantee_providers``) exactly
as prex does and runs it through named checks, each independent of the others' outcome where it
can be:

``protocol``            the factory's result satisfies ``GuaranteeProvider``;
``issues-verifiable``   a sample application gets a document that prex's verifier accepts —
                        signature, a recognised CA (the provider's CA must be on this
                        deployment's trust list), the guarantor's credit code, amount, validity;
``binds-application``   the document binds the exact application: a second application
                        (another applicant) gets its own document, and neither verifies against
                        the other's application;
``release-idempotent``  a platform-signed release notice gets a receipt, and the same receipt
                        again when repeated (prex retries after a crash);
``claim-idempotent``    the same for a claim notice;
``refuses-unservable``  an application it cannot serve (no amount, a cover period that ends
                        before it begins) is refused with ``GuaranteeRefused`` — not a document,
                        not another exception.

The kit never writes to the database: it verifies against the trust list and signs notices with
the platform's key, nothing more.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from prex import extensions
from prex.guarantees.errors import GuaranteeInvalid, GuaranteeRefused
from prex.guarantees.model import (
    CLAIM_ACT,
    RELEASE_ACT,
    Application,
    notice_bytes,
    parse_document,
)
from prex.guarantees.provider import GuaranteeProvider, Notice, Receipt, SignedGuarantee
from prex.guarantees.verify import Verified, verify_guarantee
from prex.identity.uscc import make_uscc
from prex.pki.cms import sign_detached
from prex.shared.errors import DomainError
from prex.shared.ids import new_id

if TYPE_CHECKING:
    from prex.bootstrap import Services

GROUP = "prex.guarantee_providers"
CHECKS = (
    "protocol",
    "issues-verifiable",
    "binds-application",
    "release-idempotent",
    "claim-idempotent",
    "refuses-unservable",
)
SAMPLE_AMOUNT = Decimal("10000.00")
SAMPLE_CAP = Decimal("20000.00")


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str


@dataclass
class KitReport:
    provider: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return len(self.checks) == len(CHECKS) and all(c.passed for c in self.checks)

    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "passed": self.passed,
            "checks": [dataclasses.asdict(c) for c in self.checks],
        }


def sample_application(services: Services, applicant_serial: int = 1) -> Application:
    """A plausible application (valid credit codes, cover from ten days on for 90 days)."""
    today = services.clock.now().date()
    return Application(
        application_id=new_id(),
        tender_id=new_id(),
        tender_code="E3300000000000001",
        tender_title="合规性测试工程施工（conformance kit）",
        section_id=new_id(),
        beneficiary_name="合规性测试招标人",
        beneficiary_uscc=make_uscc("12330000000000001"),
        applicant_name=f"合规性测试投标人{applicant_serial}",
        applicant_uscc=make_uscc(f"91330000{applicant_serial:09d}"),
        amount=SAMPLE_AMOUNT,
        cover_from=today + timedelta(days=10),
        cover_until=today + timedelta(days=100),
    )


def _verify(
    services: Services, provider: GuaranteeProvider, signed: SignedGuarantee, app: Application
) -> Verified:
    now = services.clock.now()
    return verify_guarantee(
        services.pki,
        signed.document,
        signed.signature,
        application=app,
        cap=SAMPLE_CAP,
        requested_at=now - timedelta(minutes=1),
        now=now,
        guarantor_uscc=provider.guarantor_uscc,
    )


def platform_notice(services: Services, document: bytes, kind: str) -> Notice:
    """A notice as prex sends it for ``document``: canonical, signed by the platform's key."""
    doc = parse_document(document)
    digest = hashlib.sha256(document).hexdigest()
    now = services.clock.now()
    reason = "contract-signed" if kind == "release" else "contract-refused"
    basis = "conformance kit"
    data = notice_bytes(
        RELEASE_ACT if kind == "release" else CLAIM_ACT,
        guarantee_id=doc.application_id,
        guarantee_number=doc.guarantee_number,
        guarantor_uscc=doc.guarantor_uscc,
        document_sha256=digest,
        reason=reason,
        basis=basis,
        amount=doc.amount,
        decided_at=now,
    )
    keys = services.pki.platform_keys()
    signature = sign_detached(data, keys.signing_certificate, keys.signing_key, signing_time=now)
    return Notice(
        kind=kind,
        guarantee_number=doc.guarantee_number,
        document_sha256=digest,
        reason=reason,
        basis=basis,
        amount=doc.amount,
        data=data,
        signature=signature,
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, GuaranteeInvalid):
        return f"prex refused the document at check '{exc.check}': {exc.message}"
    message = exc.message if isinstance(exc, DomainError) else str(exc)
    return f"{type(exc).__name__}: {message}"


def run_kit(services: Services, name: str) -> KitReport:
    """Run every check against the installed provider ``name``; never raises for the
    provider's faults (each becomes a failed check with its reason)."""
    report = KitReport(name)

    def record(check: str, step: Callable[[], str]) -> bool:
        try:
            detail = step()
        except Exception as exc:  # the provider's fault, whatever it is, is the check's result
            report.checks.append(CheckResult(check, False, _describe(exc)))
            return False
        report.checks.append(CheckResult(check, True, detail))
        return True

    provider: GuaranteeProvider | None = None

    def load() -> str:
        nonlocal provider
        provider = extensions.load(GROUP, name, services)
        return f"guarantor {provider.guarantor_name} ({provider.guarantor_uscc})"

    if not record("protocol", load):
        for check in CHECKS[1:]:
            report.checks.append(CheckResult(check, False, "not run: the provider did not load"))
        return report
    assert provider is not None
    p: GuaranteeProvider = provider
    first, second = sample_application(services, 1), sample_application(services, 2)
    verified: dict[str, Verified] = {}
    signed: dict[str, SignedGuarantee] = {}

    def issues() -> str:
        signed["first"] = p.issue(first)
        verified["first"] = _verify(services, p, signed["first"], first)
        doc = verified["first"].document
        return f"{doc.guarantee_number}: {doc.amount} yuan, {doc.valid_from}–{doc.valid_until}"

    def binds() -> str:
        signed["second"] = p.issue(second)
        if "first" not in signed:
            signed["first"] = p.issue(first)
        verified["second"] = _verify(services, p, signed["second"], second)
        for document, other in (("first", second), ("second", first)):
            if document not in signed:
                continue
            try:
                _verify(services, p, signed[document], other)
            except GuaranteeInvalid as exc:
                if exc.check != "application":
                    raise AssertionError(
                        f"the {document} document against another application failed "
                        f"'{exc.check}', not 'application'"
                    ) from None
            else:
                raise AssertionError(f"the {document} document verifies for another application")
        if verified["second"].document.guarantee_number == (
            verified["first"].document.guarantee_number if "first" in verified else None
        ):
            raise AssertionError("two applications got the same guarantee number")
        return "each document binds its own application"

    def idempotent(kind: str, which: str) -> Callable[[], str]:
        def step() -> str:
            # A document that parses is enough to act on, verified or not: this check is about
            # the notices, not the issue.
            source = signed.get(which) or signed.get("second") or signed.get("first")
            if source is None:
                raise AssertionError("not run: the provider issued no document to act on")
            notice = platform_notice(services, source.document, kind)
            act = p.release if kind == "release" else p.claim
            once: Receipt = act(notice)
            twice: Receipt = act(notice)
            if not once.reference or once.kind != kind:
                raise AssertionError(f"the receipt {once!r} has no reference or another kind")
            if once != twice:
                raise AssertionError(f"a repeated {kind} gave another receipt: {once} ≠ {twice}")
            return f"receipt {once.reference}, the same when repeated"

        return step

    def refuses() -> str:
        bad = dataclasses.replace(
            sample_application(services, 3),
            amount=Decimal("0.00"),
            cover_until=first.cover_from - timedelta(days=1),
        )
        try:
            p.issue(bad)
        except GuaranteeRefused as exc:
            return f"refused: {exc.message}"
        raise AssertionError("issued a guarantee for an application with no amount and no cover")

    record("issues-verifiable", issues)
    record("binds-application", binds)
    record("release-idempotent", idempotent("release", "first"))
    record("claim-idempotent", idempotent("claim", "second"))
    record("refuses-unservable", refuses)
    return report
