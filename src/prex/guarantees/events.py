"""Events of the guarantees context (each an audit entry with its actor and address). All are
private (``prex.exchange.public_forms``): a guarantee names a bidder before the opening."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class GuaranteeRequested(DomainEvent):
    tender_id: str
    section_id: str
    applicant_org_id: str
    provider: str | None  # an installed provider's name, or None: a guarantor's machine client
    guarantor_org_id: str | None
    amount: str
    application_sha256: str


@dataclass(frozen=True)
class GuaranteeRefusedByProvider(DomainEvent):
    tender_id: str
    reason: str


@dataclass(frozen=True)
class GuaranteeAccepted(DomainEvent):
    """A verified document recorded as the applicant's bid bond (``bond_id``)."""

    tender_id: str
    section_id: str
    applicant_org_id: str
    guarantor_uscc: str
    guarantee_number: str
    amount: str
    valid_until: str
    document_sha256: str
    signer_fingerprint: str
    bond_id: str


@dataclass(frozen=True)
class GuaranteeOutcomeDecided(DomainEvent):
    """Release or claim decided (by the tender's outcome, or a claim act); the notice is
    signed by the platform and the provider is told next."""

    tender_id: str
    kind: str  # release | claim
    reason: str
    basis: str
    notice_sha256: str


@dataclass(frozen=True)
class GuaranteeSettled(DomainEvent):
    """The provider acknowledged the notice (or, for a client-issued guarantee, the notice is
    served to the guarantor's client)."""

    tender_id: str
    kind: str
    reference: str
