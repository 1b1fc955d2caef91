"""Validate OCDS releases and release packages against the schema prex publishes with.

The findings are those of libcoveocds' core checks, so that a centre's data-quality score reads
the same as the Open Contracting Partnership's own tools:

===================== ================================================================
code                  what
===================== ================================================================
``schema.<keyword>``  a JSON Schema error (``schema.type``, ``schema.required``,
                      ``schema.format``, ``schema.minLength`` …), with the instance path
``codelist.closed``   a value outside a closed codelist (the standard's or an extension's)
``codelist.open``     a value outside an open codelist (advice, not an error)
``field.additional``  a field the schema does not define (only the first unknown level)
``id.duplicate``      two objects with the same ``id`` in an array whose schema says
                      ``uniqueItems`` — for a package's releases, the same ``ocid``+``id``
``items.duplicate``   the same element twice in such an array, when not all have an ``id``
``ocid.prefix``       (optional) an ocid not starting with ``ocds-<prefix>-``
===================== ================================================================

How: jsonschema-rs validates each release against a *strict* copy of the release schema —
``additionalProperties: false`` on every object (that is the additional-field check, reported
where the unknown field starts, as libcoveocds reports its "root" additional fields) and
``uniqueItems`` removed. A closed codelist's ``enum`` stays in the schema (Rust checks it
fastest) and its errors become ``codelist.closed``, empty codes skipped as libcoveocds skips
them. Open codelists and ``uniqueItems`` are checked by a walk that only visits the paths where
the schema has one, with libcoveocds' semantics: codes compared as strings, empty values
skipped, duplicates by ``id`` rather than by whole item. The package envelope is validated
apart, so that each release goes through Rust once.

Known differences from libcoveocds: language variants (``title_zh``) match the schema's
``patternProperties`` and are not additional fields here; ``type`` errors name the expected
type the way libcoveocds does for the OCDS schemas (``string`` first, else the first non-null
type) rather than by reading the keyword's value.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema_rs

from prex.exchange.ocds.schema import (
    codelists,
    core_release_schema,
    record_package_schema,
    release_package_schema,
    release_schema,
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a document (a release or a package).

    ``path`` is the slash-separated path from the document's root to the offending value
    (``releases/7/awards/0/value/amount``; for ``schema.required`` the object missing the field,
    for ``id.duplicate`` the array), ``field`` the same without array indices. ``value`` is the
    offending value (scalars only; for ``schema.required`` the missing field's name, for
    ``id.duplicate`` the repeated id(s) joined by ``", "``)."""

    code: str
    path: str
    field: str
    value: Any
    message: str

    @property
    def validator(self) -> str:
        """The check's name within its family (``required``, ``closed`` …)."""
        return self.code.partition(".")[2]


@dataclass(frozen=True, slots=True)
class _Check:
    """A node of the walk: what to check at a field and where to go below it."""

    codelist: tuple[frozenset[str], str, bool] | None  # codes, file name, open?
    unique: bool
    children: dict[str, _Check]


def _deref(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node and str(node["$ref"]).startswith("#/"):
        target: Any = root
        for part in str(node["$ref"])[2:].split("/"):
            target = target[part]
        node = target
    return node


def _types(node: Mapping[str, Any]) -> list[str]:
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _strict(node: Any) -> None:
    """Make a schema strict in place: no unknown fields; open codelists and uniqueItems left
    to the walk (see the module docstring). Closed codelists keep their ``enum``: Rust checks
    them faster than the walk could, and :meth:`Validator._schema_findings` renames the error."""
    if isinstance(node, dict):
        node.pop("uniqueItems", None)
        if ("properties" in node or "object" in _types(node)) and "$ref" not in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)


