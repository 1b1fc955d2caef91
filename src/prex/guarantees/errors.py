"""Errors of the guarantees context.

::

    InvalidInput
    ├── GuaranteeInvalid        a guarantee document failed a named check (``check``): format,
    │                           signature, certificate, guarantor, issued-at, application,
    │                           amount, validity, number — nothing is recorded
    └── GuaranteeRefused        the provider will not issue for this application (its reason)
    NotFound
    ├── GuaranteeNotFound       no such guarantee, or not visible to the actor
    └── ProviderNotConfigured   the in-process provider has no guarantor key and certificate
    Conflict
    └── GuaranteeStateConflict  the guarantee is not in a state that allows the step
"""

from __future__ import annotations

from typing import Any

from prex.extensions import ExtensionNotConfigured
from prex.shared.errors import Conflict, InvalidInput, NotFound

#: The checks a document passes before prex accepts it as a bid bond, in the order run.
CHECKS = (
    "format",
    "signature",
    "certificate",
    "guarantor",
    "issued-at",
    "application",
    "amount",
    "validity",
    "number",
)


class GuaranteeInvalid(InvalidInput):
    """A document refused by check ``check`` (one of :data:`CHECKS`)."""

    slug = "guarantee-invalid"

    def __init__(self, check: str, message: str, **context: Any) -> None:
        assert check in CHECKS, check
        super().__init__(f"guarantee refused ({check}): {message}", check=check, **context)
        self.check = check


class GuaranteeRefused(InvalidInput):
    """Raised by a provider for an application it cannot serve: the reason is its message."""

    slug = "guarantee-refused"


class GuaranteeNotFound(NotFound):
    slug = "guarantee-not-found"


class ProviderNotConfigured(ExtensionNotConfigured):
    slug = "guarantee-provider-not-configured"


class GuaranteeStateConflict(Conflict):
    slug = "guarantee-state-conflict"
