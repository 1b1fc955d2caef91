"""prex-client: a Python client for prex (公共资源交易平台).

- :class:`PrexClient` — OAuth 2.0 client credentials, ``on_behalf_of`` a consenting bidder,
  429 back-off, problem documents as :class:`ProblemError`; ``client.ops.<operation_id>(…)``
  for every operation of the API (generated from its OpenAPI document) or
  ``client.call(operation_id, …)``.
- :mod:`prex_client.webhooks` — :func:`verify_delivery` of a signed webhook delivery and a
  :class:`SeenIds` replay guard.

This package never imports prex: an outside module installs it alone.
"""

from prex_client._operations import SPEC_FINGERPRINT
from prex_client._spec import Operation, Param
from prex_client.client import PrexClient
from prex_client.errors import InvalidCall, PrexError, ProblemError, TokenError
from prex_client.webhooks import Event, SeenIds, WebhookInvalid, verify_delivery

__all__ = [
    "SPEC_FINGERPRINT",
    "Event",
    "InvalidCall",
    "Operation",
    "Param",
    "PrexClient",
    "PrexError",
    "ProblemError",
    "SeenIds",
    "TokenError",
    "WebhookInvalid",
    "verify_delivery",
]
