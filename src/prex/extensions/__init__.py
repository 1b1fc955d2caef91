"""Extension points: typed protocols that outside modules implement, found through entry points.

A supplier extends prex without forking it: it publishes a Python distribution whose
``pyproject.toml`` names a factory under one of the groups below, installs it beside prex, and
prex finds it with :func:`importlib.metadata.entry_points`. prex itself registers its own
implementation of each point the same way (``[project.entry-points.…]`` in prex's
``pyproject.toml``), so the shipped modules and a supplier's go through one path.

An entry point names a **factory**: a callable taking the running
:class:`~prex.bootstrap.Services` and returning the implementation. The result is checked
against the group's protocol (``runtime_checkable``: every attribute and method present) before
prex uses it; a module that does not satisfy it is refused with :class:`ExtensionInvalid` naming
what is missing, never half-used.

Groups (the protocols live beside the code that calls them):

========================================  =====================================================
``prex.guarantee_providers``              electronic bid guarantees (电子保函): request, verify,
                                          release, claim — ``prex.guarantees``
``prex.deposit_sources``                  confirmed payments into a deposit account (bank API
                                          or statement file) — ``prex.auctions.deposits``
``prex.evaluation_assistants``            read-only advice to an evaluation committee on the
                                          opened bids — ``prex.evaluation.assistants``
``prex.notification_channels``            e-mail, SMS … — ``prex.notifications.channels``
========================================  =====================================================

``prex extensions list`` shows what is installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, TypeVar, cast

from prex.shared.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from prex.bootstrap import Services

T = TypeVar("T")

#: Every extension group and the protocol (``module:name``) its implementations satisfy.
GROUPS: dict[str, str] = {
    "prex.guarantee_providers": "prex.guarantees.provider:GuaranteeProvider",
    "prex.deposit_sources": "prex.auctions.deposits:DepositSource",
    "prex.evaluation_assistants": "prex.evaluation.assistants:EvaluationAssistant",
    "prex.notification_channels": "prex.notifications.channels:NotificationChannel",
}


class ExtensionNotFound(NotFound):
    slug = "extension-not-found"


class ExtensionInvalid(InvalidInput):
    slug = "extension-invalid"


class ExtensionNotConfigured(NotFound):
    """A factory's answer when its module is installed but this server has not configured it
    (a key, a gateway address …): not a fault of the module, so ``prex extensions list`` shows
    it as such and does not count it as failing. Subclass it for a module's own error."""

    slug = "extension-not-configured"


@dataclass(frozen=True)
class Installed:
    """One installed implementation: its group, name, factory reference and distribution."""

    group: str
    name: str
    value: str
    distribution: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "value": self.value,
            "distribution": self.distribution,
        }


def _group(group: str) -> str:
    if group not in GROUPS:
        raise ExtensionNotFound(
            f"no extension group '{group}' (known: {', '.join(sorted(GROUPS))})", group=group
        )
    return group


def _entry_points(group: str) -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=_group(group)):
        found.setdefault(ep.name, ep)  # the first on sys.path wins, as for imports
    return found


def installed(group: str | None = None) -> list[Installed]:
    """What is installed, in one group or in all of them (sorted by group, then name)."""
    groups = [group] if group is not None else sorted(GROUPS)
    rows: list[Installed] = []
    for g in groups:
        for name, ep in sorted(_entry_points(g).items()):
            dist = ep.dist.name if ep.dist is not None else None
            rows.append(Installed(g, name, ep.value, dist))
    return rows


def protocol_of(group: str) -> type[Any]:
    """The protocol class of ``group`` (imported on first use: no import cycles at start-up)."""
    module, _, name = GROUPS[_group(group)].partition(":")
    return cast(type[Any], getattr(importlib.import_module(module), name))


def missing_members(obj: object, protocol: type[Any]) -> list[str]:
    """The protocol's attributes and methods that ``obj`` lacks (empty: it satisfies it)."""
    members = sorted(
        getattr(protocol, "__protocol_attrs__", None)
        or {
            n
            for base in protocol.__mro__[:-1]
            for n in (*vars(base), *getattr(base, "__annotations__", {}))
            if not n.startswith("_")
        }
    )
    return [m for m in members if not hasattr(obj, m)]


def check(obj: object, group: str, name: str) -> None:
    """Refuse an implementation that does not satisfy its group's protocol, naming the gaps."""
    protocol = protocol_of(group)
    lacking = missing_members(obj, protocol)
    if lacking:
        raise ExtensionInvalid(
            f"extension '{name}' of {group} does not implement {protocol.__name__}: "
            f"missing {', '.join(lacking)}",
            group=group,
            name=name,
            missing=lacking,
        )


def load(group: str, name: str, services: Services) -> Any:
    """The implementation ``name`` of ``group``, made by its factory and checked."""
    eps = _entry_points(group)
    if name not in eps:
        raise ExtensionNotFound(
            f"no '{name}' installed in {group} (installed: {', '.join(sorted(eps)) or 'none'})",
            group=group,
            name=name,
        )
    try:
        factory = cast("Callable[[Services], object]", eps[name].load())
    except (ImportError, AttributeError) as exc:
        raise ExtensionInvalid(
            f"extension '{name}' of {group} cannot be loaded ({eps[name].value}): {exc}",
            group=group,
            name=name,
        ) from exc
    obj = factory(services)
    check(obj, group, name)
    return obj


def load_all(group: str, services: Services) -> dict[str, Any]:
    """Every implementation installed in ``group``, by name (each checked)."""
    return {name: load(group, name, services) for name in sorted(_entry_points(group))}
