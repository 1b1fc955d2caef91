"""Field coverage counts non-empty nodes as Cardinal does, path for path."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import ocdscardinal
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.exchange.ocds import coverage, coverage_jsonl

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.sampled_from(["", " ", "a"])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "id", "tender"]), inner, max_size=3),
    ),
    max_leaves=12,
)


def test_empty_values_and_objects_of_empty_values_do_not_count() -> None:
    doc: dict[str, Any] = {"a": 1, "b": "", "c": None, "d": [], "e": {}, "f": [{"x": 1}, {"y": ""}],
                           "g": {"h": [0, False]}, "i": [{}], "j": " "}  # fmt: skip
    assert coverage([doc, {"a": 2}]) == {
        "": 2, "/": 2, "/a": 2, "/f": 1, "/f[]": 1, "/f[]/": 1, "/f[]/x": 1,
        "/g": 1, "/g/": 1, "/g/h": 1, "/g/h[]": 2, "/j": 1,
    }  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "tender"]), json_values), max_size=4))
def test_coverage_is_cardinals_on_any_json(docs: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.jsonl"
        path.write_text("".join(json.dumps(d) + "\n" for d in docs))
        assert coverage_jsonl(path) == ocdscardinal.coverage(str(path))
