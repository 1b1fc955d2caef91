"""The arithmetic of data quality: one record judged, one deal's coverage and life cycle, and
the 0–100 scores from summed counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from prex.exchange.quality.deals import score_deal
from prex.exchange.quality.rules import Arrived, Timeliness, score_record
from prex.exchange.quality.scores import WEIGHTS, Totals, scores
from tests.quality_world import tender

T = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def arrived(built: list[tuple[str, dict]], at: datetime) -> list[Arrived]:
    from prex.exchange.dataspec.schemas import DATASETS

    return [Arrived(name, DATASETS[name].key_of(r), 1, r, at) for name, r in built]


def test_timeliness_gives_full_marks_within_a_day_and_none_after_a_week() -> None:
    rule = Timeliness()
    assert rule.points(timedelta(0)) == 1000
    assert rule.points(timedelta(days=1)) == 1000
    assert rule.points(timedelta(days=4)) == 500
    assert rule.points(timedelta(days=7)) == 0
    assert rule.points(timedelta(days=30)) == 0


@given(st.integers(0, 30 * 86400), st.integers(0, 30 * 86400))
def test_timeliness_never_rewards_a_longer_delay(a: int, b: int) -> None:
    rule = Timeliness()
    shorter, longer = sorted((a, b))
    assert rule.points(timedelta(seconds=longer)) <= rule.points(timedelta(seconds=shorter))
    assert 0 <= rule.points(timedelta(seconds=a)) <= 1000


def test_a_complete_prompt_tender_has_no_finding() -> None:
    records = arrived(tender("P1", 1, T), T + timedelta(days=27))
    for item in records:
        same_day = Arrived(item.dataset, item.record_key, 1, item.record, item.received_at)
        result = score_record(same_day, records)
        assert result.valid, (item.dataset, result.findings)
        assert [f.code for f in result.findings if f.code != "late"] == []
        assert result.fields_filled == result.fields_expected


def test_missing_recommended_fields_lower_coverage_and_are_named() -> None:
    records = arrived(tender("P1", 1, T, stage="published", agency=False), T)
    project = score_record(records[0], records)
    assert project.valid
    assert project.fields_expected - project.fields_filled == 2
    assert {(f.code, f.field) for f in project.findings} == {
        ("field-missing", "TENDER_AGENCY_NAME"),
        ("field-missing", "TENDER_AGENCY_CODE"),
    }


def test_a_notice_whose_amount_differs_from_the_winners_bid_is_inaccurate() -> None:
    built = tender("P1", 1, T, notice_price=Decimal("9000000"))
    records = arrived(built, T + timedelta(days=27))
    notice = next(r for r in records if r.dataset == "RESULT_NOTICE")
    result = score_record(notice, records)
    assert not result.valid
    assert [(f.code, f.field) for f in result.findings] == [("amount-mismatch", "WIN_BID_AMOUNT")]


def test_a_record_is_judged_only_against_what_had_arrived_before_it() -> None:
    built = tender("P1", 1, T, notice_price=Decimal("9000000"))
    records = arrived(built, T + timedelta(days=27))
    notice = next(r for r in records if r.dataset == "RESULT_NOTICE")
    earlier = Arrived(notice.dataset, notice.record_key, 1, notice.record, T)
    assert score_record(earlier, records).valid  # the candidates came later


def test_a_late_record_loses_timeliness_by_its_delay() -> None:
    records = arrived(tender("P1", 1, T, stage="published"), T + timedelta(days=4))
    result = score_record(records[0], records)
    assert result.delay_seconds == 4 * 86400
    assert result.points == 500
    assert [f.code for f in result.findings] == ["late"]


def test_dates_out_of_order_are_inaccurate() -> None:
    name, project = tender("P1", 1, T, stage="published")[0]
    project = {**project, "BID_DEADLINE": (T - timedelta(days=1)).isoformat()}
    result = score_record(Arrived(name, "k", 1, project, T), [])
    assert not result.valid
    assert [f.code for f in result.findings] == ["dates-out-of-order"]


def test_a_tender_without_a_result_a_month_after_its_deadline_is_overdue() -> None:
    records = arrived(tender("P1", 1, T, stage="opened"), T + timedelta(days=21))
    deadline = T + timedelta(days=20)
    before = score_deal(records, deadline + timedelta(days=29))
    assert before is not None
    assert (before.milestones_met, before.milestones_overdue) == (1, 0)
    assert before.next_check == deadline + timedelta(days=30)
    after = score_deal(records, deadline + timedelta(days=30))
    assert after is not None
    assert (after.milestones_met, after.milestones_overdue) == (1, 1)
    assert [f.code for f in after.findings] == ["result-overdue"]
    assert after.next_check is None


def test_a_failed_tender_owes_no_result() -> None:
    records = arrived(tender("P1", 1, T, stage="opened"), T + timedelta(days=21))
    deal = records[0].record["UNIFIED_DEAL_CODE"]
    alert = {
        **{k: records[0].record[k] for k in ("PLATFORM_CODE", "PUB_SERVICE_PLAT_CODE")},
        "DATA_TIMESTAMP": (T + timedelta(days=20)).isoformat(),
        "UNIFIED_DEAL_CODE": deal,
        "ALERT_CODE": "A1",
        "ALERT_KIND": "failed",
        "ALERT_LEVEL": "2",
        "ALERT_CONTENT": "流标",
        "ALERT_TIME": (T + timedelta(days=20)).isoformat(),
    }
    records.append(Arrived("PROJECT_ALERTING", f"{deal}|A1", 1, alert, T + timedelta(days=21)))
    score = score_deal(records, T + timedelta(days=90))
    assert score is not None
    assert (score.milestones_met, score.milestones_overdue) == (1, 0)


def test_a_deal_past_its_opening_expects_the_bidder_list() -> None:
    built = [b for b in tender("P1", 1, T, stage="opened") if b[0] != "TENDER_LIST"]
    score = score_deal(arrived(built, T), T)
    assert score is not None
    assert (score.datasets_expected, score.datasets_present) == (3, 2)
    assert [(f.code, f.field) for f in score.findings] == [("dataset-missing", "TENDER_LIST")]


counts = st.integers(0, 10_000)


@st.composite
def totals(draw: st.DrawFn) -> Totals:
    records, timed, deals = draw(counts), draw(counts), draw(counts)
    expected, datasets = draw(counts), draw(counts)
    met = draw(counts)
    return Totals(
        records=records,
        valid=draw(st.integers(0, records)),
        fields_expected=expected,
        fields_filled=draw(st.integers(0, expected)),
        timed=timed,
        points=draw(st.integers(0, 1000 * timed)),
        deals=deals,
        datasets_expected=datasets,
        datasets_present=draw(st.integers(0, datasets)),
        milestones_met=met,
        milestones_overdue=draw(counts),
    )


@given(totals())
def test_every_score_is_between_0_and_100_and_overall_between_the_others(t: Totals) -> None:
    s = scores(t).as_dict()
    parts = [s[k] for k in WEIGHTS if s[k] is not None]
    for value in parts:
        assert value is not None and 0 <= value <= 100
    if parts:
        assert s["overall"] is not None
        assert min(parts) - 0.1 <= s["overall"] <= max(parts) + 0.1  # type: ignore[operator]
    else:
        assert s["overall"] is None


@given(totals(), totals(), totals())
def test_totals_add_up_in_any_order(a: Totals, b: Totals, c: Totals) -> None:
    assert (a + b) + c == a + (b + c) == (c + a) + b


def test_the_formulas_on_known_counts() -> None:
    t = Totals(
        records=10,
        valid=9,
        fields_expected=100,
        fields_filled=80,
        timed=10,
        points=7500,
        deals=2,
        datasets_expected=8,
        datasets_present=6,
        milestones_met=3,
        milestones_overdue=1,
    )
    s = scores(t)
    assert s.coverage == (75.0 + 80.0) / 2
    assert s.accuracy == 90.0
    assert s.timeliness == 75.0
    assert s.lifecycle == 75.0
    assert s.overall == 0.3 * 77.5 + 0.3 * 90 + 0.2 * 75 + 0.2 * 75
    assert scores(Totals(records=4, valid=2)).overall == 50.0  # only accuracy has data
