"""The Python SDK's operation table, generated from prex's own OpenAPI document.

``clients/python/prex_client/_operations.py`` is written by :func:`render` from
:func:`extract` of ``create_app(...).openapi()`` — built in memory, no server — and committed.
The SDK never imports prex, so the generator lives here (``prex sdk generate``), and
:func:`drift` compares a committed file with what the current app would generate, naming every
operation that was added, removed or changed (method, path, parameters, body, action). The
drift test runs it, so a route changed without regenerating fails the suite.

The table is plain literal data (``_TABLE``) that :func:`committed_table` reads back with
``ast.literal_eval`` — the check never executes the committed file. Its fingerprint is the
SHA-256 of the table's canonical JSON: what the SDK was generated from, without the summaries'
prose or the response schemas, which no caller depends on.
"""

from __future__ import annotations

import ast
import hashlib
import json
import keyword
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

#: Where the generated module lives, relative to the repository root.
OPERATIONS_FILE = Path("clients/python/prex_client/_operations.py")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_HEADER = '''"""Every operation of prex's HTTP API, made from its OpenAPI document; do not edit.

Regenerate with ``prex sdk generate`` (from the repository root); ``prex sdk generate --check``
and tests/integration/test_sdk_drift.py fail when this file and the API drift apart.
"""

# fmt: off
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prex_client._spec import OperationsBase

'''


def build_spec() -> dict[str, Any]:
    """prex's OpenAPI document, from the app built over a throw-away SQLite folder (building
    the document reads no table)."""
    from prex.bootstrap import bootstrap
    from prex.config import get_settings
    from prex.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="prex-sdk-") as folder:
        settings = get_settings(
            environment="test", data_dir=Path(folder), database_url=f"sqlite:///{folder}/x.db"
        )
        services = bootstrap(settings)
        try:
            return create_app(services).openapi()
        finally:
            services.close()


# -- extraction -----------------------------------------------------------------------------------


def _python_type(schema: Mapping[str, Any], spec: Mapping[str, Any]) -> str:
    """A Python annotation for a parameter's schema, as far as it says (``Any`` otherwise)."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        target = spec.get("components", {}).get("schemas", {}).get(name, {})
        if "enum" in target and target.get("type") == "string":
            return "str"
        return _python_type(target, spec) if "type" in target else "Any"
    if "anyOf" in schema or "oneOf" in schema:
        members: list[str] = []
        for member in schema.get("anyOf", schema.get("oneOf", [])):
            annotation = "None" if member.get("type") == "null" else _python_type(member, spec)
            if annotation not in members:
                members.append(annotation)
        if "Any" in members:
            return "Any"
        return " | ".join([m for m in members if m != "None"] + (["None"] * ("None" in members)))
    kind = schema.get("type")
    if kind == "string":
        return "bytes" if schema.get("format") == "binary" else "str"
    if kind == "array":
        return f"list[{_python_type(schema.get('items', {}), spec)}]"
    simple = {"integer": "int", "number": "float", "boolean": "bool", "object": "dict[str, Any]"}
    return simple.get(str(kind), "Any")


def _body(operation: Mapping[str, Any]) -> tuple[str | None, str | None, bool]:
    """(kind, content type, required): json, form, multipart or binary (any other type)."""
    body = operation.get("requestBody")
    if not body:
        return None, None, False
    content_type = sorted(body.get("content", {}))[0]
    kinds = {
        "application/json": "json",
        "application/x-www-form-urlencoded": "form",
        "multipart/form-data": "multipart",
    }
    return kinds.get(content_type, "binary"), content_type, bool(body.get("required", False))


def _operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def extract(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The table: per operation id, what a caller needs to build its request."""
    table: dict[str, dict[str, Any]] = {}
    for path, method, operation in _operations(spec):
        parameters = operation.get("parameters", [])

        def of(place: str, parameters: list[dict[str, Any]] = parameters) -> tuple[Any, ...]:
            return tuple(
                (p["name"], bool(p.get("required", False)), _python_type(p.get("schema", {}), spec))
                for p in parameters
                if p.get("in") == place
            )

        kind, content_type, required = _body(operation)
        operation_id = str(operation["operationId"])
        if operation_id in table:
            raise ValueError(f"operationId {operation_id} is used twice")
        table[operation_id] = {
            "method": method.upper(),
            "path": path,
            "path_params": tuple(name for name, _, _ in of("path")),
            "query": of("query"),
            "headers": of("header"),
            "body": kind,
            "content_type": content_type,
            "body_required": required,
            "action": operation.get("x-prex-action"),
            "summary": str(operation.get("summary", "")),
        }
    return dict(sorted(table.items()))