def _check_tree(
    node: Mapping[str, Any],
    root: Mapping[str, Any],
    lists: Mapping[str, frozenset[str]],
    depth: int,
    closed_in_schema: bool = True,
) -> dict[str, _Check]:
    """The fields under ``node`` that lead to an open codelist or a uniqueItems array (closed
    codelists too, unless ``closed_in_schema`` says the schema's ``enum`` checks them)."""
    tree: dict[str, _Check] = {}
    if depth > 16:
        return tree
    for key, raw in (node.get("properties") or {}).items():
        prop = _deref(raw, root)
        items = _deref(prop["items"], root) if isinstance(prop.get("items"), dict) else {}
        codelist = None
        name = prop.get("codelist") or items.get("codelist")
        is_open = bool(prop.get("openCodelist", items.get("openCodelist", False)))
        if name and name in lists and (is_open or not closed_in_schema):
            codelist = (lists[name], name, is_open)
        below = _check_tree(items if items else prop, root, lists, depth + 1, closed_in_schema)
        unique = bool(prop.get("uniqueItems"))
        if codelist or unique or below:
            tree[key] = _Check(codelist, unique, below)
    return tree


def _closed_codelists(
    node: Mapping[str, Any],
    root: Mapping[str, Any],
    lists: Mapping[str, frozenset[str]],
    path: tuple[str, ...],
    depth: int,
) -> dict[tuple[str, ...], str]:
    """Field path (no indices) → closed codelist file, for the fields the schema's enum checks."""
    found: dict[tuple[str, ...], str] = {}
    if depth > 16:
        return found
    for key, raw in (node.get("properties") or {}).items():
        prop = _deref(raw, root)
        items = _deref(prop["items"], root) if isinstance(prop.get("items"), dict) else {}
        name = prop.get("codelist") or items.get("codelist")
        is_open = prop.get("openCodelist", items.get("openCodelist", False))
        if name and name in lists and not is_open:
            found[(*path, key)] = name
        found.update(_closed_codelists(items or prop, root, lists, (*path, key), depth + 1))
    return found


def _join(path: Iterable[str | int]) -> str:
    return "/".join(str(p) for p in path)


def _field(path: Iterable[str | int]) -> str:
    return "/".join(p for p in path if isinstance(p, str))


def _expected_type(kind: Any) -> str:
    types = [t for t in kind.as_dict().get("types", []) if t != "null"]
    if "string" in types:
        return "string"
    return str(types[0]) if types else "null"


def _scalar(value: Any) -> Any:
    return None if isinstance(value, (dict, list)) else value


