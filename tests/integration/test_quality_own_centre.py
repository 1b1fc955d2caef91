"""This centre is scored too, on the records it pushed to its own upstream, as the upstream
answered them: received when sent, and a refusal counts against accuracy with its code."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from prex.bootstrap import Services
from prex.exchange.dataspec.orm import dataspec_push_queue
from prex.exchange.dataspec.schemas import DATASETS
from prex.exchange.quality import score_quality
from prex.exchange.quality.queries import findings, ranking
from prex.shared.clock import FixedClock
from tests.conftest import T0
from tests.quality_world import stamped, tender


def test_this_centres_own_pushes_are_scored_under_its_platform_code(
    services: Services, clock: FixedClock
) -> None:
    own = services.settings.platform_code
    built = tender(own, 1, T0 - timedelta(days=40))
    with services.writer_session() as session:
        for n, (name, record) in enumerate(built, start=1):
            sent = stamped(record) + timedelta(hours=1)
            refused = name == "RESULT_NOTICE"
            key = DATASETS[name].key_of(record)
            session.execute(
                insert(dataspec_push_queue).values(
                    deal_code=record["UNIFIED_DEAL_CODE"],
                    dataset=name,
                    record_key=key,
                    version=1,
                    idempotency_key=f"{name}:{key}:1",
                    record=record,
                    outbox_seq=n,
                    queued_at=sent,
                    attempts=1,
                    next_attempt_at=sent,
                    sent_at=sent,
                    outcome="refused" if refused else "accepted",
                    refusal="conflict" if refused else None,
                )
            )
        session.commit()
    assert score_quality(services) == len(built) + 1  # the records, and their deal
    assert score_quality(services) == 0  # judged once
    with services.read_session() as session:
        ranked = ranking(session, own)
        wrong = findings(session, own, dimension="accuracy")
    assert [r.code for r in ranked] == [own]
    assert ranked[0].scores["timeliness"] == 100.0
    assert ranked[0].scores["accuracy"] == round(100 * (len(built) - 1) / len(built), 1)
    assert [(f["dataset"], f["code"]) for f in wrong["items"]] == [("RESULT_NOTICE", "conflict")]


def test_nothing_is_judged_before_the_upstream_answered(
    services: Services, clock: FixedClock
) -> None:
    own = services.settings.platform_code
    name, record = tender(own, 1, T0)[0]
    with services.writer_session() as session:
        session.execute(
            insert(dataspec_push_queue).values(
                deal_code=record["UNIFIED_DEAL_CODE"],
                dataset=name,
                record_key=DATASETS[name].key_of(record),
                version=1,
                idempotency_key="k",
                record=record,
                outbox_seq=1,
                queued_at=T0,
                attempts=0,
                next_attempt_at=T0,
            )
        )
        session.commit()
    assert score_quality(services) == 0
