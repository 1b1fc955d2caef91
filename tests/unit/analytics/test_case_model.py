"""The case aggregate: one transition table, verbs stamped by the clock, reasons for decisions,
and every change an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from prex.analytics.cases.model import Case, CaseStatus, EvidenceKind, allowed_transitions
from prex.shared.clock import FixedClock
from prex.shared.errors import InvalidInput, InvalidTransition

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def opened(clock: FixedClock) -> Case:
    return Case.open(
        clock=clock,
        centre_id="C1",
        title="C001 · tender T1",
        tender_id="T1",
        hit_ids=["H1", "H2"],
        opened_by="U1",
    )


def test_a_case_opens_with_its_hits_as_evidence_and_an_event_each() -> None:
    case = opened(FixedClock(T0))
    assert case.status is CaseStatus.OPEN and case.opened_at == T0
    assert [e.kind for e in case.evidence] == [EvidenceKind.HIT, EvidenceKind.HIT]
    assert [e.event_name for e in case.events] == [
        "CaseOpened",
        "CaseEvidenceAdded",
        "CaseEvidenceAdded",
    ]


def test_review_then_referral_is_stamped_by_the_clock_and_keeps_the_reason() -> None:
    clock = FixedClock(T0)
    case = opened(clock)
    clock.set(T0 + timedelta(hours=1))
    case.start_review(clock, "U2")
    clock.set(T0 + timedelta(days=2))
    case.refer(clock, "U2", "  fingerprints match across three bidders  ")
    assert case.status is CaseStatus.REFERRED
    assert case.status_changed_at == T0 + timedelta(days=2)
    assert case.decision_reason == "fingerprints match across three bidders"
    assert case.events[-1].event_name == "CaseReferred"
    assert case.events[-1].payload()["reason"] == case.decision_reason


def test_a_decision_needs_a_reason() -> None:
    clock = FixedClock(T0)
    case = opened(clock)
    case.start_review(clock, "U2")
    with pytest.raises(InvalidInput, match="reason"):
        case.dismiss(clock, "U2", "   ")
    assert case.status is CaseStatus.UNDER_REVIEW


def test_an_open_case_cannot_be_decided_before_review_and_the_error_names_both_states() -> None:
    case = opened(FixedClock(T0))
    with pytest.raises(InvalidTransition, match="'open' to 'referred'"):
        case.refer(FixedClock(T0), "U2", "because")


def test_a_decided_case_takes_no_more_notes_or_evidence() -> None:
    clock = FixedClock(T0)
    case = opened(clock)
    case.add_note(clock, "U2", "监督员", "asked the centre for the upload logs")
    case.start_review(clock, "U2")
    case.dismiss(clock, "U2", "the shared address is the centre's own bidding room")
    assert allowed_transitions(case.status) == frozenset()
    with pytest.raises(InvalidInput, match="dismissed"):
        case.add_note(clock, "U2", "监督员", "late")
    with pytest.raises(InvalidInput, match="dismissed"):
        case.link_hit(clock, "H3", "U2")


def test_a_hit_is_evidence_once() -> None:
    clock = FixedClock(T0)
    case = opened(clock)
    with pytest.raises(InvalidInput, match="H1"):
        case.link_hit(clock, "H1", "U2")
