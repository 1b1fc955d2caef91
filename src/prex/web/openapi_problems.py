"""The API's documented error responses: every operation declares the problem documents
(RFC 9457, ``application/problem+json``) that web/errors.py answers with, so a client — and the
schema fuzzer (tests/fuzz, bench/fuzz.py) — can hold each error to a schema.

FastAPI documents a 422 ``HTTPValidationError`` in ``application/json`` for every route with
parameters; prex never answers that (web/errors.py turns validation errors into problem
documents), so it is replaced. Responses a route declares itself (the OAuth token endpoint's
RFC 6749 errors) are kept."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from prex.web.errors import PROBLEM

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDocument",
    "type": "object",
    "description": "An RFC 9457 problem document; extra members name the context "
    "(e.g. `errors` for invalid input, `field`, `retry_after`).",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string", "description": "`/problems/<slug>`, stable per error"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "the request path"},
    },
    "additionalProperties": True,
}
# What any operation may answer: malformed input, no or a bad credential, not allowed, no such
# object, a state conflict, too large, an unsupported body type, invalid input, a rate limit.
PROBLEM_STATUSES: dict[int, str] = {
    400: "Bad request (e.g. malformed JSON)",
    401: "Not authenticated, or the credential is not valid",
    403: "Not allowed for this caller",
    404: "No such object",
    409: "Conflicts with the object's state",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Rate limited (machine clients); see Retry-After",
}
_REF = {"$ref": "#/components/schemas/ProblemDocument"}


def _fastapi_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def declare_problems(spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Add the problem responses to every operation under ``prefix`` in ``spec`` (in place)."""
    for path, item in spec.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for status, description in PROBLEM_STATUSES.items():
                existing = responses.get(str(status))
                if existing is not None and not _fastapi_validation_error(existing):
                    continue
                responses[str(status)] = {
                    "description": description,
                    "content": {PROBLEM: {"schema": _REF}},
                }
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDocument"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        if not _referenced(spec, f"#/components/schemas/{unused}"):
            schemas.pop(unused, None)
    return spec


def _referenced(spec: dict[str, Any], ref: str) -> bool:
    """Whether anything but the named schema itself still points at ``ref``."""
    name = ref.rsplit("/", 1)[-1]
    schemas = spec.get("components", {}).get("schemas", {})
    rest = {k: v for k, v in spec.items() if k != "components"}
    rest["schemas"] = {k: v for k, v in schemas.items() if k != name}
    return f'"{ref}"' in json.dumps(rest)


def install(app: FastAPI, prefix: str) -> None:
    """Make ``app.openapi()`` document the problem responses (built once, then cached)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_problems(generate(), prefix)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# A download answered in the media type its document was uploaded with (a PDF, a ZIP, …).
STORED_MEDIA_TYPE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The stored bytes, in the media type they were uploaded with",
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
    }
}
