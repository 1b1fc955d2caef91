"""The one place where releases are compiled into a record's compiled release.

For now this is ``ocdsmerge`` with the merge rules of the OCDS 1.1.5 release schema patched with
the bids and lots extensions (``release-schema.json`` here, a copy of
``shared/peers/ocds/release-schema-bids-lots.json``). At integration both are swapped for the
``prex.exchange.ocds`` library's own ``compile_release`` and packaged schema: callers only ever
use :func:`compile_record`, so that swap changes this module alone.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import ocdsmerge


@cache
def _merger() -> Any:
    schema = json.loads((resources.files(__package__) / "release-schema.json").read_text("utf-8"))
    return ocdsmerge.Merger(schema=schema)


def compile_record(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of one ocid's releases (in any order: the merge sorts by date)."""
    if not releases:
        raise ValueError("a record compiles at least one release")
    compiled: dict[str, Any] = _merger().create_compiled_release(releases)
    return compiled
