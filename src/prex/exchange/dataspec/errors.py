"""Errors of the data-spec exchange.

Whole requests are refused with a problem document::

    DomainError
    ├── InvalidInput
    │   ├── BadSignature (prex.pki.cms)   bad-signature: missing, malformed or not over the body
    │   └── MalformedBatch                malformed-batch: not a batch of records
    └── PermissionDenied
        └── UnknownPlatform               unknown-platform: not registered, or not its certificate

Single records of an accepted request are refused in the answer, each with a stable code
(:data:`RECORD_CODES`), and nothing of them is stored.
"""

from __future__ import annotations

from prex.shared.errors import InvalidInput, PermissionDenied

#: Per-record refusal codes, stable for the pushing platform's software.
RECORD_CODES = {
    "unknown-dataset": "the dataset is not one of the specification's",
    "invalid-field": "a field is missing, unknown, or has a wrong value or code",
    "bad-idempotency-key": "the idempotency key is not dataset:key:version of the record",
    "missing-parent": "the record's parent (e.g. a SECTION's TENDER_PROJECT) is not here yet",
    "out-of-order": "a newer version of the record is here already",
    "conflict": "this idempotency key was stored with other content",
}


class UnknownPlatform(PermissionDenied):
    """The pushing platform is not registered here, or signed with another certificate."""

    slug = "unknown-platform"


class MalformedBatch(InvalidInput):
    slug = "malformed-batch"
