"""Extension discovery: an outside distribution installed beside prex is found through its entry
points, checked against the group's protocol, and refused naming what it lacks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import pytest

from prex import extensions
from prex.extensions import ExtensionInvalid, ExtensionNotFound
from tests.extension_dist import install_distribution

GROUP = "prex.notification_channels"


@runtime_checkable
class Channel(Protocol):
    """A stand-in protocol for the test (the real ones live beside their callers)."""

    name: str

    def send(self, to: str, text: str) -> None: ...


@pytest.fixture
def outside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setitem(extensions.GROUPS, GROUP, f"{__name__}:Channel")
    install_distribution(
        tmp_path,
        "acme_sms",
        """
        class Good:
            name = "acme"
            def __init__(self, services):
                self.services = services
            def send(self, to, text):
                return None

        class Lacking:
            def __init__(self, services):
                pass

        def good(services):
            return Good(services)

        def lacking(services):
            return Lacking(services)
        """,
        f"""
        [{GROUP}]
        acme = acme_sms:good
        broken = acme_sms:lacking
        ghost = acme_sms:nothing_here
        """,
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("acme_sms", None)


def test_an_outside_distribution_is_found_and_loaded(outside: Path) -> None:
    names = {(i.name, i.distribution) for i in extensions.installed(GROUP)}
    assert ("acme", "acme_sms") in names
    services = object()
    channel = extensions.load(GROUP, "acme", services)  # type: ignore[arg-type]
    assert isinstance(channel, Channel)
    assert getattr(channel, "services", None) is services


def test_an_implementation_lacking_a_member_is_refused_naming_it(outside: Path) -> None:
    with pytest.raises(ExtensionInvalid) as refused:
        extensions.load(GROUP, "broken", object())  # type: ignore[arg-type]
    assert refused.value.context["missing"] == ["name", "send"]
    assert "does not implement Channel" in refused.value.message


def test_an_entry_point_that_cannot_be_imported_is_refused(outside: Path) -> None:
    with pytest.raises(ExtensionInvalid, match="cannot be loaded"):
        extensions.load(GROUP, "ghost", object())  # type: ignore[arg-type]


def test_unknown_names_and_groups_are_refused(outside: Path) -> None:
    with pytest.raises(ExtensionNotFound, match="no 'nope' installed"):
        extensions.load(GROUP, "nope", object())  # type: ignore[arg-type]
    with pytest.raises(ExtensionNotFound, match="no extension group"):
        extensions.installed("prex.nothing")


def test_prex_registers_its_own_implementations_through_entry_points() -> None:
    """Every group has at least one implementation shipped with prex itself."""
    shipped = {(i.group, i.distribution) for i in extensions.installed()}
    for group in extensions.GROUPS:
        assert (group, "prex") in shipped, group
