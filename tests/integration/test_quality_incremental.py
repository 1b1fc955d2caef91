"""Scoring as records arrive gives the same numbers as scoring everything again at the end:
hypothesis makes streams of pushes from two platforms over weeks, the worker scores after each
push (and re-checks overdue deals as time passes), then a recompute must agree exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from prex.bootstrap import Services
from prex.exchange.dataspec.orm import upstream_records
from prex.exchange.quality import recompute_quality, score_quality
from prex.exchange.quality.orm import (
    quality_deals,
    quality_findings,
    quality_records,
    quality_totals,
)
from prex.shared.clock import FixedClock
from tests.conftest import T0
from tests.quality_world import STAGES, entry, store, tender

PLATFORMS = ("PREX330100", "PREX330200")


def snapshot(services: Services) -> dict[str, Any]:
    with services.read_session() as session:
        totals = sorted(tuple(r) for r in session.execute(select(quality_totals)))
        deals = sorted(map(tuple, session.execute(select(quality_deals))), key=repr)
        records = sorted(map(tuple, session.execute(select(quality_records))), key=repr)
        # Without their ids, which depend on the order they were written in.
        findings = sorted(
            (tuple(r)[1:] for r in session.execute(select(quality_findings))), key=repr
        )
    return {"totals": totals, "deals": deals, "records": records, "findings": findings}


def reset(services: Services) -> None:
    with services.writer_session() as session:
        for table in (quality_findings, quality_totals, quality_deals, quality_records):
            session.execute(delete(table))
        session.execute(delete(upstream_records))
        session.commit()


# A step: (platform, deal, how many more of its records, hours to wait before the push).
steps = st.lists(
    st.tuples(st.integers(0, 1), st.integers(0, 3), st.integers(1, 6), st.integers(0, 24 * 12)),
    min_size=1,
    max_size=14,
)
deal_shapes = st.lists(
    st.tuples(st.sampled_from(STAGES), st.booleans(), st.booleans()), min_size=4, max_size=4
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps, shapes=deal_shapes)
def test_incremental_scores_equal_a_full_recompute(
    services: Services, clock: FixedClock, plan: list[tuple[int, int, int, int]], shapes: Any
) -> None:
    reset(services)
    clock.set(T0)
    streams = {
        (p, d): [
            entry(name, record)
            for name, record in tender(
                PLATFORMS[p],
                1 + 10 * p + d,
                T0 - timedelta(days=10 * d),
                stage=shapes[d][0],
                agency=shapes[d][1],
                procurement=shapes[d][2],
            )
        ]
        for p in range(2)
        for d in range(4)
    }
    sent = dict.fromkeys(streams, 0)
    for platform, deal, more, hours in plan:
        clock.advance(timedelta(hours=hours))
        start = sent[(platform, deal)]
        batch = streams[(platform, deal)][start : start + more]
        sent[(platform, deal)] += len(batch)
        if batch:
            store(services, PLATFORMS[platform], batch)
        score_quality(services)
    clock.advance(timedelta(days=60))  # every milestone falls due: the worker re-checks
    score_quality(services)
    incremental = snapshot(services)
    assert incremental["records"], "the stream stored records"
    recompute_quality(services)
    assert snapshot(services) == incremental


def test_a_worker_pass_counts_the_records_judged_and_the_deals_rechecked(
    services: Services, clock: FixedClock
) -> None:
    from prex.worker import run_once

    built = tender(PLATFORMS[0], 1, T0, stage="opened")
    store(services, PLATFORMS[0], [entry(name, record) for name, record in built])
    assert run_once(services).scored == len(built) + 1  # the records and their one deal
    assert run_once(services).scored == 0
    clock.advance(timedelta(days=50))  # the result falls due: the deal is looked at again
    assert run_once(services).scored == 1
    assert run_once(services).scored == 0


def test_two_workers_at_once_judge_every_record_exactly_once(
    services: Services, clock: FixedClock
) -> None:
    import threading

    for n in range(1, 4):
        built = tender(PLATFORMS[n % 2], n, T0 - timedelta(days=40))
        store(services, PLATFORMS[n % 2], [entry(name, record) for name, record in built])
    counts: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def work() -> None:
        start.wait()
        try:
            counts.append(score_quality(services, batch=1000))
        except BaseException as exc:  # collected: the assertion below names it
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    judged = snapshot(services)
    assert sorted(counts)[0] == 0  # the second waited, then found everything judged
    recompute_quality(services)
    assert snapshot(services) == judged
