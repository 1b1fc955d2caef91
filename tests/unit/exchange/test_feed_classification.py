"""Every event type the code defines is classified public or private for the change feed.

The sweep imports every module of ``prex`` (migrations aside: Alembic scripts run on import)
and collects the :class:`DomainEvent` subclasses, so a new event type fails here until somebody
decides whether the public may see it — the classification cannot rot silently."""

from __future__ import annotations

import importlib
import pkgutil

import prex
from prex.exchange.public_forms import FORMS, PRIVATE_EVENTS, PUBLIC_EVENTS, publicity_of
from prex.shared.events import DomainEvent

SKIP = ("prex.db.migrations", "prex.__main__")


def _all_event_types() -> list[type[DomainEvent]]:
    for info in pkgutil.walk_packages(prex.__path__, "prex."):
        if not info.name.startswith(SKIP):
            importlib.import_module(info.name)
    found: list[type[DomainEvent]] = []
    todo = list(DomainEvent.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_event_type_is_classified_public_or_private() -> None:
    names = [cls.__name__ for cls in _all_event_types()]
    assert len(names) > 90, names  # the sweep really found the contexts' events
    unclassified = sorted(set(names) - set(PUBLIC_EVENTS) - PRIVATE_EVENTS)
    assert unclassified == [], f"classify these in prex.exchange.public_forms: {unclassified}"


def test_no_event_type_is_both_public_and_private_nor_classified_without_existing() -> None:
    names = {cls.__name__ for cls in _all_event_types()}
    assert set(PUBLIC_EVENTS) & PRIVATE_EVENTS == set()
    stale = sorted((set(PUBLIC_EVENTS) | PRIVATE_EVENTS) - names)
    assert stale == [], f"classified but no longer defined: {stale}"


def test_event_names_are_unique_since_the_outbox_stores_only_the_name() -> None:
    types = _all_event_types()
    clashes = sorted(
        {t.__name__ for t in types if sum(1 for u in types if u.__name__ == t.__name__) > 1}
    )
    assert clashes == []


def test_every_public_event_names_a_form_that_exists() -> None:
    assert {p.form for p in PUBLIC_EVENTS.values()} <= set(FORMS)


def test_secret_bearing_events_are_private() -> None:
    for name in (
        "SignedIn",
        "BidReceived",
        "BidOpened",
        "ShareReleased",
        "CommitteeDrawn",
        "ExpertRegistered",
        "DepositConfirmed",
        "RegistrationApplied",
        "ReportSigned",
        "ScoreSheetSubmitted",
    ):
        assert publicity_of(name, {}) is None, name


def test_an_answer_kept_private_is_not_a_public_change() -> None:
    assert publicity_of("EnquiryAnswered", {"published": False}) is None
    published = publicity_of("EnquiryAnswered", {"published": True})
    assert published is not None and published.form == "tender"
