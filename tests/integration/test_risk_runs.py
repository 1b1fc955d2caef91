"""Recording red-flag runs: a repeated run updates its hits instead of duplicating them, a hit
no longer found is resolved (and comes back if found again), scores follow the open hits, and
an alert is raised — and pushed to the centre's supervisors — only when a level rises."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from prex.analytics.risk.orm import flag_hits, flag_runs, risk_alerts, risk_scores
from prex.analytics.risk.service import record_run
from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.identity import service as identity
from prex.identity.orm import users
from prex.identity.policy import SYSTEM
from prex.notifications.orm import notifications
from prex.notifications.service import dispatch_notifications
from prex.shared.clock import FixedClock
from prex.shared.errors import InvalidInput
from tests.conftest import T0
from tests.factories import ADMIN_ACTOR, PASSWORD, World
from tests.supervision_world import C001, C002, R018, RULES, bidder_hit, tender_hit


def scores(services: Services) -> dict[tuple[str, str], tuple[float, int | None]]:
    with services.read_session() as session:
        return {
            (r.kind, r.subject_id): (r.score, r.level) for r in session.execute(select(risk_scores))
        }


def test_runs_upsert_resolve_and_raise_alerts_only_on_a_rise(
    services: Services, world: World, clock: FixedClock
) -> None:
    centres = {"T1": world.centre_id}
    first = [bidder_hit(C001, "B1", "T1"), bidder_hit(C001, "B2", "T1")]
    run1 = record_run(services.uow(SYSTEM), first, rules=RULES, centres=centres)
    assert (run1.hits, run1.new_hits, run1.resolved_hits) == (2, 2, 0)
    # T1: 45 + 22.5 (the second hit of one rule counts half) = 67.5 → level 2; B1, B2: 45 → 3
    assert scores(services) == {
        ("tender", "T1"): (67.5, 2),
        ("bidder", "B1"): (45.0, 3),
        ("bidder", "B2"): (45.0, 3),
    }
    assert sorted((a["kind"], a["subject_id"], a["level"]) for a in run1.alerts) == [
        ("bidder", "B1", 3),
        ("bidder", "B2", 3),
        ("tender", "T1", 2),
    ]

    clock.set(T0 + timedelta(days=1))
    again = [bidder_hit(C001, "B1", "T1", value=4.0), bidder_hit(C001, "B2", "T1")]
    run2 = record_run(services.uow(SYSTEM), again, rules=RULES, centres=centres)
    assert (run2.hits, run2.new_hits, run2.resolved_hits, run2.alerts) == (2, 0, 0, [])
    with services.read_session() as session:
        rows = {r.subject_id: r for r in session.execute(select(flag_hits))}
    assert len(rows) == 2
    assert rows["B1"].first_seen_at == T0 and rows["B1"].last_seen_at == T0 + timedelta(days=1)
    assert rows["B1"].value == 4.0 and rows["B1"].centre_id == world.centre_id
    assert rows["B1"].detail == {"matching": ["mac", "cpu"], "bidders": 3}

    clock.set(T0 + timedelta(days=2))
    run3 = record_run(services.uow(SYSTEM), first[:1], rules=RULES, centres=centres)
    assert (run3.resolved_hits, run3.alerts) == (1, [])  # a falling level raises nothing
    assert scores(services)[("tender", "T1")] == (45.0, 3)
    assert scores(services)[("bidder", "B2")] == (0.0, None)

    clock.set(T0 + timedelta(days=3))
    more = [*first, bidder_hit(C002, "B1", "T1"), tender_hit(R018, "T1")]
    run4 = record_run(services.uow(SYSTEM), more, rules=RULES, centres=centres)
    assert run4.new_hits == 2 and run4.resolved_hits == 0
    # T1: C001 67.5 + C002 45 + R018 15 → capped at 100, level 1; B1 90 → 1; B2 back to 45 → 3
    assert scores(services)[("tender", "T1")] == (100.0, 1)
    assert sorted((a["subject_id"], a["previous_level"], a["level"]) for a in run4.alerts) == [
        ("B1", 3, 1),
        ("B2", None, 3),
        ("T1", 3, 1),
    ]
    with services.read_session() as session:
        b2 = session.execute(select(flag_hits).where(flag_hits.c.subject_id == "B2")).one()
        assert b2.resolved_at is None and b2.first_seen_at == T0  # came back: the same hit
        assert session.execute(select(flag_runs)).all().__len__() == 4
        assert len(session.execute(select(risk_alerts)).all()) == 6
        logged = [
            r.action for r in session.execute(select(audit_log.c.action).order_by(audit_log.c.seq))
        ]
    assert logged.count("FlagRunRecorded") == 4 and logged.count("AlertRaised") == 6


def test_a_run_of_some_rules_resolves_only_their_hits(services: Services, world: World) -> None:
    record_run(
        services.uow(SYSTEM),
        [bidder_hit(C001, "B1", "T1"), tender_hit(R018, "T1")],
        rules=RULES,
    )
    run = record_run(services.uow(SYSTEM), [], rules=[R018])
    assert run.resolved_hits == 1
    with services.read_session() as session:
        open_codes = {
            r.rule_code
            for r in session.execute(select(flag_hits).where(flag_hits.c.resolved_at.is_(None)))
        }
    assert open_codes == {"C001"}


def test_hits_of_a_rule_that_did_not_run_are_refused(services: Services) -> None:
    with pytest.raises(InvalidInput, match="C002"):
        record_run(services.uow(SYSTEM), [bidder_hit(C002, "B1", "T1")], rules=[C001])


def test_an_alert_is_pushed_to_the_supervisors_of_its_centre_only(
    services: Services, world: World
) -> None:
    city_supervisor = identity.create_user(
        services.uow(ADMIN_ACTOR),
        username="supervisor_hz",
        password=PASSWORD,
        display_name="杭州 监督员",
        roles=["supervisor"],
        org_id=world.orgs["supervisor"],
        centre_id=world.city_centre_id,
    )
    record_run(
        services.uow(SYSTEM),
        [bidder_hit(C001, "B1", "T1"), bidder_hit(C002, "B1", "T1")],
        rules=RULES,
        centres={"T1": world.centre_id},
    )
    dispatch_notifications(services.uow(SYSTEM))
    with services.read_session() as session:
        sent = session.execute(
            select(notifications.c.user_id, notifications.c.subject).where(
                notifications.c.link == "/supervision/alerts"
            )
        ).all()
        province_supervisors = {
            u.id
            for u in session.execute(
                select(users.c.id, users.c.roles).where(users.c.centre_id == world.centre_id)
            )
            if "supervisor" in u.roles
        }
    # The province's supervisors (the world's custodians are supervisors too), not the city's.
    assert world.users["supervisor"] in province_supervisors
    assert {user for user, _ in sent} == province_supervisors
    assert city_supervisor not in province_supervisors
    assert len(sent) == 2 * len(province_supervisors)
    assert {subject[:2] for _, subject in sent} == {"一级"}  # T1 and B1 at 90


def test_two_runs_at_once_record_each_hit_once(services: Services, world: World) -> None:
    hits = [bidder_hit(C001, f"B{i}", "T1") for i in range(20)]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(record_run(services.uow(SYSTEM), hits, rules=RULES))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(r.new_hits for r in results) == [0, 20]
    assert sum(len(r.alerts) for r in results) == 21  # 20 bidders and T1, raised once
    with services.read_session() as session:
        assert len(session.execute(select(flag_hits)).all()) == 20
