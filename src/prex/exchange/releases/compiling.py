"""The one place where a record's releases are compiled into its compiled release.

It is the OCDS library's :func:`prex.exchange.ocds.compile_release` (the merge rules of the
packaged OCDS 1.1.5 release schema with the bids and lots extensions, equal to ``ocdskit
compile``); callers use :func:`compile_record` only.
"""

from __future__ import annotations

from typing import Any

from prex.exchange.ocds import compile_release


def compile_record(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release of one ocid's releases (in any order: the merge sorts by date)."""
    if not releases:
        raise ValueError("a record compiles at least one release")
    return compile_release(releases)
