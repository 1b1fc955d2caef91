"""Compile the releases of one contracting process into its compiledRelease (OCDS merge).

The result is the one ``ocdskit compile --schema release-schema-bids-lots.json`` (ocdsmerge 0.8)
gives, computed without ocdsmerge's flatten/unflatten: ocdsmerge turns every release into a dict
of JSON paths with a ``str`` subclass per array index and rebuilds the tree at the end, which is
what makes it slow. Here each release is merged straight into a nested tree, guided by a tree of
merge rules derived from the schema once. The rules, as ocdsmerge applies them:

- releases are sorted by ``date`` (a stable sort: of two releases with the same date, the later
  one in the input wins); a lone release is not sorted (nor required to have a date);
- ``tag`` and every ``omitWhenMerged`` field are dropped; the compiled ``id`` is
  ``{ocid}-{date}`` of the last release, its ``tag`` is ``["compiled"]``;
- objects merge key by key; a later value replaces an earlier one; ``null`` removes a value
  (but not an object or array of objects already there: ocdsmerge keeps those, and so do we);
- empty objects and empty arrays are ignored, unless the array is ``wholeListMerge``;
- arrays of objects merge by ``id`` (compared as strings, as ocdsmerge's ``IdValue`` does), in
  order of first appearance; an object without ``id`` is appended every time; objects with the
  same ``id`` in one array of one release are merged into one;
- ``wholeListMerge`` arrays, arrays of anything but objects, and arrays of objects whose schema
  has no ``id`` are replaced whole;
- an object whose every field is ``null`` or empty leaves an empty object (ocdsmerge creates the
  parents of a ``null`` leaf), but one with no fields at all leaves nothing.

Where ocdsmerge's output depends on accidents of its flat representation — an earlier scalar
replaced by an object, a list of strings followed by a list of objects — it raises
``InconsistentTypeError`` or returns a mix; we raise :class:`MergeError` for every such case.
One known difference remains: when one release gives an object the id ``2`` and a later one
``"2"``, ocdsmerge merges the fields both carry but puts the fields new in the later release in
a second object; prex keeps one object (the id of the first release).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

from prex.exchange.ocds.rules import OMIT, WHOLE, RuleTree, merge_rules


class MergeError(ValueError):
    """The releases cannot be compiled: none at all, a missing or non-string date, a missing
    ocid, or a field that is an object in one release and a value of another type in another."""


def _ident(item: Mapping[str, Any]) -> str:
    """The key of an object in an identifier merge: its ``id`` as a string, as ocdsmerge's
    ``IdValue`` compares them (1 and "1" are one object)."""
    ident = item["id"]
    return ident if type(ident) is str else str(ident)


def _fresh(source: Mapping[str, Any], rules: RuleTree) -> dict[str, Any] | None:
    """A new compiled object from one release's object, or None if nothing in it counts.

    Same rules as :func:`_merge` into an empty object, without looking anything up in a target:
    most of a release lands where the compiled release has nothing yet, and this is the hot path.
    A ``null`` leaf is not kept but still makes its object exist (``{"title": null}`` → ``{}``).
    """
    out: dict[str, Any] = {}
    touched = False
    for key, value in source.items():
        rule = rules.get(key)
        if rule is OMIT:
            continue
        kind = type(value)
        if value is None:
            touched = True
        elif rule is WHOLE or (kind is not dict and kind is not list):
            out[key] = value
        elif not value:
            continue
        elif kind is dict:
            child = _fresh(value, rule or _EMPTY)
            if child is not None:
                out[key] = child
        else:
            for item in value:
                if type(item) is not dict:
                    out[key] = value
                    break
            else:
                merged = _fresh_items(value, rule or _EMPTY)
                if merged:
                    out[key] = merged
    if out or touched:
        return out
    return None


def _fresh_items(items: list[dict[str, Any]], rules: RuleTree) -> list[dict[str, Any]]:
    """A new id-merged array from one release's array of objects."""
    merged: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Any]] | None = None
    for item in items:
        obj = _fresh(item, rules)
        if obj is None:
            continue
        if "id" in item:
            ident = _ident(item)
            if seen is None:
                seen = {}
            elif ident in seen:  # the same id twice in one array: one object
                _merge(seen[ident], item, rules)
                continue
            seen[ident] = obj
        merged.append(obj)
    return merged


