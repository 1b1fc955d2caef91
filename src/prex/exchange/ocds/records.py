"""Records from releases of many contracting processes, in any order.

A feed, a bulk file or a federation pull gives releases of many ocids interleaved. The
:class:`Compiler` groups them by ocid as they come and, at the end, yields one record per ocid
(in ocid order, as ``ocdskit compile --package`` does): the releases in the order they came and
the compiledRelease. Releases are kept in memory; a process has a handful of releases and a
province some hundred thousand processes a year, which fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from prex.exchange.ocds.bulk import paused_gc
from prex.exchange.ocds.merge import MergeError, compile_release
from prex.exchange.ocds.packages import record_package
from prex.exchange.ocds.rules import RuleTree, merge_rules


class Compiler:
    """Collects releases by ocid and compiles each process once all its releases are in."""

    def __init__(self, rules: RuleTree | None = None) -> None:
        self._rules = rules if rules is not None else merge_rules()
        self._by_ocid: dict[str, list[Mapping[str, Any]]] = {}

    def __len__(self) -> int:
        """How many processes (ocids) have releases so far."""
        return len(self._by_ocid)

    def add(self, release: Mapping[str, Any]) -> None:
        """Add one release; it must carry an ``ocid``."""
        try:
            ocid = release["ocid"]
        except (KeyError, TypeError) as exc:
            raise MergeError(f"a release without an ocid: {str(release)[:80]}") from exc
        group = self._by_ocid.get(ocid)
        if group is None:
            self._by_ocid[ocid] = [release]
        else:
            group.append(release)

    def add_all(self, releases: Iterable[Mapping[str, Any]]) -> None:
        """Add many releases."""
        for release in releases:
            self.add(release)

    def add_package(self, package: Mapping[str, Any]) -> None:
        """Add the releases of a release package (``null`` entries are skipped, as ocdskit does)."""
        for release in package.get("releases") or ():
            if release is not None:
                self.add(release)

    def add_jsonl(self, lines: Iterable[bytes | str]) -> None:
        """Add releases from JSON Lines (one release, or one release package, per line)."""
        loads = orjson.loads
        with paused_gc():
            for line in lines:
                if not line.strip():
                    continue
                item = loads(line)
                if "releases" in item and "ocid" not in item:
                    self.add_package(item)
                else:
                    self.add(item)

    def compiled_releases(self) -> Iterator[dict[str, Any]]:
        """One compiledRelease per ocid, in ocid order."""
        rules = self._rules
        for ocid in sorted(self._by_ocid):
            with paused_gc():
                compiled = compile_release(self._by_ocid[ocid], rules)
            yield compiled

    def records(self) -> Iterator[dict[str, Any]]:
        """One record per ocid, in ocid order: ``{ocid, releases, compiledRelease}``."""
        rules = self._rules
        for ocid in sorted(self._by_ocid):
            releases = self._by_ocid[ocid]
            with paused_gc():
                compiled = compile_release(releases, rules)
            yield {"ocid": ocid, "releases": list(releases), "compiledRelease": compiled}

    def record_packages(
        self,
        uri: str,
        published_date: str,
        publisher: Mapping[str, Any],
        *,
        per_package: int = 1000,
        packages: Iterable[str] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """The records as record packages of at most ``per_package`` records each, in ocid
        order; ``{n}`` in ``uri`` becomes the package's number (0, 1, …)."""
        if per_package < 1:
            raise ValueError("a record package holds at least one record")
        source = list(packages) if packages is not None else None
        batch: list[dict[str, Any]] = []
        number = 0
        for record in self.records():
            batch.append(record)
            if len(batch) == per_package:
                yield record_package(batch, uri.format(n=number), published_date, publisher,
                                     packages=source)  # fmt: skip
                batch, number = [], number + 1
        if batch:
            yield record_package(batch, uri.format(n=number), published_date, publisher,
                                 packages=source)  # fmt: skip


def compile_jsonl(lines: Iterable[bytes | str]) -> Iterator[dict[str, Any]]:
    """The compiled releases of JSON Lines of releases (or release packages), in ocid order."""
    compiler = Compiler()
    compiler.add_jsonl(lines)
    return compiler.compiled_releases()
