"""Mainland mobile numbers: every usual writing of a valid number normalises to the same E.164
form, and nothing else is taken for one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.shared.errors import InvalidInput
from prex.shared.phones import normalise_mobile

numbers = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
prefixes = st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86", "(+86)", "+86\u3000"])


def spaced(number: str, cuts: list[int], sep: str) -> str:
    parts, last = [], 0
    for cut in sorted(set(cuts)):
        parts.append(number[last:cut])
        last = cut
    parts.append(number[last:])
    return sep.join(p for p in parts if p)


@given(
    numbers, prefixes, st.lists(st.integers(1, 10), max_size=3), st.sampled_from([" ", "-", "."])
)
def test_every_usual_writing_normalises_to_e164(
    number: str, prefix: str, cuts: list[int], sep: str
) -> None:
    written = prefix + spaced(number, cuts, sep)
    assert normalise_mobile(written) == "+86" + number
    assert normalise_mobile(normalise_mobile(written)) == "+86" + number  # idempotent


@given(st.text(max_size=40))
def test_anything_else_is_refused_or_is_a_mobile(text: str) -> None:
    try:
        result = normalise_mobile(text)
    except InvalidInput as refused:
        assert refused.context["field"] == "mobile"
        return
    assert len(result) == 14 and result.startswith("+861")
    assert all(c in "0123456789" for c in result[1:])  # ASCII digits only, never others
    assert result[4] in "3456789"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12812345678",
        "1381234567",
        "138123456789",
        "+1 4155550100",
        "010-12345678",
        "+85213812345678",
        "１３８１２３４５６７８",
        "13８12345678",
        "13\u0668" + "1" * 8,
    ],
)
def test_not_mobiles(bad: str) -> None:
    with pytest.raises(InvalidInput, match="not a mainland mobile number"):
        normalise_mobile(bad)