class Validator:
    """Validates releases and release packages; build once, use for many documents.

    ``extended`` selects the release schema with the bids and lots extensions (what prex
    publishes) rather than core OCDS 1.1.5; ``ocid_prefix`` (such as ``ocds-prex01``) turns on
    the ocid prefix check."""

    def __init__(
        self, *, extended: bool = True, check_formats: bool = True, ocid_prefix: str | None = None
    ) -> None:
        schema = copy.deepcopy(release_schema() if extended else core_release_schema())
        lists = codelists()
        self._checks = _check_tree(schema, schema, lists, 0)
        self._closed = _closed_codelists(schema, schema, lists, (), 0)
        _strict(schema)
        self._release = jsonschema_rs.validator_for(schema, validate_formats=check_formats)
        envelope = copy.deepcopy(release_package_schema())
        envelope["properties"]["releases"]["items"] = {}
        _strict(envelope)
        self._envelope = jsonschema_rs.validator_for(envelope, validate_formats=check_formats)
        records = copy.deepcopy(record_package_schema())
        record = records["definitions"]["record"]["properties"]
        record["compiledRelease"] = {}  # each checked as a release, below
        record["versionedRelease"] = {}  # not checked: prex neither reads nor writes them
        record["releases"] = {"type": "array", "minItems": 1}  # linked or embedded, below
        _strict(records)
        self._records = jsonschema_rs.validator_for(records, validate_formats=check_formats)
        linked = copy.deepcopy(record_package_schema()["definitions"]["record"])
        linked = linked["properties"]["releases"]["oneOf"][0]["items"]
        _strict(linked)
        self._linked = jsonschema_rs.validator_for(linked, validate_formats=check_formats)
        self._prefix = f"{ocid_prefix}-" if ocid_prefix else None

    def validate_release(self, release: Any, prefix: tuple[str | int, ...] = ()) -> list[Finding]:
        """The findings in one release; paths start with ``prefix``."""
        findings = list(self._schema_findings(self._release, release, prefix))
        if isinstance(release, dict):
            self._walk(release, self._checks, list(prefix), findings)
            if self._prefix is not None:
                ocid = release.get("ocid")
                if isinstance(ocid, str) and not ocid.startswith(self._prefix):
                    path = (*prefix, "ocid")
                    findings.append(
                        Finding("ocid.prefix", _join(path), _field(path), ocid,
                                f"ocid does not start with {self._prefix!r}")
                    )  # fmt: skip
        return findings

    def validate_package(self, package: Any) -> list[Finding]:
        """The findings in a release package: its envelope, each release, duplicate releases."""
        findings = list(self._schema_findings(self._envelope, package, ()))
        releases = package.get("releases") if isinstance(package, dict) else None
        if isinstance(releases, list):
            for i, release in enumerate(releases):
                findings.extend(self.validate_release(release, ("releases", i)))
            findings.extend(_duplicates(releases, ("ocid", "id"), ["releases"]))
        return findings

    def validate_record_package(self, package: Any) -> list[Finding]:
        """The findings in a record package: its envelope and records, each embedded release
        and each compiledRelease checked as a release, linked releases (``url``, ``date``,
        ``tag``) as such, records with the same ocid. (Not compared with libcoveocds, whose
        handling of the linked-or-embedded ``oneOf`` differs in shape.)"""
        findings = list(self._schema_findings(self._records, package, ()))
        records = package.get("records") if isinstance(package, dict) else None
        if not isinstance(records, list):
            return findings
        for i, record in enumerate(records):
            if not isinstance(record, dict):
                continue
            releases = record.get("releases")
            if isinstance(releases, list):
                for j, release in enumerate(releases):
                    where = ("records", i, "releases", j)
                    if isinstance(release, dict) and "id" not in release:
                        findings.extend(self._schema_findings(self._linked, release, where))
                    else:
                        findings.extend(self.validate_release(release, where))
                findings.extend(_duplicates(releases, ("id",), ["records", i, "releases"]))
            if "compiledRelease" in record:
                compiled = record["compiledRelease"]
                findings.extend(self.validate_release(compiled, ("records", i, "compiledRelease")))
        findings.extend(_duplicates(records, ("ocid",), ["records"]))
        return findings

    def _schema_findings(
        self, validator: Any, instance: Any, prefix: tuple[str | int, ...]
    ) -> Iterator[Finding]:
        for error in validator.iter_errors(instance):
            kind = error.kind
            name = kind.name
            path = (*prefix, *error.instance_path)
            if name == "enum" and self._closed_field(path, prefix) is not None:
                if error.instance:  # libcoveocds skips empty codes ("", 0, false)
                    yield self._closed_codelist(path, error.instance, prefix)
                continue
            if name == "additionalProperties":
                for key in kind.as_dict()["unexpected"]:
                    full = (*path, key)
                    yield Finding("field.additional", _join(full), _field(full),
                                  _scalar(error.instance.get(key)),
                                  f"{key!r} is not a field of the schema")  # fmt: skip
                continue
            if name == "required":
                value: Any = kind.as_dict()["property"]
            elif name == "type":
                value = _scalar(error.instance)
                name = f"type.{_expected_type(kind)}"
            elif name == "format":
                value = _scalar(error.instance)
                name = f"format.{kind.as_dict()['format']}"
            else:
                value = _scalar(error.instance)
            yield Finding(f"schema.{name}", _join(path), _field(path), value, error.message)

    def _closed_field(
        self, path: tuple[str | int, ...], prefix: tuple[str | int, ...]
    ) -> str | None:
        """The closed codelist of the field at ``path`` (an array's code counts for the array)."""
        generic = tuple(p for p in path[len(prefix) :] if isinstance(p, str))
        return self._closed.get(generic)

    def _closed_codelist(
        self, path: tuple[str | int, ...], code: Any, prefix: tuple[str | int, ...]
    ) -> Finding:
        """An ``enum`` error at a closed codelist field as a ``codelist.closed`` finding; an
        array's code is reported at the array, as libcoveocds does."""
        if path and isinstance(path[-1], int):
            path = path[:-1]
        name = self._closed_field(path, prefix)
        return Finding("codelist.closed", _join(path), _field(path), _scalar(code),
                       f"{code!r} is not in the closed {name} codelist")  # fmt: skip

    def _walk(
        self,
        data: Mapping[str, Any],
        checks: Mapping[str, _Check],
        path: list[str | int],
        findings: list[Finding],
    ) -> None:
        for key, value in data.items():
            check = checks.get(key)
            if check is None or not value:
                continue
            path.append(key)
            if check.codelist is not None:
                _codelist(value, check.codelist, path, findings)
            if type(value) is list:
                if check.unique:
                    findings.extend(_duplicates(value, ("id",), path))
                if check.children:
                    for i, item in enumerate(value):
                        if type(item) is dict:
                            path.append(i)
                            self._walk(item, check.children, path, findings)
                            path.pop()
            elif type(value) is dict and check.children:
                self._walk(value, check.children, path, findings)
            path.pop()


