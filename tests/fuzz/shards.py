"""The CI profile's operations, from the SDK's generated table (the API's operationIds), split
in two files so that pytest-xdist (``--dist loadfile``) runs the halves on two workers."""

from __future__ import annotations

from prex_client._operations import _TABLE

ALL_OPERATIONS = tuple(sorted(_TABLE))
# Per operation: this many generated requests with valid data and as many with invalid data,
# each sent as every caller (7 roles, the public, a machine client).
CI_EXAMPLES = 1


def shard(index: int, of: int = 2) -> tuple[str, ...]:
    return ALL_OPERATIONS[index::of]
