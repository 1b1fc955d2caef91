"""Field coverage: how many times each field is non-empty, as ``ocdscardinal.coverage`` counts.

The data-quality score of a centre asks which fields its compiled releases actually fill. The
output is exactly Cardinal's (``ocdscardinal`` 0.0.8), so the two can be compared line for line:

- keys are paths: ``""`` is a whole line (a release), ``/tender/`` an object, ``/tender/items``
  a member, ``/tender/items[]`` an element of an array;
- a node counts when it is non-empty: ``""``, ``null``, ``[]`` and ``{}`` are empty, and so is
  an object or array holding only empty nodes; ``0``, ``false`` and ``" "`` are not empty;
- counts are occurrences, not releases: a release with three items counts ``/tender/items[]``
  three times and ``/tender/items`` once.

Paths are kept as a tree of nodes so that the walk never builds a string for a field it has
seen before; the strings are made once, when the counts are read out.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson

from prex.exchange.ocds.bulk import paused_gc


class _Node:
    """One path of the tree: its count, the object ``/`` count, and its children."""

    __slots__ = ("count", "object_count", "members", "element")

    def __init__(self) -> None:
        self.count = 0
        self.object_count = 0
        self.members: dict[str, _Node] = {}
        self.element: _Node | None = None


def _walk(value: Any, node: _Node) -> bool:
    """Count the non-empty nodes of ``value`` under ``node``; whether ``value`` is non-empty.

    Scalars inside an object or array are counted in place rather than by a call each: most
    nodes are scalars, and the call was most of the walk's time."""
    kind = type(value)
    if kind is dict:
        filled = False
        members = node.members
        for key, child_value in value.items():
            child = members.get(key)
            if child is None:
                child = members[key] = _Node()
            child_kind = type(child_value)
            if child_kind is dict or child_kind is list:
                if _walk(child_value, child):
                    filled = True
            elif child_value is not None and (child_kind is not str or child_value):
                child.count += 1
                filled = True
        if filled:
            node.object_count += 1
            node.count += 1
        return filled
    if kind is list:
        filled = False
        element = node.element
        if element is None:
            element = node.element = _Node()
        for item in value:
            item_kind = type(item)
            if item_kind is dict or item_kind is list:
                if _walk(item, element):
                    filled = True
            elif item is not None and (item_kind is not str or item):
                element.count += 1
                filled = True
        if filled:
            node.count += 1
        return filled
    if kind is str:
        if value:
            node.count += 1
            return True
        return False
    if value is None:
        return False
    node.count += 1
    return True


def _read_out(node: _Node, path: str, out: dict[str, int]) -> None:
    if node.count:
        out[path] = node.count
    if node.object_count:
        out[path + "/"] = node.object_count
    for key, child in node.members.items():
        _read_out(child, f"{path}/{key}", out)
    if node.element is not None:
        _read_out(node.element, path + "[]", out)


class Coverage:
    """Accumulates coverage over documents added one by one (or merged from other workers)."""

    def __init__(self) -> None:
        self._root = _Node()

    def add(self, document: Any) -> None:
        """Count one document (a compiled release, usually)."""
        _walk(document, self._root)

    def add_jsonl(self, lines: Iterable[bytes | str]) -> None:
        """Count each non-blank line of JSON Lines."""
        root, loads = self._root, orjson.loads
        with paused_gc():
            for line in lines:
                if line.strip():
                    _walk(loads(line), root)

    def counts(self) -> dict[str, int]:
        """Path → count, only paths counted at least once (Cardinal's output)."""
        out: dict[str, int] = {}
        _read_out(self._root, "", out)
        return out


def coverage(documents: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The coverage of documents (compiled releases) as ``ocdscardinal.coverage`` reports it."""
    acc = Coverage()
    for document in documents:
        acc.add(document)
    return acc.counts()


def _count_range(path: str, start: int, end: int) -> dict[str, int]:
    """The coverage of the lines starting in ``[start, end)`` of a file (a worker's share)."""
    acc = Coverage()
    with open(path, "rb") as handle:
        if start:
            handle.seek(start - 1)
            handle.readline()  # the line under way at ``start`` belongs to the previous share
        lines = []
        while handle.tell() < end:
            line = handle.readline()
            if not line:
                break
            lines.append(line)
        acc.add_jsonl(lines)
    return acc.counts()


def coverage_jsonl(path: str | Path, processes: int = 1) -> dict[str, int]:
    """The coverage of a JSON Lines file, as ``ocdscardinal.coverage(path)`` reports it.

    With ``processes`` > 1 the file is cut into that many byte ranges at line boundaries and
    counted in worker processes; counts add up, so the result is the same."""
    if processes <= 1:
        acc = Coverage()
        with open(path, "rb") as handle:
            acc.add_jsonl(handle)
        return acc.counts()
    size = os.path.getsize(path)
    bounds = [size * k // processes for k in range(processes + 1)]
    total: Counter[str] = Counter()
    with ProcessPoolExecutor(max_workers=processes) as pool:
        shares = [
            pool.submit(_count_range, str(path), bounds[k], bounds[k + 1]) for k in range(processes)
        ]
        for share in shares:
            total.update(share.result())
    return dict(total)
