"""The bundled rule packs carry their evaluation method, and a pack whose ``[evaluation]``
table could not be computed does not load at all."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib import resources

import pytest

from prex.evaluation.method_toml import parse_evaluation_method
from prex.evaluation.methods import CriterionKind, MethodKind, PriceRuleKind
from prex.shared.errors import InvalidInput
from prex.tenders.rules import RulePackRegistry, parse_rule_pack


def test_every_bundled_pack_has_a_method_whose_snapshot_parses_to_the_same_method() -> None:
    packs = RulePackRegistry.bundled().all()
    assert {p.id for p in packs} == {
        "engineering-open",
        "engineering-invited",
        "procurement-open",
        "procurement-invited",
    }
    for pack in packs:
        assert pack.evaluation is not None and pack.evaluation_table is not None
        assert pack.evaluation.kind is MethodKind.COMPREHENSIVE
        # The evaluation service takes no verified facts yet: an objective criterion could
        # never be scored, and such a tender never completed.
        assert not pack.evaluation.of_kind(CriterionKind.OBJECTIVE)
        again = parse_evaluation_method(pack.evaluation_table, origin=pack.id)
        assert again == pack.evaluation
        rule = pack.evaluation.price
        assert rule is not None
        if pack.transaction_type == "engineering":
            assert rule.kind is PriceRuleKind.AVERAGE_BENCHMARK
            assert rule.coefficients == tuple(Decimal(f"0.9{n}") for n in range(5, 10))
        else:
            assert rule.kind is PriceRuleKind.LOWEST_VALID
            price = pack.evaluation.price_criterion
            assert price is not None and rule.min_share_percent == 30
            assert price.max_points * 100 >= rule.min_share_percent * pack.evaluation.total_points
            assert "财政部令第87号" in rule.source


def test_a_price_weight_under_its_floor_refuses_to_load_with_the_file_named() -> None:
    text = (resources.files("prex.tenders") / "rulepacks" / "procurement-open.toml").read_text(
        "utf-8"
    )
    data = tomllib.loads(text)
    data["evaluation"]["criteria"]["price"]["max_points"] = 20
    data["evaluation"]["criteria"]["technical"]["max_points"] = 60
    with pytest.raises(
        InvalidInput,
        match=r"procurement-open\.toml: evaluation\.criteria\.price\.max_points 20 of 100 is under",
    ):
        parse_rule_pack(data, origin="procurement-open.toml", calendars={"calendar-cn.toml": {}})
