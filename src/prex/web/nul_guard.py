"""Refuse text with NUL characters (U+0000) in API input, before any handler sees it.

PostgreSQL's text types cannot hold NUL, so such a value in a query, a path or a JSON body
reached the database as an unhandled ``DataError`` (a 500) — found by the API fuzz profile
(tests/fuzz, docs/api.md#fuzzing). No prex field has a use for it; binary bodies (uploads,
sealed envelopes, multipart files) are bytes, not text, and are left alone."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import HTTPConnection, Request

from prex.shared.errors import InvalidInput

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


async def refuse_nul(request: HTTPConnection) -> None:
    """A router dependency: 422 ``invalid-input`` when the path, the query, a JSON body or a
    form-encoded body holds a NUL character. (An ``HTTPConnection``: the router's WebSocket
    routes pass here too, with no body to look at.)"""
    where = None
    if NUL in request.url.path or any(
        NUL in k or NUL in v for k, v in request.query_params.multi_items()
    ):
        where = "the URL"
    else:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if not isinstance(request, Request):
            pass  # a WebSocket handshake: no body
        elif media == "application/json" or media.endswith("+json"):
            body = await request.body()
            try:
                decoded = json.loads(body) if b"\\u0000" in body else None
            except ValueError:
                decoded = None  # malformed JSON: FastAPI's own validation answers it
            if _has_nul(decoded):
                where = "the JSON body"
        elif media == "application/x-www-form-urlencoded" and isinstance(request, Request):
            # form(), not body(): FastAPI may have parsed the form already (its Form
            # parameters come first), and Starlette keeps the parsed form, not the bytes.
            form = await request.form()
            if any(NUL in k or (isinstance(v, str) and NUL in v) for k, v in form.multi_items()):
                where = "the form"
    if where:
        raise InvalidInput(f"{where} holds a NUL character (U+0000), which no field accepts")
