"""Validation findings: one stable code per kind of problem, at the path of the problem."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.exchange.ocds import (
    Compiler,
    Finding,
    Validator,
    record_package,
    release_package,
    validate_package,
    validate_release,
)
from prex.exchange.ocds.schema import codelists

OCID = "ocds-prex01-91330100MA0000000120260101000001X"
VALIDATOR = Validator(ocid_prefix="ocds-prex01")
CORE = Validator(extended=False)


def good_release() -> dict[str, Any]:
    return {
        "ocid": OCID,
        "id": "r1",
        "date": "2026-01-01T00:00:00Z",
        "tag": ["tender"],
        "initiationType": "tender",
        "parties": [{"id": "o1", "name": "某局", "roles": ["buyer"]}],
        "tender": {
            "id": "t1",
            "status": "active",
            "value": {"amount": 100, "currency": "CNY"},
            "documents": [{"id": "d1", "documentType": "tenderNotice", "url": "https://x.cn/1"}],
            "items": [{"id": "i1", "quantity": 2, "relatedLot": "L1"}],
            "lots": [{"id": "L1", "title": "一标段"}],
        },
        "bids": {"details": [{"id": "b1", "status": "valid", "value": {"amount": 90}}]},
        "awards": [{"id": "a1", "status": "active", "relatedLots": ["L1"]}],
    }


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in findings]


def test_a_good_release_with_bids_and_lots_has_no_findings() -> None:
    assert VALIDATOR.validate_release(good_release()) == []
    assert validate_release(good_release()) == []


def test_extension_fields_are_additional_fields_for_core_ocds() -> None:
    found = {(f.code, f.field) for f in CORE.validate_release(good_release())}
    assert found == {
        ("field.additional", "tender/items/relatedLot"),
        ("field.additional", "tender/lots"),
        ("field.additional", "bids"),
        ("field.additional", "awards/relatedLots"),
    }


def test_schema_errors_carry_the_path_and_the_keyword() -> None:
    release = good_release()
    release["tender"]["value"]["amount"] = "100"
    del release["initiationType"]
    release["date"] = "yesterday"
    findings = VALIDATOR.validate_release(release)
    assert sorted(codes(findings)) == [
        ("schema.format.date-time", "date"),
        ("schema.required", ""),
        ("schema.type.number", "tender/value/amount"),
    ]
    required = next(f for f in findings if f.code == "schema.required")
    assert required.value == "initiationType" and required.validator == "required"


def test_codes_outside_closed_codelists_of_the_standard_and_extensions_are_found() -> None:
    release = good_release()
    release["tender"]["status"] = "open-for-business"
    release["tag"] = ["tender", "bogus"]
    release["bids"]["details"][0]["status"] = "late"  # bidStatus.csv, from the bids extension
    release["tender"]["documents"][0]["documentType"] = "invitationLetter"  # open codelist
    assert sorted((f.code, f.path, f.value) for f in VALIDATOR.validate_release(release)) == [
        ("codelist.closed", "bids/details/0/status", "late"),
        ("codelist.closed", "tag", "bogus"),
        ("codelist.closed", "tender/status", "open-for-business"),
        ("codelist.open", "tender/documents/0/documentType", "invitationLetter"),
    ]


def test_only_the_first_unknown_level_of_a_field_is_reported() -> None:
    release = good_release()
    release["platform"] = {"code": "P330100", "name": "x"}
    release["tender"]["items"][0]["unit"] = {"priceNote": "含税"}
    assert sorted(codes(VALIDATOR.validate_release(release))) == [
        ("field.additional", "platform"),
        ("field.additional", "tender/items/0/unit/priceNote"),
    ]


def test_duplicate_ids_in_an_array_and_duplicate_releases_in_a_package() -> None:
    release = good_release()
    release["awards"].append({"id": "a1", "status": "pending"})
    package = release_package([release, copy.deepcopy(release)], "https://x.cn/p.json",
                              "2026-11-27T00:00:00Z", {"name": "某中心"})  # fmt: skip
    found = [(f.code, f.path, f.value) for f in VALIDATOR.validate_package(package)]
    assert sorted(found) == [
        ("id.duplicate", "releases", f"{OCID}, r1"),
        ("id.duplicate", "releases/0/awards", "a1"),
        ("id.duplicate", "releases/1/awards", "a1"),
    ]


def test_the_ocid_prefix_is_checked_when_asked() -> None:
    release = {**good_release(), "ocid": "ocds-other-1"}
    assert codes(VALIDATOR.validate_release(release)) == [("ocid.prefix", "ocid")]
    for extension_field in ("bids", "tender", "awards"):
        del release[extension_field]
    assert CORE.validate_release(release) == []  # not checked unless asked


NUMBER_PATHS = [("tender", "value", "amount"), ("bids", "details", 0, "value", "amount")]
STRING_PATHS = [("tender", "id"), ("tender", "documents", 0, "url"), ("parties", 0, "name")]


WRONG = st.one_of(
    st.booleans(),
    st.lists(st.integers(), max_size=1),
    st.dictionaries(st.just("k"), st.integers()),
)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(NUMBER_PATHS + STRING_PATHS), WRONG)
def test_a_value_of_the_wrong_type_anywhere_is_one_type_finding_there(
    path: tuple[str | int, ...], wrong: Any
) -> None:
    release = good_release()
    node: Any = release
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = wrong
    findings = VALIDATOR.validate_release(release)
    assert [(f.code.split(".")[1], f.path) for f in findings] == [
        ("type", "/".join(map(str, path)))
    ], findings


@pytest.mark.parametrize("value", ["", "x" * 3])
def test_empty_or_unknown_codes_are_reported_like_libcoveocds(value: str) -> None:
    release = good_release()
    release["tender"]["status"] = value
    found = codes(VALIDATOR.validate_release(release))
    assert found == ([] if value == "" else [("codelist.closed", "tender/status")])


CLOSED_FIELDS = {
    ("tender", "status"): "tenderStatus.csv",
    ("tender", "value", "currency"): "currency.csv",
    ("awards", 0, "status"): "awardStatus.csv",
    ("bids", "details", 0, "status"): "bidStatus.csv",
}


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(sorted(CLOSED_FIELDS, key=str)), st.text(min_size=1, max_size=8))
def test_any_code_outside_a_closed_codelist_is_one_closed_codelist_finding(
    path: tuple[str | int, ...], code: str
) -> None:
    release = good_release()
    node: Any = release
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = code
    expected = [] if code in codelists()[CLOSED_FIELDS[path]] else [
        ("codelist.closed", "/".join(map(str, path)), code)
    ]  # fmt: skip
    assert [(f.code, f.path, f.value) for f in VALIDATOR.validate_release(release)] == expected


def test_a_record_package_is_checked_record_by_record() -> None:
    release = good_release()
    compiler = Compiler()
    compiler.add(release)
    records = list(compiler.records())
    package = record_package(records, "https://x.cn/r.json", "2026-11-27T00:00:00Z",
                             {"name": "某中心"})  # fmt: skip
    assert validate_package(package) == []
    linked = {"ocid": OCID, "releases": [{"url": "https://x.cn/p.json#r1", "date": "bad"}]}
    package["records"] += [copy.deepcopy(records[0]), linked]
    package["records"][0]["compiledRelease"]["tender"]["status"] = "pending-ish"
    package["records"][1]["releases"][0]["awards"][0]["id"] = ""
    assert sorted((f.code, f.path) for f in validate_package(package)) == [
        ("codelist.closed", "records/0/compiledRelease/tender/status"),
        ("id.duplicate", "records"),
        ("schema.format.date-time", "records/2/releases/0/date"),
        ("schema.minLength", "records/1/releases/0/awards/0/id"),
    ]
