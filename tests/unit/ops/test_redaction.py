"""The log redaction and the backup manifest parser, over generated inputs: a secret written
under any secret-like name, in any of the shapes a careless log call uses, never survives; a
manifest that is not one is refused with a one-line reason, never a crash."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prex.ops.backup import BackupError, Manifest
from prex.ops.logs import REDACTED, RedactingFilter, redact_value
from prex.ops.requests import _WELL_FORMED

SECRET = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_",
    min_size=6,
    max_size=40,
)
NAMES = st.sampled_from(
    [
        "password",
        "client_secret",
        "token",
        "access_token",
        "share",
        "key_share",
        "plaintext",
        "Authorization",
        "cookie",
        "refresh_token",
    ]
)


def _rendered(msg: str, *args: object, **extra: object) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, args or None, None)
    for key, value in extra.items():
        setattr(record, key, value)
    RedactingFilter().filter(record)
    return record.getMessage() + json.dumps({k: str(getattr(record, k)) for k in extra})


@settings(max_examples=40)
@given(name=NAMES, secret=SECRET)
def test_a_secret_under_a_secret_name_never_survives(name: str, secret: str) -> None:
    for shape in (
        f"{name}={secret}",
        f'"{name}": "{secret}"',
        f"{name}: {secret}",
        f"x&{name}={secret}&y=1",
    ):
        assert secret not in _rendered("request %s", shape)
    assert secret not in _rendered("%s", {name: secret, "ok": 1})
    assert secret not in _rendered("plain", **{name.lower(): secret})
    assert redact_value({"nested": {name: secret}}) == {"nested": {name: REDACTED}}


@settings(max_examples=40)
@given(secret=SECRET)
def test_bearer_credentials_and_private_keys_are_cut(secret: str) -> None:
    assert secret not in _rendered("Authorization: Bearer %s", secret)
    pem = f"-----BEGIN EC PRIVATE KEY-----\n{secret}\n-----END EC PRIVATE KEY-----"
    assert secret not in _rendered("key %s", pem)


@settings(max_examples=40)
@given(st.text(max_size=200))
def test_request_ids_are_accepted_only_when_well_formed(candidate: str) -> None:
    ok = bool(_WELL_FORMED.match(candidate))
    assert ok == (
        8 <= len(candidate) <= 128
        and all(c.isascii() and (c.isalnum() or c in "._:-") for c in candidate)
    )


@settings(max_examples=40)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_a_manifest_that_is_not_one_is_refused_with_a_reason(raw: bytes) -> None:
    try:
        Manifest.from_json(raw)
    except BackupError as exc:
        assert "\n" not in exc.message
    else:  # pragma: no cover - only a real manifest parses
        pytest.fail("garbage parsed as a manifest")