def _is_id_merged(value: object) -> bool:
    """Whether a compiled value is an array built by identifier merge (rather than a value
    replaced whole): for one field under one rule, only those hold nothing but objects."""
    return type(value) is list and all(type(item) is dict for item in value)


def _merge(target: dict[str, Any], source: Mapping[str, Any], rules: RuleTree) -> None:
    """Merge one release's object into an existing compiled object, in place."""
    for key, value in source.items():
        rule = rules.get(key)
        if rule is OMIT:
            continue
        kind = type(value)
        if rule is WHOLE or (kind is not dict and kind is not list):
            current = target.get(key)
            if type(current) is dict or (rule is not WHOLE and _is_id_merged(current)):
                continue  # a value or null over an object ocdsmerge already built keeps it
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        elif not value:
            continue
        elif kind is dict:
            current = target.get(key)
            if type(current) is dict:
                _merge(current, value, rule or _EMPTY)
            elif current is None:
                child = _fresh(value, rule or _EMPTY)
                if child is not None:
                    target[key] = child
            else:
                raise MergeError(f"{key!r} is an object here but {current!r} in an earlier release")
        else:
            current = target.get(key)
            for item in value:
                if type(item) is not dict:
                    if type(current) is dict or _is_id_merged(current):
                        raise MergeError(
                            f"{key!r} is an array of values here but of objects earlier"
                        )
                    target[key] = value
                    break
            else:
                if current is None:
                    merged = _fresh_items(value, rule or _EMPTY)
                    if merged:
                        target[key] = merged
                elif _is_id_merged(current):
                    _merge_items(current, value, rule or _EMPTY)
                else:
                    raise MergeError(f"{key!r} is an array of objects here but {current!r} earlier")


def _merge_items(
    merged: list[dict[str, Any]], items: list[dict[str, Any]], rules: RuleTree
) -> None:
    """Identifier merge of one release's array of objects into a compiled array, in place."""
    by_id = {_ident(obj): obj for obj in merged if "id" in obj}
    for item in items:
        if "id" in item:
            ident = _ident(item)
            obj = by_id.get(ident)
            if obj is not None:
                _merge(obj, item, rules)
                continue
            obj = _fresh(item, rules)
            if obj is not None:
                by_id[ident] = obj
                merged.append(obj)
        else:
            obj = _fresh(item, rules)
            if obj is not None:
                merged.append(obj)


_EMPTY: RuleTree = {}
_by_date = itemgetter("date")


def sorted_releases(releases: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The releases in merge order: by ``date``, stable; a lone release as it is."""
    if len(releases) == 1:
        return releases
    try:
        return sorted(releases, key=_by_date)
    except KeyError as exc:
        raise MergeError("the `date` field of at least one release is missing") from exc
    except TypeError as exc:
        raise MergeError("the `date` field of at least one release is not a string") from exc


def compile_release(
    releases: Iterable[Mapping[str, Any]], rules: RuleTree | None = None
) -> dict[str, Any]:
    """The compiledRelease of the releases of one ocid (merge rules of the bids+lots schema
    unless ``rules`` is given, see :func:`prex.exchange.ocds.rules.merge_rules`)."""
    if rules is None:
        rules = merge_rules()
    ordered = sorted_releases(list(releases))
    if not ordered:
        raise MergeError("no releases to compile")
    tree: dict[str, Any] = {"tag": ["compiled"]}
    for release in ordered:
        ocid, date = release.get("ocid"), release.get("date")
        tree["id"] = f"{ocid}-{date}"
        tree["date"] = date
        tree["ocid"] = ocid
        _merge(tree, release, rules)
    for key in ("date", "ocid"):
        if tree[key] is None:
            del tree[key]
    return tree
