"""Logging: one JSON object per line (``PREX_LOG_FORMAT=json``) or readable text, a request id
on every record made while a request is served, and secrets redacted before anything is
written.

Redaction is a filter on the handler, so it covers every logger (prex's, uvicorn's, libraries')
and both formats: values of fields named like a secret, ``Authorization``/``Cookie`` headers,
PEM private keys and key shares are replaced by ``[redacted]``, whether they arrive as a message,
its arguments or extra fields.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id: ContextVar[str | None] = ContextVar("prex_request_id", default=None)

REDACTED = "[redacted]"
SECRET_KEYS = re.compile(
    r"pass(word)?|secret|token|authori[sz]ation|cookie|share|private|plaintext|api[_-]?key|"
    r"credential|otp|signature_key",
    re.IGNORECASE,
)
_PATTERNS = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)", re.S),
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(
        r"(?i)((?:\"|')?(?:password|passwd|client_secret|secret|token|access_token|"
        r"refresh_token|share|key_share|plaintext|cookie|authorization)(?:\"|')?\s*[=:]\s*)"
        r"(\"[^\"]*\"|'[^']*'|[^\s&,;}]+)"
    ),
]
# Fields a record may carry that are ours, not secrets, even if a pattern would match the name.
_OWN_FIELDS = {
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "actor",
    "address",
    "route",
}
_STANDARD = set(vars(logging.LogRecord("x", 0, "x", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's ANSI-coloured copy of the message
}


def redact_text(text: str) -> str:
    text = _PATTERNS[0].sub(REDACTED, text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def redact_value(value: Any, key: str | None = None) -> Any:
    if key is not None and key not in _OWN_FIELDS and SECRET_KEYS.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: redact_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v) for v in value)
    if isinstance(value, bytes):
        return REDACTED
    return value


class RedactingFilter(logging.Filter):
    """Render the message once, redacted, and stamp the current request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg, record.args = redact_text(message), None
        for key in set(vars(record)) - _STANDARD:
            setattr(record, key, redact_value(getattr(record, key), key))
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in sorted(set(vars(record)) - _STANDARD):
            value = getattr(record, key)
            if value is not None:
                body[key] = value
        if record.exc_info:
            body["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(body, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{line} [{rid}]" if rid else line


class _CurrentStderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a record is emitted, not the one at start-up:
    a command run in-process (tests, ``CliRunner``) swaps and closes ``sys.stderr``, and a
    handler holding the old one prints "--- Logging error ---" into the next command's output."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def make_handler(fmt: str, stream: Any = None) -> logging.Handler:
    """A handler that redacts and formats (``json`` or ``text``), writing to ``stream`` (by
    default the current ``sys.stderr``)."""
    handler = logging.StreamHandler(stream) if stream is not None else _CurrentStderr()
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler


def configure_logging(fmt: str = "text", level: int = logging.INFO) -> logging.Handler:
    """Replace the root handlers with one redacting handler on stderr; uvicorn's loggers
    propagate to it."""
    handler = make_handler(fmt)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True
    return handler
