"""The credit record's rules without a database: the inclusive period in China's local date,
scopes, the status table, corrections that keep the record consistent, the deduction table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.credit.deductions import bundled_table
from prex.credit.model import (
    CreditRecord,
    Grade,
    RecordKind,
    RecordStatus,
    ScopeKind,
    Source,
    SubjectKind,
    Where,
    region_prefix,
    scope_covers,
)
from prex.credit.queries import local_date
from prex.shared.clock import FixedClock
from prex.shared.errors import InvalidInput, InvalidTransition

CLOCK = FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
PROVINCE, CITY, OTHER = "C-330000", "C-330100", "C-440000"
PARENTS = {CITY: PROVINCE}


def line(centre: str) -> list[str]:
    chain = [centre]
    while chain[-1] in PARENTS:
        chain.append(PARENTS[chain[-1]])
    return chain


def blacklist(**overrides: Any) -> CreditRecord:
    fields: dict[str, Any] = {
        "clock": CLOCK,
        "kind": RecordKind.BLACKLIST,
        "subject_kind": SubjectKind.ORGANISATION,
        "subject_id": "org-1",
        "subject_code": "91330100MA5D6E7F9X",
        "subject_name": "某建设有限公司",
        "centre_id": PROVINCE,
        "authority": "浙江省住建厅",
        "basis": "条例第六十七条",
        "facts": "串通投标",
        "valid_from": date(2026, 3, 1),
        "valid_until": date(2026, 3, 31),
        "by": "sup-1",
    }
    fields.update(overrides)
    return CreditRecord.record(**fields)


days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(start=days, length=st.integers(0, 4000), offset=st.integers(-5000, 5000))
def test_a_record_is_in_force_exactly_from_its_first_to_its_last_day(
    start: date, length: int, offset: int
) -> None:
    until = start + timedelta(days=length)
    day = start + timedelta(days=offset)
    made = blacklist(valid_from=start, valid_until=until)
    assert made.in_force(day) is (start <= day <= until)
    assert made.in_force(until) and not made.in_force(until + timedelta(days=1))


@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_today_is_the_date_in_china_eight_hours_ahead_of_utc(moment: datetime) -> None:
    instant = moment.replace(tzinfo=UTC)
    assert local_date(FixedClock(instant)) == (instant + timedelta(hours=8)).date()


def test_a_revoked_record_is_in_force_nowhere_and_stays_revoked() -> None:
    made = blacklist()
    made.revoke(CLOCK, "sup-1", "复议撤销")
    assert made.status is RecordStatus.REVOKED and not made.in_force(date(2026, 3, 15))
    with pytest.raises(InvalidTransition, match="'revoked' to 'revoked'"):
        made.revoke(CLOCK, "sup-1", "again")
    with pytest.raises(InvalidTransition):
        made.correct(CLOCK, "sup-1", "x", {"facts": "y"})
    with pytest.raises(InvalidInput, match="reason"):
        blacklist().revoke(CLOCK, "sup-1", "  ")


@pytest.mark.parametrize(
    ("scope", "value", "where", "covered"),
    [
        (ScopeKind.ALL, None, Where(OTHER, "440300", "mining"), True),
        (ScopeKind.TRANSACTION_TYPE, "engineering", Where(CITY, "330100", "engineering"), True),
        (ScopeKind.TRANSACTION_TYPE, "engineering", Where(CITY, "330100", "procurement"), False),
        (ScopeKind.REGION, "330000", Where(CITY, "330106", "engineering"), True),
        (ScopeKind.REGION, "330100", Where(CITY, "330106", "engineering"), True),
        (ScopeKind.REGION, "330100", Where(CITY, "330200", "engineering"), False),
        (ScopeKind.CENTRE, PROVINCE, Where(CITY, "330100", "land_use"), True),
        (ScopeKind.CENTRE, CITY, Where(PROVINCE, "330000", "land_use"), False),
        (ScopeKind.CENTRE, CITY, Where(CITY, "330100", "land_use"), True),
    ],
)
def test_a_blacklist_covers_its_scope_and_what_lies_under_it(
    scope: ScopeKind, value: str | None, where: Where, covered: bool
) -> None:
    assert scope_covers(scope, value, where, line) is covered


def test_region_prefixes_drop_trailing_zero_pairs() -> None:
    assert [region_prefix(c) for c in ("330000", "330100", "330106", "110000")] == [
        "33",
        "3301",
        "330106",
        "11",
    ]


def test_each_kind_has_what_it_needs_and_nothing_it_may_not() -> None:
    with pytest.raises(InvalidInput, match="names its value"):
        blacklist(scope=ScopeKind.REGION)
    with pytest.raises(InvalidInput, match="only a blacklist has a scope"):
        blacklist(kind=RecordKind.REWARD, scope=ScopeKind.REGION, scope_value="330000")
    with pytest.raises(InvalidInput, match="has a grade"):
        blacklist(kind=RecordKind.PERFORMANCE)
    with pytest.raises(InvalidInput, match="only an expert's violation"):
        blacklist(points=3)
    with pytest.raises(InvalidInput, match="ends"):
        blacklist(valid_until=date(2026, 2, 28))
    graded = blacklist(kind=RecordKind.PERFORMANCE, grade=Grade.GOOD, source=Source.MANUAL)
    assert graded.grade is Grade.GOOD


def test_a_correction_records_each_change_and_may_not_break_the_record() -> None:
    made = blacklist()
    made.events.clear()
    made.correct(CLOCK, "sup-1", "笔误", {"valid_until": date(2026, 4, 30), "facts": "串通投标 "})
    (event,) = made.events
    assert event.payload()["changes"] == {"valid_until": ["2026-03-31", "2026-04-30"]}
    with pytest.raises(InvalidInput, match="ends"):
        made.correct(CLOCK, "sup-1", "x", {"valid_until": date(2026, 1, 1)})
    with pytest.raises(InvalidInput, match="cannot be corrected"):
        made.correct(CLOCK, "sup-1", "x", {"subject_id": "org-2"})
    with pytest.raises(InvalidInput, match="changes nothing"):
        made.correct(CLOCK, "sup-1", "x", {"facts": "串通投标"})


def test_an_experts_record_is_never_published() -> None:
    made = blacklist(subject_kind=SubjectKind.EXPERT, subject_code=None)
    with pytest.raises(InvalidInput, match="confidential"):
        made.publish(CLOCK, "sup-1")
    assert made.status is RecordStatus.RECORDED


def test_the_deduction_table_has_one_rule_per_behaviour_and_a_reachable_threshold() -> None:
    table = bundled_table()
    behaviours = [rule.behaviour for rule in table.rules]
    assert sorted(behaviours) == ["absent", "complaint_upheld", "deviation", "refused"]
    assert len({rule.code for rule in table.rules}) == len(table.rules)
    assert all(0 < rule.points <= table.blacklist_threshold and rule.basis for rule in table.rules)
    assert table.blacklist_days > 0 and table.window_days > 0
    with pytest.raises(InvalidInput, match="behaviour is one of"):
        table.for_behaviour("late")
