"""Merge rules of a release schema, as a tree walked alongside each release.

ocdsmerge keeps its rules as a dict from JSON path tuples to ``"omitWhenMerged"`` or
``"wholeListMerge"`` and builds a tuple per field to look one up. Here the same rules form a
tree of dicts keyed by field name (array items share their array's node, as in ocdsmerge), so
the merge looks up one key per field. A leaf of the tree is :data:`OMIT` or :data:`WHOLE`; a
field the schema does not describe has no entry (no rule below it either).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, Final, TypeAlias

from prex.exchange.ocds.schema import release_schema

RuleTree: TypeAlias = dict[str, Any]
"""field name → :data:`OMIT`, :data:`WHOLE` or the rule tree of the field's own fields."""

OMIT: Final = "omitWhenMerged"
"""The field is dropped when merging (``omitWhenMerged``, or 1.0's ``mergeStrategy: ocdsOmit``)."""

WHOLE: Final = "wholeListMerge"
"""The array is replaced whole instead of merged by ``id``."""

_MAX_DEPTH = 32  # the OCDS schemas are not recursive; this only stops a malicious one


def _deref(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local ``$ref`` s (siblings of ``$ref`` are ignored, as jsonref does by default)."""
    seen = 0
    while "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, not {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
        seen += 1
        if seen > _MAX_DEPTH:
            raise ValueError(f"reference loop at {ref!r}")
    return node


def _types(prop: Mapping[str, Any]) -> list[str]:
    kind = prop.get("type")
    if kind is None:
        return []
    return [kind] if isinstance(kind, str) else list(kind)


def _rules(
    properties: Mapping[str, Any], root: Mapping[str, Any], depth: int
) -> Iterator[tuple[str, Any]]:
    """Yield (field, rule) for each field with a rule, as ocdsmerge's ``_get_merge_rules``."""
    if depth > _MAX_DEPTH:
        raise ValueError("schema nested too deeply")
    for key, raw in properties.items():
        value = _deref(raw, root)
        types = _types(value)
        if value.get("omitWhenMerged") or value.get("mergeStrategy") == "ocdsOmit":
            yield key, OMIT
        elif "array" in types and (
            value.get("wholeListMerge") or value.get("mergeStrategy") == "ocdsVersion"
        ):
            yield key, WHOLE
        elif "object" in types and "properties" in value:
            yield key, dict(_rules(value["properties"], root, depth + 1))
        elif "array" in types and "items" in value:
            items = _deref(value["items"], root)
            item_types = _types(items)
            if any(t != "object" for t in item_types):
                yield key, WHOLE
            elif "object" in item_types and "properties" in items:
                if "id" not in items["properties"]:
                    yield key, WHOLE
                else:
                    yield key, dict(_rules(items["properties"], root, depth + 1))


def rules_from_schema(schema: Mapping[str, Any]) -> RuleTree:
    """The rule tree of a (patched) release schema. ``tag`` is always omitted: the compiled
    release has its own, as in ocdsmerge, which drops ``tag`` whatever the schema says."""
    tree = dict(_rules(schema["properties"], schema, 0))
    tree["tag"] = OMIT
    return tree


@cache
def merge_rules() -> RuleTree:
    """The rule tree of the packaged release schema with the bids and lots extensions."""
    return rules_from_schema(release_schema())


def flat_rules(tree: RuleTree, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """The rules as ocdsmerge lists them (path tuple → rule), to compare the two."""
    flat: dict[tuple[str, ...], str] = {}
    for key, rule in tree.items():
        if isinstance(rule, dict):
            flat.update(flat_rules(rule, (*prefix, key)))
        else:
            flat[(*prefix, key)] = rule
    return flat