def _codelist(
    value: Any,
    codelist: tuple[frozenset[str], str, bool],
    path: list[str | int],
    findings: list[Finding],
) -> None:
    """libcoveocds' codelist check: each code (or each code of an array) as a string."""
    codes, name, is_open = codelist
    if type(value) is list:
        if type(value[0]) is dict:
            return
        values = value
    elif type(value) is dict:
        return
    else:
        values = [value]
    for code in values:
        if str(code) not in codes:
            findings.append(
                Finding("codelist.open" if is_open else "codelist.closed", _join(path),
                        _field(path), _scalar(code),
                        f"{code!r} is not in the {'open' if is_open else 'closed'} {name} codelist")
            )  # fmt: skip


def _duplicates(
    items: list[Any], id_names: tuple[str, ...], path: list[str | int]
) -> Iterator[Finding]:
    """libcove's uniqueItems: duplicates by id(s) when every item has scalar ids, else by value."""
    if len(id_names) == 1:  # the common case, checked without building tuples
        plain = [item.get("id") if type(item) is dict else None for item in items]
        if all(type(i) is str for i in plain) and len(set(plain)) == len(plain):
            return
    seen: set[tuple[Any, ...]] = set()
    repeated: set[tuple[Any, ...]] = set()
    for item in items:
        ids = tuple(item.get(n) for n in id_names) if isinstance(item, dict) else None
        if ids and all(i is not None and not isinstance(i, (dict, list)) for i in ids):
            if ids in seen:
                repeated.add(ids)
            seen.add(ids)
        else:
            if any(a == b for n, a in enumerate(items) for b in items[n + 1 :]):
                yield Finding("items.duplicate", _join(path), _field(path), None,
                              "array has non-unique elements")  # fmt: skip
            return
    names = ", ".join(id_names)
    for ids in sorted(repeated, key=str):
        yield Finding("id.duplicate", _join(path), _field(path), ", ".join(map(str, ids)),
                      f"non-unique {names} values")  # fmt: skip


_default: Validator | None = None


def _validator() -> Validator:
    global _default
    if _default is None:
        _default = Validator()
    return _default


def validate_release(release: Any) -> list[Finding]:
    """The findings in one release, against the bids+lots schema (a shared validator)."""
    return _validator().validate_release(release)


def validate_package(package: Any) -> list[Finding]:
    """The findings in a release package — or, given ``records``, a record package — against
    the bids+lots schema (a shared validator)."""
    if isinstance(package, dict) and "records" in package and "releases" not in package:
        return _validator().validate_record_package(package)
    return _validator().validate_package(package)
