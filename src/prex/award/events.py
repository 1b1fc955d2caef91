"""Events of the award context (each one an audit entry with its actor and address)."""

from __future__ import annotations

from dataclasses import dataclass

from prex.shared.events import DomainEvent


@dataclass(frozen=True)
class ReportDrawnUp(DomainEvent):
    sha256: str
    pdf_sha256: str


@dataclass(frozen=True)
class ReportSigned(DomainEvent):
    member_id: str
    scheme: str
    certificate_sha256: str
    dissent: str  # empty: the member agrees


@dataclass(frozen=True)
class ReportSignatureRefused(DomainEvent):
    member_id: str
    note: str


@dataclass(frozen=True)
class CandidatesPublished(DomainEvent):
    report_sha256: str
    publicity_until: str


@dataclass(frozen=True)
class EvaluationFailed(DomainEvent):
    report_sha256: str
    reason: str


@dataclass(frozen=True)
class ResultObjectionFiled(DomainEvent):
    objection_id: str
    org_id: str
    answer_due: str


@dataclass(frozen=True)
class ResultObjectionAnswered(DomainEvent):
    objection_id: str


@dataclass(frozen=True)
class AwardNoticeIssued(DomainEvent):
    section_id: str
    bid_id: str
    org_id: str
    sha256: str


@dataclass(frozen=True)
class ContractRecorded(DomainEvent):
    section_id: str
    sha256: str
    value: str
    late: bool


@dataclass(frozen=True)
class ContractCountersigned(DomainEvent):
    section_id: str
    sha256: str


@dataclass(frozen=True)
class TenderRetendered(DomainEvent):
    new_tender_id: str


@dataclass(frozen=True)
class EvaluationRoundSuperseded(DomainEvent):
    """A complaint decision ordered the evaluation redone: the round is kept in
    ``evaluation_rounds`` (its snapshot's SHA-256 here) and a new round may start."""

    round: int
    committee_round: int
    previous_status: str
    report_sha256: str | None
    snapshot_sha256: str
    reason: str
    complaint_id: str | None
    decision_sha256: str | None
