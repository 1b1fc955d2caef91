"""The opened bids' documents as the evaluation room lists them.

The room (:func:`prex.evaluation.service.room_of`) holds every figure but not the documents the
committee reads; the page and its WebSocket add their names and sizes here, after ``room_of``
has decided the reader may see the room at all. Reading a document goes through
:func:`prex.opening.service.read_document`, which records every read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from prex.evaluation import service, views
from prex.identity.policy import Actor
from prex.opening.orm import opened_bids

if TYPE_CHECKING:
    from prex.bootstrap import Services


def documents_of(session: Any, tender_id: str) -> dict[str, list[dict[str, Any]]]:
    """Each opened bid's documents (name and size, as the envelope lists them), by bid id."""
    rows = session.execute(
        select(opened_bids.c.bid_id, opened_bids.c.documents).where(
            opened_bids.c.tender_id == tender_id, opened_bids.c.outcome == "opened"
        )
    )
    return {
        str(r.bid_id): [{"name": d["name"], "size": d["size"]} for d in r.documents or []]
        for r in rows
    }


def room_with_documents(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The room as :func:`~prex.evaluation.service.room_of` gives it to this reader (or its
    refusal), with the opened bids' documents listed and the server's time."""
    view = service.room_of(services, actor, tender_id)
    with services.read_session() as session:
        documents = documents_of(session, view["tender_id"])
    return {
        **views.with_documents(view, documents),
        "server_time": services.clock.now().isoformat(),
    }
