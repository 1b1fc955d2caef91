"""The operation table's types, and the checks a call passes before anything is sent.

``_operations.py`` (generated) holds the table as literal data and one method per operation;
this module turns an entry into an :class:`Operation` and builds the request from it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from prex_client.errors import InvalidCall


@dataclass(frozen=True)
class Param:
    name: str
    required: bool
    type: str  # the Python annotation the generator gave it


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    path_params: tuple[str, ...]
    query: tuple[Param, ...]
    headers: tuple[Param, ...]
    body: str | None  # json, form, multipart, binary or None
    content_type: str | None
    body_required: bool
    action: str | None  # x-prex-action: the policy action, hence the scope a token needs
    summary: str

    @classmethod
    def from_table(cls, operation_id: str, entry: Mapping[str, Any]) -> Operation:
        return cls(
            id=operation_id,
            method=entry["method"],
            path=entry["path"],
            path_params=tuple(entry["path_params"]),
            query=tuple(Param(*p) for p in entry["query"]),
            headers=tuple(Param(*p) for p in entry["headers"]),
            body=entry["body"],
            content_type=entry["content_type"],
            body_required=entry["body_required"],
            action=entry["action"],
            summary=entry["summary"],
        )


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    params: dict[str, Any]
    headers: dict[str, str]
    json: Any = None
    data: Mapping[str, Any] | None = None
    files: Mapping[str, Any] | None = None
    content: bytes | None = None


def operations() -> dict[str, Operation]:
    from prex_client._operations import _TABLE

    return {k: Operation.from_table(k, v) for k, v in _TABLE.items()}


def find(table: Mapping[str, Operation], operation_id: str) -> Operation:
    try:
        return table[operation_id]
    except KeyError:
        near = difflib.get_close_matches(operation_id, list(table), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise InvalidCall(f"unknown operation {operation_id!r}{hint}") from None


def build(
    operation: Operation,
    path: Mapping[str, Any],
    query: Mapping[str, Any],
    headers: Mapping[str, Any],
    *,
    json: Any = None,
    data: Mapping[str, Any] | None = None,
    files: Mapping[str, Any] | None = None,
    content: bytes | None = None,
) -> Request:
    """The request for one call, or :class:`InvalidCall` saying what is wrong with it."""
    name = operation.id
    missing = [p for p in operation.path_params if path.get(p) in (None, "")]
    if missing:
        raise InvalidCall(f"{name}: missing path parameter {', '.join(missing)}")
    unknown = sorted(set(path) - set(operation.path_params))
    if unknown:
        raise InvalidCall(
            f"{name}: no path parameter {', '.join(unknown)} (it has "
            f"{', '.join(operation.path_params) or 'none'})"
        )
    url = operation.path
    for param in operation.path_params:
        url = url.replace("{" + param + "}", quote(str(path[param]), safe=""))
    params = _named(name, "query parameter", operation.query, query)
    sent_headers = {
        k: str(v) for k, v in _named(name, "header", operation.headers, headers).items()
    }
    given = {
        "json": json is not None,
        "data": data is not None,
        "files": files is not None,
        "content": content is not None,
    }
    allowed = {
        None: set(),
        "json": {"json"},
        "form": {"data"},
        "multipart": {"files", "data"},
        "binary": {"content"},
    }[operation.body]
    extra = [k for k, v in given.items() if v and k not in allowed]
    if extra:
        takes = f"a {operation.body} body" if operation.body else "no body"
        raise InvalidCall(f"{name}: takes {takes}, not {', '.join(extra)}")
    if operation.body_required and not any(given[k] for k in allowed):
        raise InvalidCall(f"{name}: needs a {operation.body} body")
    if operation.body == "binary" and operation.content_type:
        sent_headers.setdefault("Content-Type", operation.content_type)
    return Request(operation.method, url, params, sent_headers, json, data, files, content)


def _named(
    operation_id: str, label: str, declared: tuple[Param, ...], given: Mapping[str, Any]
) -> dict[str, Any]:
    names = {p.name.lower(): p.name for p in declared}
    values: dict[str, Any] = {}
    for key, value in given.items():
        if value is None:
            continue
        if key.lower() not in names:
            known = ", ".join(p.name for p in declared) or "none"
            raise InvalidCall(f"{operation_id}: no {label} {key!r} (it has {known})")
        values[names[key.lower()]] = value
    missing = [p.name for p in declared if p.required and p.name not in values]
    if missing:
        raise InvalidCall(f"{operation_id}: missing {label} {', '.join(missing)}")
    return values


class Caller(Protocol):
    def _send(self, operation: Operation, request: Request) -> Any: ...

    @property
    def _table(self) -> Mapping[str, Operation]: ...


class OperationsBase:
    """What the generated ``Operations`` methods call: they name their parameters, this base
    checks them against the table and sends through the client."""

    def __init__(self, client: Caller) -> None:
        self._client = client

    def _call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, Any],
        query: Mapping[str, Any],
        headers: Mapping[str, Any],
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        content: bytes | None = None,
    ) -> Any:
        operation = find(self._client._table, operation_id)
        request = build(
            operation, path, query, headers, json=json, data=data, files=files, content=content
        )
        return self._client._send(operation, request)
