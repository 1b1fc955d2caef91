"""The specialty code list, and the field checks every way in shares (API, CSV, CLI): each
refusal names the field and says exactly what is wrong."""

from __future__ import annotations

import pytest

from prex.experts import codes
from prex.experts.fields import (
    id_digest,
    mask_id,
    validate_credit,
    validate_name,
    validate_optional_uscc,
    validate_phone,
    validate_resident_id,
    validate_years,
)
from prex.experts.model import (
    SENIOR_TITLES,
    Title,
    check_entry,
    entry_refusals,
    parse_title,
)
from prex.pki.demo import DEMO_PERSON_ID
from prex.pki.holder import Holder
from prex.shared.errors import InvalidInput, RuleViolation
from tests.unit.experts.rows import employer, person_id


def test_the_code_list_is_a_tree_with_chinese_names() -> None:
    listed = codes.specialty_codes()
    assert len(listed) >= 40
    assert listed["A"] == "工程" and listed["A08"] == "工程施工"
    assert listed["A0801"] == "房屋建筑工程"
    assert all(p in listed for code in listed for p in codes.broader(code))


def test_a_code_answers_for_its_broader_codes() -> None:
    assert codes.broader("A0801") == ("A", "A08")
    assert codes.with_broader(["A0801", "B04"]) == {"A", "A08", "A0801", "B", "B04"}
    assert codes.label("A0801") == "A0801 房屋建筑工程"


def test_specialties_are_split_on_either_semicolon_checked_and_deduplicated() -> None:
    assert codes.parse_specialties(" a0801; A06；A0801 ;") == ("A0801", "A06")
    with pytest.raises(InvalidInput, match="at least one"):
        codes.parse_specialties(" ; ")


def test_an_unknown_code_is_refused_with_the_codes_that_do_exist_under_its_parent() -> None:
    with pytest.raises(InvalidInput, match=r"'A0899' is not in the code list.*A0801") as exc:
        codes.validate_specialty("A0899")
    assert exc.value.field == "specialty"
    with pytest.raises(InvalidInput, match="a letter and two digits per level"):
        codes.validate_specialty("建筑")


def test_resident_identity_numbers_are_checked_by_their_check_character() -> None:
    # The example of GB 11643-1999 itself, with a lower-case x.
    assert validate_resident_id(" 11010519491231002x ") == "11010519491231002X"
    assert validate_resident_id(DEMO_PERSON_ID) == DEMO_PERSON_ID
    assert validate_resident_id(person_id(123_456)) == person_id(123_456)
    wrong = "110105194912310021"
    with pytest.raises(InvalidInput, match="18th character should be 'X', not '1'") as exc:
        validate_resident_id(wrong)
    assert exc.value.field == "id_number"
    with pytest.raises(InvalidInput, match="has 17"):
        validate_resident_id("11010519491231002")
    with pytest.raises(InvalidInput, match="not a birth date"):
        validate_resident_id("110105194913310020")
    with pytest.raises(InvalidInput, match="must be digits"):
        validate_resident_id("11010519491231A02X")


def test_only_a_keyed_digest_and_a_masked_form_of_the_number_are_kept() -> None:
    number = person_id(7)
    assert mask_id(number) == number[:6] + "********" + number[-4:]
    digest = id_digest("secret-1", number)
    assert digest != id_digest("secret-2", number) and number not in digest
    # the same fingerprint a personal certificate's holder gets: certificate sign-in finds it
    assert digest == Holder("person", number, "张三").fingerprint("secret-1")


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("138 0013 8000", "13800138000"),
        ("+86 13800138000", "13800138000"),
        ("0571-88881234", "0571-88881234"),
        ("057188881234", "0571-88881234"),
        ("010 6552 1234", "010-65521234"),
    ],
)
def test_phone_numbers_are_tidied(given: str, stored: str) -> None:
    assert validate_phone(given) == stored


@pytest.mark.parametrize("bad", ["12345", "23800138000", "", "abc", "0571-12"])
def test_a_wrong_phone_number_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="is not a phone number"):
        validate_phone(bad)


def test_names_credit_codes_years_and_scores() -> None:
    assert validate_name("  阿卜杜·热合曼  ") == "阿卜杜·热合曼"
    for bad, message in (("", "empty"), ("张3", "digits"), ("x" * 51, "at most 50")):
        with pytest.raises(InvalidInput, match=message):
            validate_name(bad)
    assert validate_optional_uscc("  ") is None
    assert validate_optional_uscc(employer(3).lower()) == employer(3)
    with pytest.raises(InvalidInput, match="fails the check digit"):
        validate_optional_uscc(employer(3)[:-1] + ("0" if employer(3)[-1] != "0" else "1"))
    assert validate_years(" 12 ") == 12
    for bad in ("twelve", "-1", "71", "1.5", True):
        with pytest.raises(InvalidInput, match="years of practice"):
            validate_years(bad)
    assert validate_credit("100") == 100
    with pytest.raises(InvalidInput, match="not within 0–100"):
        validate_credit("101")


def test_titles_are_read_from_their_chinese_label_or_value() -> None:
    assert parse_title("正高级") is Title.FULL_SENIOR
    assert parse_title(" deputy_senior ") is Title.DEPUTY_SENIOR
    assert frozenset({Title.FULL_SENIOR, Title.DEPUTY_SENIOR}) == SENIOR_TITLES
    with pytest.raises(InvalidInput, match="'教授' is not one of 正高级、副高级、中级、初级"):
        parse_title("教授")


def test_entry_needs_eight_years_and_a_senior_title() -> None:
    assert entry_refusals(Title.DEPUTY_SENIOR, 8) == []
    assert entry_refusals(Title.FULL_SENIOR, 30) == []
    assert len(entry_refusals(Title.INTERMEDIATE, 7)) == 2
    with pytest.raises(RuleViolation, match="7 years of practice; entry needs at least 8") as exc:
        check_entry(Title.FULL_SENIOR, 7)
    assert exc.value.rule == "expert.entry"
    assert "招标投标法" in exc.value.message
    with pytest.raises(RuleViolation, match="needs a senior title"):
        check_entry(Title.INTERMEDIATE, 20)
