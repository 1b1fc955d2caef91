"""Every bundled rule pack says how bids are sealed; a broken [sealing] table is refused with
the file and the key named."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pytest

from prex.shared.errors import InvalidInput
from prex.tenders.rules import RulePackRegistry, parse_rule_pack


def pack_data() -> dict[str, Any]:
    folder = resources.files("prex.tenders") / "rulepacks"
    return tomllib.loads((folder / "engineering-open.toml").read_text("utf-8"))


def test_every_bundled_pack_seals_for_custodians_with_three_bidders_minimum() -> None:
    registry = RulePackRegistry.bundled()
    for pack_id in (
        "engineering-open",
        "engineering-invited",
        "procurement-open",
        "procurement-invited",
    ):
        sealing = registry.get(pack_id).sealing
        assert (sealing.threshold, sealing.custodians, sealing.min_bidders) == (3, 5, 3)
        assert sealing.min_bidders_source.startswith("《")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"suite": "RSA-DES"}, "sealing.suite is one of"),
        ({"key_mode": "anyone"}, "sealing.key_mode is one of"),
        ({"threshold": 6}, "threshold ≤ custodians"),
        ({"threshold": 0}, "threshold ≤ custodians"),
        ({"min_bidders": 0}, "min_bidders ≥ 1"),
        ({"custodians": "five"}, "sealing:"),
        ({"min_bidders_source": None}, "sealing.min_bidders_source is missing"),
    ],
)
def test_a_broken_sealing_table_is_refused(change: dict[str, Any], message: str) -> None:
    data = pack_data()
    for key, value in change.items():
        if value is None:
            del data["sealing"][key]
        else:
            data["sealing"][key] = value
    with pytest.raises(InvalidInput, match=message) as refused:
        parse_rule_pack(data, origin="custom.toml", calendars={"calendar-cn.toml": {}})
    assert "custom.toml" in refused.value.message
    del data["sealing"]
    with pytest.raises(InvalidInput, match=r"\[sealing\] table is missing"):
        parse_rule_pack(data, origin="custom.toml", calendars={"calendar-cn.toml": {}})
