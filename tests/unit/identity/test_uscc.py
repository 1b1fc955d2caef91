"""The unified social credit code check digit (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.identity.uscc import ALPHABET, check_character, make_uscc, validate_uscc
from prex.shared.errors import InvalidInput

# Published codes of well-known organisations (from their public registrations).
KNOWN_VALID = [
    "91110000802100433B",  # 中国石油化工股份有限公司
    "91350100M000100Y43",  # the GB 32100 standard's own example
]

body = st.tuples(
    st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"),
    st.sampled_from("0123456789ABCDEFGHJKLMNPQRTUWXY"),
    st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
).map(lambda t: "".join(t))


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_published_codes_validate(code: str) -> None:
    assert validate_uscc(code) == code


def test_lower_case_and_spaces_are_normalised() -> None:
    assert validate_uscc("  91350100m000100y43 ") == "91350100M000100Y43"


def test_a_wrong_check_character_is_refused_with_the_expected_one_named() -> None:
    with pytest.raises(InvalidInput, match="should be '3', not 'X'"):
        validate_uscc("91350100M000100Y4X")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("9135010", "has 18 characters"),
        ("91350100M000100Y43A", "has 18 characters"),
        ("91350100M0001O0Y43", "never contains"),
        ("91AB0100M000100Y43", "division code"),
    ],
)
def test_malformed_codes_are_refused_with_a_reason(code: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        validate_uscc(code)


@given(body)
def test_every_completed_code_validates(first17: str) -> None:
    assert validate_uscc(make_uscc(first17)) == make_uscc(first17)


@given(body, st.integers(min_value=0, max_value=16), st.sampled_from(ALPHABET))
def test_changing_any_single_character_is_detected(
    first17: str, position: int, replacement: str
) -> None:
    code = make_uscc(first17)
    if code[position] == replacement or (2 <= position <= 7 and not replacement.isdigit()):
        return
    tampered = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidInput):
        validate_uscc(tampered)


def test_check_character_of_the_standard_example() -> None:
    assert check_character("91350100M000100Y4") == "3"