def fingerprint(table: Mapping[str, Any]) -> str:
    """SHA-256 of the table without the summaries (prose is not a contract)."""
    contract = {k: {f: v for f, v in entry.items() if f != "summary"} for k, entry in table.items()}
    data = json.dumps(contract, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


# -- rendering ------------------------------------------------------------------------------------


def _identifier(name: str, taken: set[str]) -> str:
    """A parameter name as a Python argument: snake case, not a keyword, not taken."""
    ident = "".join(c if c.isascii() and c.isalnum() else "_" for c in name)
    ident = ident.lower().strip("_") or "value"
    if ident[0].isdigit():
        ident = f"p_{ident}"
    if keyword.iskeyword(ident) or ident in {"self", "json", "content"}:
        ident += "_"
    while ident in taken:
        ident += "_"
    taken.add(ident)
    return ident


def _method(operation_id: str, entry: Mapping[str, Any]) -> list[str]:
    taken: set[str] = {"data", "files"}
    signature: list[str] = []
    optional: list[str] = []
    path_args: list[str] = []
    query_args: list[str] = []
    header_args: list[str] = []
    for name in entry["path_params"]:
        ident = _identifier(name, taken)
        signature.append(f"        {ident}: str,")
        path_args.append(f"{name!r}: {ident}")
    for place, params, args in (
        ("query", entry["query"], query_args),
        ("header", entry["headers"], header_args),
    ):
        for name, required, annotation in params:
            ident = _identifier(name, taken)
            if place == "header":
                annotation = "str"
            if required:
                signature.append(f"        {ident}: {annotation},")
            else:
                union = annotation if annotation.endswith("None") else f"{annotation} | None"
                shown = "Any" if annotation == "Any" else union
                optional.append(f"        {ident}: {shown} = None,")
            args.append(f"{name!r}: {ident}")
    body, body_required = entry["body"], entry["body_required"]
    body_args: list[str] = []
    if body == "json":
        (signature if body_required else optional).append(
            "        json: Any," if body_required else "        json: Any = None,"
        )
        body_args.append("json=json")
    elif body == "form":
        signature.append("        data: Mapping[str, Any],")
        body_args.append("data=data")
    elif body == "multipart":
        signature.append("        files: Mapping[str, Any],")
        optional.append("        data: Mapping[str, Any] | None = None,")
        body_args += ["files=files", "data=data"]
    elif body == "binary":
        (signature if body_required else optional).append(
            "        content: bytes," if body_required else "        content: bytes | None = None,"
        )
        body_args.append("content=content")
    action = f", action {entry['action']}" if entry["action"] else ""
    return [
        f"    def {operation_id}(",
        "        self,",
        *(["        *,"] if signature or optional else []),
        *signature,
        *optional,
        "    ) -> Any:",
        f'        """{entry["summary"] or operation_id}: ``{entry["method"]} {entry["path"]}``'
        f'{action}."""',
        "        return self._call(",
        f"            {operation_id!r},",
        f"            path={{{', '.join(path_args)}}},",
        f"            query={{{', '.join(query_args)}}},",
        f"            headers={{{', '.join(header_args)}}},",
        *[f"            {arg}," for arg in body_args],
        "        )",
        "",
    ]


def _literal(value: Any) -> str:
    return repr(value)


def render(table: Mapping[str, dict[str, Any]]) -> str:
    """The module's text: the table, its fingerprint, and one typed method per operation."""
    lines = [_HEADER.rstrip("\n"), "", f"SPEC_FINGERPRINT = {fingerprint(table)!r}", ""]
    lines.append("_TABLE: dict[str, dict[str, Any]] = {")
    for operation_id, entry in table.items():
        lines.append(f"    {operation_id!r}: {{")
        lines += [f"        {field!r}: {_literal(value)}," for field, value in entry.items()]
        lines.append("    },")
    lines += ["}", "", ""]
    lines += [
        "class Operations(OperationsBase):",
        '    """One method per operation (named by its operationId); each returns the decoded',
        '    answer and raises ``ProblemError`` for a problem document."""',
        "",
    ]
    for operation_id, entry in table.items():
        lines += _method(operation_id, entry)
    lines.append("# fmt: on")
    return "\n".join(lines) + "\n"


def generate(spec: Mapping[str, Any] | None = None) -> str:
    return render(extract(spec if spec is not None else build_spec()))


# -- drift ----------------------------------------------------------------------------------------


def committed_table(text: str) -> dict[str, dict[str, Any]]:
    """The ``_TABLE`` literal of a generated module, read without executing it."""
    for node in ast.parse(text).body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        if isinstance(target, ast.Name) and target.id == "_TABLE" and value is not None:
            table = ast.literal_eval(value)
            if isinstance(table, dict):
                return table
    raise ValueError("the file holds no _TABLE literal: not made by `prex sdk generate`")


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    said: list[str] = []
    for field in ("method", "path", "body", "content_type", "body_required", "action"):
        if old.get(field) != new.get(field):
            said.append(f"{field} {old.get(field)!r} → {new.get(field)!r}")
    if tuple(old.get("path_params", ())) != tuple(new.get("path_params", ())):
        said.append(f"path parameters {list(old['path_params'])} → {list(new['path_params'])}")
    for field, label in (("query", "query parameter"), ("headers", "header")):
        before = {p[0]: tuple(p) for p in old.get(field, ())}
        after = {p[0]: tuple(p) for p in new.get(field, ())}
        said += [f"{label} {n!r} added" for n in after if n not in before]
        said += [f"{label} {n!r} removed" for n in before if n not in after]
        said += [
            f"{label} {n!r} {_param_text(before[n])} → {_param_text(after[n])}"
            for n in after
            if n in before and before[n] != after[n]
        ]
    return said


def _param_text(param: tuple[Any, ...]) -> str:
    return f"({'required' if param[1] else 'optional'}, {param[2]})"


def _where(entry: Mapping[str, Any]) -> str:
    return f"{entry.get('method')} {entry.get('path')}"


def drift(committed: str, spec: Mapping[str, Any]) -> list[str]:
    """Every difference between a committed ``_operations.py`` and what ``spec`` generates, one
    line each naming the operation; empty when they agree byte for byte."""
    table = extract(spec)
    if committed == render(table):
        return []
    try:
        old = committed_table(committed)
    except (SyntaxError, ValueError) as exc:
        return [f"the committed file cannot be read: {exc}"]
    lines = [f"{op}: added ({_where(table[op])})" for op in table if op not in old]
    lines += [f"{op}: removed ({_where(old[op])})" for op in old if op not in table]
    for op in table:
        if op in old:
            lines += [f"{op}: {change}" for change in _changes(old[op], table[op])]
            if not _changes(old[op], table[op]) and old[op] != table[op]:
                lines.append(f"{op}: summary changed")
    if not lines:
        lines.append("the file differs from the generator's output (edited by hand?)")
    return lines
