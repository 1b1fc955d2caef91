"""Failpoints: named places in the code where a test can make the process die for real.

A crash test sets ``PREX_FAILPOINTS`` for the process it starts (``prex serve``, ``prex worker``
or any process that imports prex), e.g. ``PREX_FAILPOINTS=opening.outcome_stored@2``; when the
code passes the named point (``@N``: the N-th time, default the first), the process sends
itself SIGKILL right there. That is a real crash — no exception, no ``finally``, no rollback by
the process itself, no flushing — so what the test then finds in the database and the blob
store is what an operator finds after a power cut at that instant.

Several points may be named, separated by commas. Unset (always, in production), :func:`point`
is one dictionary lookup on an empty dictionary. ``PREX_ENVIRONMENT=production`` refuses the
variable outright (:func:`arm` raises): a production process must never be able to be told to
kill itself through its environment.
"""

from __future__ import annotations

import os
import signal

VARIABLE = "PREX_FAILPOINTS"


class FailpointsInProduction(RuntimeError):
    """``PREX_FAILPOINTS`` is set in a production process."""


_armed: dict[str, int] = {}  # point name → how many more passes before the kill (1: this one)


def parse(spec: str) -> dict[str, int]:
    """``"a,b@3"`` → ``{"a": 1, "b": 3}``; a malformed entry is refused (a typo must not
    silently make a crash test pass without crashing)."""
    armed: dict[str, int] = {}
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        name, at, count = item.partition("@")
        if not name or (at and (not count.isdigit() or int(count) < 1)):
            raise ValueError(f"{VARIABLE}: '{item}' is not a point name or name@N (N ≥ 1)")
        armed[name] = int(count) if count else 1
    return armed


def arm(spec: str | None, environment: str | None) -> None:
    """Arm the points of ``spec`` (replacing any armed before); refuse in production."""
    _armed.clear()
    if not spec:
        return
    if environment == "production":
        raise FailpointsInProduction(f"{VARIABLE} is set in a production environment: refused")
    _armed.update(parse(spec))


def armed() -> dict[str, int]:
    """The armed points and their remaining counts (for a test's own checks)."""
    return dict(_armed)


def point(name: str) -> None:
    """Die here with SIGKILL if ``name`` is armed and this is the pass it names."""
    if not _armed:
        return
    left = _armed.get(name)
    if left is None:
        return
    if left > 1:
        _armed[name] = left - 1
        return
    os.kill(os.getpid(), signal.SIGKILL)


arm(os.environ.get(VARIABLE), os.environ.get("PREX_ENVIRONMENT"))
