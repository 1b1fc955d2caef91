"""The tender's evaluation round: 1, plus one for every round a complaint decision superseded
(重新评审; the superseded rounds are kept in ``evaluation_rounds``, see
:mod:`prex.award.rounds`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from prex.evaluation.orm import evaluation_rounds


def current_round(session: Any, tender_id: str) -> int:
    """The number of the round being run: one more than the rounds superseded."""
    done = session.execute(
        select(func.count())
        .select_from(evaluation_rounds)
        .where(evaluation_rounds.c.tender_id == tender_id)
    ).scalar_one()
    return int(done) + 1


def superseded_while(session: Any, tender_id: str, committee_round: int) -> bool:
    """Whether a round of this tender was superseded while this committee round sat: then
    that committee evaluates again (no new draw is waited for)."""
    found = session.execute(
        select(evaluation_rounds.c.round).where(
            evaluation_rounds.c.tender_id == tender_id,
            evaluation_rounds.c.committee_round == committee_round,
        )
    ).first()
    return found is not None
