"""Compiling releases: ocdsmerge's result for the same input, and the OCDS merge rules one by
one — dates order, identifier merge, null deletes, whole-list replacement, omitted fields."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import ocdsmerge
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.exchange.ocds import Compiler, MergeError, compile_release
from prex.exchange.ocds.rules import flat_rules, merge_rules
from prex.exchange.ocds.schema import release_schema

from .strategies import OCID, releases

MERGER = ocdsmerge.Merger(merge_rules=ocdsmerge.rules.get_merge_rules(release_schema()))


def release(date: str, **fields: Any) -> dict[str, Any]:
    return {"ocid": OCID, "id": f"r-{date}", "date": date, "tag": ["tender"], **fields}


def has_null(value: Any, rules: dict[str, Any] | None = None) -> bool:
    """Whether a null is left anywhere merging reaches (not inside values replaced whole)."""
    rules = merge_rules() if rules is None else rules
    if isinstance(value, dict):
        for key, member in value.items():
            rule = rules.get(key, {})
            if member is None or (isinstance(rule, dict) and has_null(member, rule)):
                return True
    if isinstance(value, list):
        return any(has_null(v, rules) for v in value if isinstance(v, dict))
    return False


def test_merge_rules_are_those_ocdsmerge_derives_from_the_same_schema() -> None:
    assert flat_rules(merge_rules()) == ocdsmerge.rules.get_merge_rules(release_schema())


@settings(max_examples=300, deadline=None)
@given(st.lists(releases(), min_size=1, max_size=5))
def test_compiled_release_is_what_ocdsmerge_compiles(items: list[dict[str, Any]]) -> None:
    expected_input = copy.deepcopy(items)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ocdsmerge warns on repeated ids in one array
        expected = MERGER.create_compiled_release(expected_input)
    assert compile_release(items) == expected
    assert items == expected_input  # the input is not changed


@settings(max_examples=150, deadline=None)
@given(releases())
def test_a_single_release_compiles_to_a_normalised_release(item: dict[str, Any]) -> None:
    compiled = compile_release([item])
    assert compiled["tag"] == ["compiled"]
    assert compiled["id"] == f"{OCID}-{item['date']}"
    assert not has_null(compiled)
    assert not any(k in compiled for k in ("x_notes", "x_custom") if not item.get(k))
    if not has_null(item):  # without nulls, nothing is left half-built: compiling is idempotent
        assert compile_release([compiled]) == compiled


@settings(max_examples=150, deadline=None)
@given(st.permutations(["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"]),
       st.lists(releases(), min_size=3, max_size=3))  # fmt: skip
def test_order_of_input_does_not_matter_when_dates_differ(
    dates: list[str], drawn: list[dict[str, Any]]
) -> None:
    items = [{**r, "date": d} for r, d in zip(drawn, dates, strict=True)]
    assert compile_release(items) == compile_release(sorted(items, key=lambda r: r["date"]))
    assert compile_release(items) == compile_release(list(reversed(items)))


def test_objects_with_the_same_id_merge_and_the_later_value_wins() -> None:
    first = release(
        "2026-01-01T00:00:00Z", awards=[{"id": "a1", "title": "旧", "status": "pending"}]
    )
    second = release("2026-01-02T00:00:00Z", awards=[{"id": "a2"}, {"id": "a1", "title": "新"}])
    compiled = compile_release([second, first])
    assert compiled["awards"] == [{"id": "a1", "title": "新", "status": "pending"}, {"id": "a2"}]


def test_ids_are_compared_as_strings_so_1_and_quoted_1_are_one_object() -> None:
    # ocdsmerge compares them as strings too, but then splits the object by which release
    # brought each field (its flat keys remember the first id value seen); prex does not.
    first = release("2026-01-01T00:00:00Z", tender={"items": [{"id": 1, "quantity": 2}]})
    second = release("2026-01-02T00:00:00Z", tender={"items": [{"id": "1", "description": "x"}]})
    assert len(compile_release([first, second])["tender"]["items"]) == 1


def test_null_removes_a_value_but_leaves_the_object() -> None:
    first = release("2026-01-01T00:00:00Z", tender={"title": "t", "status": "active"})
    second = release("2026-01-02T00:00:00Z", tender={"title": None})
    assert compile_release([first, second])["tender"] == {"status": "active"}
    assert (
        compile_release([release("2026-01-01T00:00:00Z", tender={"title": None})])["tender"] == {}
    )


def test_arrays_of_values_and_whole_list_fields_are_replaced() -> None:
    first = release("2026-01-01T00:00:00Z", parties=[{"id": "o1", "roles": ["buyer", "payer"]}],
                    tender={"submissionMethod": ["electronicSubmission", "inPerson"]})  # fmt: skip
    second = release("2026-01-02T00:00:00Z", parties=[{"id": "o1", "roles": ["buyer"]}],
                     tender={"submissionMethod": ["written"]})  # fmt: skip
    compiled = compile_release([first, second])
    assert compiled["parties"] == [{"id": "o1", "roles": ["buyer"]}]
    assert compiled["tender"]["submissionMethod"] == ["written"]


def test_objects_without_id_are_appended_by_each_release() -> None:
    first = release("2026-01-01T00:00:00Z", x_notes=[{"text": "a"}])
    second = release("2026-01-02T00:00:00Z", x_notes=[{"text": "a"}, {}])
    assert compile_release([first, second])["x_notes"] == [{"text": "a"}, {"text": "a"}]


def test_of_two_releases_with_the_same_date_the_later_in_the_input_wins() -> None:
    a = release("2026-01-01T00:00:00Z", tender={"title": "a"})
    b = release("2026-01-01T00:00:00Z", tender={"title": "b"})
    assert compile_release([a, b])["tender"]["title"] == "b"
    assert compile_release([b, a])["tender"]["title"] == "a"


def test_release_id_and_tag_are_not_merged_and_the_compiled_id_names_the_last_date() -> None:
    compiled = compile_release(
        [release("2026-01-02T00:00:00Z"), release("2026-01-01T00:00:00Z", language="zh")]
    )
    assert compiled == {
        "tag": ["compiled"],
        "id": f"{OCID}-2026-01-02T00:00:00Z",
        "date": "2026-01-02T00:00:00Z",
        "ocid": OCID,
        "language": "zh",
    }


def test_nothing_cannot_be_compiled() -> None:
    with pytest.raises(MergeError, match="no releases"):
        compile_release([])


def test_a_release_without_a_date_among_several_cannot_be_compiled() -> None:
    undated = release("2026-01-01T00:00:00Z")
    del undated["date"]
    with pytest.raises(MergeError, match="date"):
        compile_release([undated, release("2026-01-02T00:00:00Z")])


def test_a_field_that_changes_from_value_to_object_is_refused() -> None:
    first = release("2026-01-01T00:00:00Z", tender={"value": 5})
    second = release("2026-01-02T00:00:00Z", tender={"value": {"amount": 5}})
    with pytest.raises(MergeError, match="value"):
        compile_release([first, second])


def test_the_compiler_groups_releases_of_many_processes_into_records_in_ocid_order() -> None:
    other = "ocds-prex01-0000"
    compiler = Compiler()
    compiler.add(release("2026-01-02T00:00:00Z", language="zh"))
    compiler.add({**release("2026-01-01T00:00:00Z"), "ocid": other})
    compiler.add_package({"releases": [release("2026-01-01T00:00:00Z", language="en"), None]})
    records = list(compiler.records())
    assert [r["ocid"] for r in records] == [other, OCID]
    assert [r["date"] for r in records[1]["releases"]] == [
        "2026-01-02T00:00:00Z",
        "2026-01-01T00:00:00Z",
    ]
    assert records[1]["compiledRelease"]["language"] == "zh"
    with pytest.raises(MergeError, match="ocid"):
        compiler.add({"id": "x", "date": "2026-01-01T00:00:00Z"})


def test_ids_marked_version_id_are_values_that_a_later_release_replaces() -> None:
    # tender.id, classification.id … carry "versionId": true: they identify a version, not an
    # object in an array, so they merge as plain values (ocdsmerge ignores the flag, as we do).
    def tender(ident: str, code: str) -> dict[str, Any]:
        return {"id": ident, "items": [{"id": "1", "classification": {"id": code}}]}

    first = release("2026-01-01T00:00:00Z", tender=tender("t1", "45"))
    second = release("2026-01-02T00:00:00Z", tender=tender("t2", "71"))
    assert compile_release([first, second])["tender"] == {
        "id": "t2",
        "items": [{"id": "1", "classification": {"id": "71"}}],
    }
