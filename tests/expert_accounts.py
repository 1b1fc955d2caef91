"""Experts imported into the registry, each with a platform account of role expert linked to
its entry: what every committee test needs before a draw."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from prex.experts.csv_import import import_experts
from prex.experts.orm import experts
from prex.experts.registry import link_account
from prex.identity import service as identity
from tests.factories import ADMIN_ACTOR, PASSWORD
from tests.opening_world import Opening
from tests.unit.experts.rows import csv_bytes


def import_rows(opening: Opening, rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Import ``rows`` (all must be created); returns every registry name → expert id."""
    report = import_experts(
        opening.world.uow(ADMIN_ACTOR),
        csv_bytes(list(rows)),
        secret=opening.services.settings.secret_key,
    )
    assert report.count("created") == len(rows), report.rejected
    with opening.services.read_session() as session:
        return dict(session.execute(select(experts.c.name, experts.c.id)).all())


def link_accounts(
    opening: Opening, rows: Sequence[dict[str, Any]], ids: dict[str, str], usernames: Sequence[str]
) -> dict[str, str]:
    """An expert account per row, linked to its registry entry; returns expert id → username."""
    accounts = {}
    for r, username in zip(rows, usernames, strict=True):
        user_id = identity.create_user(
            opening.world.uow(ADMIN_ACTOR),
            username=username,
            password=PASSWORD,
            display_name=r["name"],
            roles=["expert"],
            org_id=None,
            centre_id=opening.world.centre_id,
        )
        link_account(opening.world.uow(ADMIN_ACTOR), ids[r["name"]], user_id)
        accounts[ids[r["name"]]] = username
    return accounts


def experts_with_accounts(
    opening: Opening, rows: Sequence[dict[str, Any]], usernames: Sequence[str]
) -> dict[str, str]:
    """:func:`import_rows` then :func:`link_accounts` for all of them."""
    return link_accounts(opening, rows, import_rows(opening, rows), usernames)
