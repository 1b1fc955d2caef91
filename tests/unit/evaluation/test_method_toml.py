"""The ``[evaluation]`` table of a rule pack: the examples load, and a method that could not be
computed is refused with the file and the key named."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from prex.evaluation.method_toml import load_evaluation_method, parse_evaluation_method
from prex.evaluation.methods import (
    AggregationKind,
    CriterionKind,
    DeviationReference,
    MethodKind,
    PriceRuleKind,
    ReviewStage,
)
from prex.shared.errors import InvalidInput
from tests.unit.evaluation.examples import EXAMPLES, method

DOCS = Path(__file__).resolve().parents[3] / "docs" / "evaluation-methods.md"


def test_the_goods_example_loads_as_written() -> None:
    goods = method("procurement-goods")
    assert goods.kind is MethodKind.COMPREHENSIVE
    assert [c.id for c in goods.criteria] == ["price", "tech", "service", "iso", "projects"]
    assert goods.total_points == D(100) and goods.candidates == 3
    tech = goods.criterion("tech")
    assert (tech.kind, tech.minimum, tech.maximum, tech.step) == (
        CriterionKind.SUBJECTIVE,
        D(0),
        D(40),
        D("0.5"),
    )
    assert goods.criterion("service").minimum == D(5)
    assert goods.criterion("projects").per_unit == D("1.5")
    assert goods.price is not None and goods.price.kind is PriceRuleKind.LOWEST_VALID
    assert goods.aggregation.kind is AggregationKind.TRIMMED_MEAN
    assert goods.deviation is not None
    assert goods.deviation.reference is DeviationReference.OTHERS
    assert [r.stage for r in goods.review] == [ReviewStage.QUALIFICATION, ReviewStage.COMPLIANCE]
    assert goods.groups == {"price", "technical", "business"}


def test_the_average_and_lowest_price_examples_load_as_written() -> None:
    average = method("engineering-average")
    assert average.price is not None
    assert average.price.coefficients == tuple(D(f"0.9{i}") for i in range(5, 10))
    assert (average.price.above_per_percent, average.price.below_per_percent) == (D(1), D("0.5"))
    lowest = method("engineering-lowest-price")
    assert [a.id for a in lowest.adjustments] == ["payment", "duration"]
    assert lowest.tie_breaks[0] == "evaluated_price"
    assert method("qualification").kind is MethodKind.QUALIFICATION


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_toml_floats_read_as_the_decimals_written(name: str) -> None:
    # rules.py loads packs with plain tomllib.loads: 1.5 arrives as a float and must still be
    # the decimal 1.5, not 1.5000000000000000…
    plain = tomllib.loads(EXAMPLES[name])["evaluation"]
    assert parse_evaluation_method(plain, origin="x.toml") == method(name)


def test_the_toml_examples_in_the_docs_are_the_tested_methods() -> None:
    blocks = re.findall(r"```toml\n(.*?)```", DOCS.read_text("utf-8"), flags=re.S)
    documented = [
        load_evaluation_method(block, origin="docs/evaluation-methods.md")
        for block in blocks
        if block.lstrip().startswith("[evaluation]")
    ]
    assert documented == [method(name) for name in EXAMPLES]


def goods_table() -> dict[str, Any]:
    table: dict[str, Any] = tomllib.loads(EXAMPLES["procurement-goods"])["evaluation"]
    return table


def change(table: dict[str, Any], path: str, value: Any) -> None:
    """Set (or, with None, delete) ``a.b.c`` in the table."""
    *parents, last = path.split(".")
    for key in parents:
        table = table[key]
    if value is None:
        del table[last]
    else:
        table[last] = value


@pytest.mark.parametrize(
    ("path", "value", "field", "message"),
    [
        ("kind", "lottery", "evaluation.kind", "is one of 'qualification'"),
        ("total_points", 99, "evaluation.total_points", "add up to 100"),
        ("total_points", None, "evaluation.total_points", "is missing"),
        ("criteria.tech.step", 0.3, "evaluation.criteria.tech.step", r"must divide maximum"),
        ("criteria.tech.step", 0, "evaluation.criteria.tech.step", "must be more than 0"),
        ("criteria.tech.minimum", 41, "evaluation.criteria.tech", "minimum < maximum"),
        ("criteria.tech.maximum", 45, "evaluation.criteria.tech", "maximum ≤ max_points"),
        ("criteria.tech.max_points", "40.125", "evaluation.criteria.tech.max_points", "two"),
        ("criteria.tech.max_point", 40, "evaluation.criteria.tech", "unknown key 'max_point'"),
        ("criteria.tech.per_unit", 1, "evaluation.criteria.tech", "unknown key 'per_unit'"),
        ("criteria.iso.per_unit", None, "evaluation.criteria.iso.per_unit", "is missing"),
        ("criteria.iso.per_unit", "two", "evaluation.criteria.iso.per_unit", "must be a number"),
        ("criteria.iso.kind", "magic", "evaluation.criteria.iso.kind", "is one of"),
        ("criteria.tech.name", "", "evaluation.criteria.tech.name", "non-empty string"),
        ("price", None, "evaluation.price", "is missing: criterion 'price' is priced"),
        ("price.rule", "highest", "evaluation.price.rule", "is one of 'lowest_valid'"),
        ("price.coefficients", ["0.97"], "evaluation.price", "unknown key 'coefficients'"),
        ("aggregation", None, "evaluation.aggregation", "subjective criteria need one"),
        ("aggregation.trim_from", 2, "evaluation.aggregation.trim_from", "whole number ≥ 3"),
        ("deviation.percent_of_max", 120, "evaluation.deviation.percent_of_max", "0 to 100"),
        ("deviation.reference", "median", "evaluation.deviation.reference", "is one of"),
        ("abnormally_low.mean_of_others_percent", None, "evaluation.abnormally_low", "at least"),
        ("abnormally_low.benchmark_percent", 90, "evaluation.abnormally_low.benchmark_percent",
         "needs an average_benchmark price rule"),
        ("tie_breaks", ["price", "total", "bidder_uscc"], "evaluation.tie_breaks",
         "must begin with 'total'"),
        ("tie_breaks", ["total", "price"], "evaluation.tie_breaks", "must end with 'bidder_uscc'"),
        ("tie_breaks", ["total", "group:legal", "bidder_uscc"], "evaluation.tie_breaks",
         "'group:legal' names no criterion group"),
        ("tie_breaks", ["total", "luck", "bidder_uscc"], "evaluation.tie_breaks", "has 'luck'"),
        ("tie_breaks", ["total", "price", "price", "bidder_uscc"], "evaluation.tie_breaks",
         "twice"),
        ("adjustments", {"x": {"name": "x"}}, "evaluation.adjustments", "comprehensive method"),
        ("review.licence.stage", None, "evaluation.review.licence.stage", "is missing"),
        ("candidates", 0, "evaluation.candidates", "whole number ≥ 1"),
        ("color", "blue", "evaluation", "unknown key 'color'"),
    ],
)  # fmt: skip
def test_a_broken_method_is_refused_with_file_and_key(
    path: str, value: Any, field: str, message: str
) -> None:
    table = goods_table()
    change(table, path, value)
    with pytest.raises(InvalidInput, match=message) as refused:
        parse_evaluation_method(table, origin="zj-goods.toml")
    assert refused.value.message.startswith(f"rule pack zj-goods.toml: {field} ")
    assert refused.value.field == field
    assert refused.value.context["rule_pack"] == "zj-goods.toml"


def test_a_price_weight_under_the_statutory_floor_quotes_the_rule() -> None:
    # 20 of 100 points for price in a goods tender: MOF Order 87 art. 55 wants at least 30 %.
    table = goods_table()
    table["criteria"]["price"]["max_points"] = 20
    table["criteria"]["tech"]["max_points"] = 50
    table["criteria"]["tech"]["maximum"] = 50
    with pytest.raises(InvalidInput, match="under the price weight's floor of 30 %") as refused:
        parse_evaluation_method(table, origin="x.toml")
    assert "财政部令第87号" in refused.value.message
    assert refused.value.field == "evaluation.criteria.price.max_points"


def test_the_average_benchmark_needs_its_coefficients_and_deductions() -> None:
    base = tomllib.loads(EXAMPLES["engineering-average"])["evaluation"]
    for path, value, message in [
        ("price.coefficients", None, "must list the coefficients"),
        ("price.coefficients", ["0.97", "0.97"], "distinct numbers from 0.5 to 1.5"),
        ("price.coefficients", ["9.7"], "distinct numbers from 0.5 to 1.5"),
        ("price.above_per_percent", None, "above_per_percent is missing"),
        ("price.below_per_percent", -1, "cannot be negative"),
        ("price.drop_extremes_from", 2, "is 0 (never) or at least 3"),
    ]:
        table = tomllib.loads(EXAMPLES["engineering-average"])["evaluation"]
        change(table, path, value)
        with pytest.raises(InvalidInput, match=re.escape(message)):
            parse_evaluation_method(table, origin="x.toml")
    assert parse_evaluation_method(base, origin="x.toml").price is not None


def test_a_qualification_or_lowest_price_method_refuses_what_it_does_not_use() -> None:
    table = tomllib.loads(EXAMPLES["qualification"])["evaluation"]
    table["tie_breaks"] = ["price", "bidder_uscc"]
    with pytest.raises(InvalidInput, match="tie_breaks is not used by a qualification method"):
        parse_evaluation_method(table, origin="x.toml")
    table = tomllib.loads(EXAMPLES["engineering-lowest-price"])["evaluation"]
    table["tie_breaks"] = ["total", "bidder_uscc"]
    with pytest.raises(InvalidInput, match="must begin with 'evaluated_price'"):
        parse_evaluation_method(table, origin="x.toml")
    table = tomllib.loads(EXAMPLES["engineering-lowest-price"])["evaluation"]
    del table["review"]
    with pytest.raises(InvalidInput, match="needs at least one review item"):
        parse_evaluation_method(table, origin="x.toml")


def test_a_document_that_is_not_toml_or_has_no_evaluation_table_is_refused() -> None:
    with pytest.raises(InvalidInput, match="rule pack bad.toml: not valid TOML"):
        load_evaluation_method("[evaluation\nkind=", origin="bad.toml")
    with pytest.raises(InvalidInput, match=r"the \[evaluation\] table is missing"):
        load_evaluation_method('id = "x"\n', origin="bad.toml")
