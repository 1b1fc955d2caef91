"""GB/T 2260 division codes: validation, levels and names."""

from __future__ import annotations

import pytest

from prex.identity.divisions import division_name, is_within, level_of, validate_division
from prex.shared.errors import InvalidInput


def test_levels_and_containment() -> None:
    assert [level_of(c) for c in ("330000", "330100", "330102")] == ["province", "city", "county"]
    assert is_within("330102", "330000") and is_within("330102", "330100")
    assert not is_within("330203", "330100")


@pytest.mark.parametrize("code", ["33010", "033000", "3301O2", "../", ""])
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidInput, match="GB/T 2260"):
        validate_division(code)


def test_names_fall_back_to_the_nearest_named_level() -> None:
    assert division_name("330106") == "杭州市西湖区"
    assert division_name("330199") == "杭州市（330199）"
    assert division_name("339999") == "浙江省（339999）"
    assert division_name("990000") == "990000"
