"""The engine's parameters: family settings reach the rules that have them, a rule's own
settings are checked by name and type, maps are DuckDB maps, and the statrs quantile."""

from __future__ import annotations

import math

import duckdb
import pytest

from prex.analytics.flags.engine import install_macros, parameters_for, run_rules
from prex.analytics.flags.rule import RuleError, load_rules
from prex.analytics.ocds.flatten import flatten_releases
from prex.analytics.warehouse.store import connect_tables

RULES = {r.code: r for r in load_rules()}


def test_family_settings_apply_where_the_rule_has_the_parameter() -> None:
    settings = {"cardinal": {"currency": "EUR", "exclude_procurement_method_details": ["x"]}}
    assert parameters_for(RULES["R036"], settings)["currency"] == "EUR"
    r003 = parameters_for(RULES["R003"], settings)
    assert "currency" not in r003 and r003["exclude_procurement_method_details"] == ["x"]
    # The rule's own section wins over the family's.
    mixed = {**settings, "R036": {"currency": "CNY"}}
    assert parameters_for(RULES["R036"], mixed)["currency"] == "CNY"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"R003": {"threshhold": 1}}, "R003 has no parameter 'threshhold'"),
        ({"R003": {"threshold": "soon"}}, "R003: threshold is a int"),
        ({"R003": {"procurement_methods": "open"}}, "procurement_methods is a list"),
        ({"R024": {"threshold": True}}, "threshold is a float"),
    ],
)
def test_a_rules_settings_are_checked(settings: dict[str, dict[str, object]], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parameters_for(RULES[next(iter(settings))], settings)


def test_a_map_parameter_is_looked_up_per_process() -> None:
    releases = [
        {"ocid": d, "tender": {"procurementMethodDetails": d, "tenderPeriod": {
            "startDate": "2025-01-01T00:00:00Z", "endDate": "2025-01-08T12:00:00Z"}}}
        for d in ("short", "long", "other")
    ]  # fmt: skip
    con = connect_tables(flatten_releases(releases, "import", 0))
    settings = {"R003": {"threshold": 7, "procurement_method_details": {"long": 30, "short": 3}}}
    hits = run_rules(con, [RULES["R003"]], settings)
    # 7.5 days count as 7: under 30 ("long"), not under 3 ("short") nor under 7 (the default).
    assert [(h.subject_id, h.detail["days"]) for h in hits] == [("long", 7)]


@pytest.mark.parametrize(
    ("values", "tau", "expected"),
    [
        ([1.0, 2, 3, 4, 5], 0.25, 5 / 3),
        ([1.0, 2, 3, 4, 5], 0.75, 13 / 3),
        ([5.0, 1, 4, 2, 3], 0.75, 13 / 3),
        ([2.0], 0.25, 2.0),
        ([1.0, 2], 0.75, 2.0),
        ([1.0, 2, 3], 0.0, 1.0),
    ],
)
def test_quantile_is_statrs_type_8(values: list[float], tau: float, expected: float) -> None:
    con = duckdb.connect()
    install_macros(con)
    (got,) = con.execute("SELECT statrs_quantile($v, $t)", {"v": values, "t": tau}).fetchone()
    assert math.isclose(got, expected)
