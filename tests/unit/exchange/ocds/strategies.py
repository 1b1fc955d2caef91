"""Hypothesis strategies for OCDS releases of one contracting process.

The shapes stay within what the schema allows for each path (a field is always an object, or
always an array of objects, or always a value), because that is where ocdsmerge's result is
defined; ids come from small sets so that identifier merges happen, dates from a few values so
that ties happen, and ``null``, ``""``, ``[]`` and ``{}`` turn up often.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

OCID = "ocds-prex01-91330100MA0000000120260101000001X"

maybe_text = st.one_of(st.none(), st.sampled_from(["", "甲", "b", "工程"]))
maybe_int = st.one_of(st.none(), st.integers(-3, 10**9))
dates = st.sampled_from(
    ["2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", "2026-02-01T09:30:00Z", "2026-03-01T00:00:00Z"]
)


def _obj(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects with any subset of ``fields``."""
    return st.fixed_dictionaries({}, optional=fields)


value = _obj({"amount": maybe_int, "currency": st.sampled_from(["CNY", "USD"])})
classification = _obj({"scheme": st.just("CPV"), "id": maybe_text})
item = _obj(
    {
        "id": st.sampled_from(["1", "2", "3", 4]),
        "description": maybe_text,
        "quantity": maybe_int,
        "classification": classification,
        "additionalClassifications": st.lists(classification, max_size=2),
    }
)
organisation_ref = _obj({"id": st.sampled_from(["o1", "o2"]), "name": maybe_text})
award = _obj(
    {
        "id": st.sampled_from(["a1", "a2"]),
        "title": maybe_text,
        "status": st.sampled_from(["pending", "active"]),
        "value": value,
        "suppliers": st.lists(organisation_ref, max_size=2),
        "items": st.lists(item, max_size=3),
        "relatedLots": st.lists(st.sampled_from(["L1", "L2"]), max_size=2),
    }
)
tender = _obj(
    {
        "id": st.just("t1"),
        "title": maybe_text,
        "status": st.one_of(st.none(), st.sampled_from(["active", "complete"])),
        "value": value,
        "items": st.lists(item, max_size=4),
        "submissionMethod": st.one_of(st.none(), st.lists(st.just("electronicSubmission"))),
        "lots": st.lists(_obj({"id": st.sampled_from(["L1", "L2"]), "title": maybe_text})),
    }
)
party = _obj(
    {
        "id": st.sampled_from(["o1", "o2", "o3"]),
        "name": maybe_text,
        "roles": st.lists(st.sampled_from(["buyer", "tenderer", "supplier"]), max_size=2),
        "address": _obj({"locality": maybe_text}),
    }
)
notes = st.lists(_obj({"text": maybe_text}), max_size=2)  # no id: appended every time


@st.composite
def releases(draw: st.DrawFn, *, date: st.SearchStrategy[str] = dates) -> dict[str, Any]:
    """One release of the process ``OCID`` (an ``id`` and ``tag`` that merging must drop)."""
    release: dict[str, Any] = {
        "ocid": OCID,
        "id": f"r{draw(st.integers(0, 10**6))}",
        "date": draw(date),
        "tag": ["tender"],
    }
    extra = draw(
        _obj(
            {
                "tender": tender,
                "awards": st.lists(award, max_size=3),
                "parties": st.lists(party, max_size=3),
                "buyer": organisation_ref,
                "language": maybe_text,
                "x_notes": notes,
                "x_custom": _obj({"a": maybe_text, "b": st.lists(st.integers(), max_size=2)}),
            }
        )
    )
    release.update(extra)
    return release
