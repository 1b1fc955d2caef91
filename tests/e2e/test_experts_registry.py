"""The registry's use cases on a real database: what the draw's pool holds on a given date
(blacklist, unavailable dates, declared interests, services per tenderer within a period,
specialties with their broader codes), services recorded once, accounts linked once, and
the events each change leaves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.audit.orm import audit_log
from prex.bootstrap import Services
from prex.experts import registry
from prex.experts.errors import ExpertExists
from prex.experts.model import ExpertData, Title
from prex.experts.pool import PoolExpert
from prex.identity.orm import organisations
from prex.shared.errors import InvalidInput, NotFound, PermissionDenied
from tests.factories import ADMIN_ACTOR, World, auth, published_tender
from tests.unit.experts.rows import employer, person_id

DAY = date(2026, 3, 2)  # the test clock's date in Beijing
SECRET = "test-secret"


def data(n: int, centre_id: str, *codes: str) -> ExpertData:
    return ExpertData(
        name=f"专家{'甲乙丙丁戊'[n % 5]}",
        id_number=person_id(n),
        phone=f"1390571{n:04d}",
        employer_uscc=employer(n),
        title=Title.DEPUTY_SENIOR,
        years_of_practice=12,
        specialties=codes or ("A0801",),
        centre_id=centre_id,
    )


def uscc_of(services: Services, org_id: str) -> str:
    with services.read_session() as session:
        return str(
            session.execute(
                select(organisations.c.uscc).where(organisations.c.id == org_id)
            ).scalar_one()
        )


def pool(
    services: Services, centres: list[str], day: date = DAY, **kw: object
) -> dict[str, PoolExpert]:
    with services.read_session() as session:
        found = registry.pool_for_draw(session, centres, day, **kw)  # type: ignore[arg-type]
    assert [e.expert_id for e in found] == sorted(e.expert_id for e in found)
    return {e.expert_id: e for e in found}


def test_the_pool_holds_each_expert_as_the_draw_sees_it_on_a_date(
    client: TestClient, world: World, services: Services
) -> None:
    uow = world.uow
    province, city = world.centre_id, world.city_centre_id
    a, b, c = (
        registry.register_expert(uow(), data(n, province, *codes), secret=SECRET)
        for n, codes in ((1, ("A0801", "B04")), (2, ("A06",)), (3, ("C01",)))
    )
    d = registry.register_expert(uow(), data(4, city), secret=SECRET)
    registry.blacklist_expert(
        uow(), a, reason="考核不合格", start=DAY - timedelta(days=1), until=DAY + timedelta(days=1)
    )
    lifted = registry.blacklist_expert(uow(), b, reason="误录")
    registry.lift_blacklist(uow(), b, lifted, reason="复核撤销")
    registry.set_unavailable(uow(), b, start=DAY, until=DAY + timedelta(days=3), reason="出差")
    bidder = uscc_of(services, world.orgs["bidder"])
    registry.declare_interest(uow(), c, uscc=bidder, reason="配偶任职")
    gone = registry.declare_interest(uow(), c, uscc=employer(30), reason="原单位")
    registry.withdraw_interest(uow(), c, gone)
    with pytest.raises(Exception, match="declared an interest in .* already"):
        registry.declare_interest(uow(), c, uscc=bidder, reason="again")

    agency = auth(services, "agency")
    tenders = [published_tender(client, world, agency)["id"] for _ in range(3)]
    tenderer = world.orgs["tenderer"]
    for tender_id, served_on in zip(
        tenders, (DAY - timedelta(days=400), DAY - timedelta(days=30), DAY), strict=True
    ):
        with uow() as unit:
            first = registry.record_service(
                unit, expert_id=a, tender_id=tender_id, tenderer_org_id=tenderer, on=served_on
            )
            again = registry.record_service(
                unit, expert_id=a, tender_id=tender_id, tenderer_org_id=tenderer, on=served_on
            )
            unit.commit()
        assert first == again  # once per expert and tender

    today = pool(services, [province])
    assert set(today) == {a, b, c}  # d's home is the city
    assert today[a].blacklisted and not today[a].unavailable
    assert today[a].specialties == {"A", "A08", "A0801", "B", "B04"}
    assert not today[b].blacklisted and today[b].unavailable  # the lifted entry is no more
    assert today[c].declared_usccs == {bidder}
    assert today[a].employer_uscc == employer(1) and today[a].centre_id == province
    tenderer_uscc = uscc_of(services, tenderer)
    assert today[a].served_by_tenderer == ((tenderer_uscc, 3),)
    assert today[b].served_by_tenderer == ()
    within = pool(services, [province], since=DAY - timedelta(days=365))
    assert within[a].served_by_tenderer == ((tenderer_uscc, 2),)
    other = pool(services, [province], tenderer_uscc=bidder)
    assert other[a].served_by_tenderer == ()
    earlier = pool(services, [province], DAY - timedelta(days=2))
    assert not earlier[a].blacklisted and not earlier[b].unavailable
    assert earlier[a].served_by_tenderer == ((tenderer_uscc, 2),)  # not the one on DAY
    assert set(pool(services, [province, city])) == {a, b, c, d}
    assert pool(services, []) == {}


def test_record_service_refuses_an_unknown_tender_or_tenderer(
    client: TestClient, world: World, services: Services
) -> None:
    expert = registry.register_expert(world.uow(), data(1, world.centre_id), secret=SECRET)
    with world.uow() as unit, pytest.raises(NotFound, match="no tender"):
        registry.record_service(
            unit,
            expert_id=expert,
            tender_id="01ARZ3NDEKTSV4RRFFQ69G5FAV",
            tenderer_org_id=world.orgs["tenderer"],
            on=DAY,
        )
    with world.uow() as unit, pytest.raises(NotFound, match="no organisation"):
        registry.record_service(
            unit,
            expert_id=expert,
            tender_id="01ARZ3NDEKTSV4RRFFQ69G5FAV",
            tenderer_org_id="01ARZ3NDEKTSV4RRFFQ69G5FAV",
            on=DAY,
        )


def test_an_account_belongs_to_one_expert_and_changes_are_recorded(
    world: World, services: Services
) -> None:
    uow = world.uow
    one = registry.register_expert(uow(), data(1, world.centre_id), secret=SECRET)
    two = registry.register_expert(uow(), data(2, world.centre_id), secret=SECRET)
    registry.link_account(uow(), one, world.users["expert"])
    with pytest.raises(ExpertExists, match="is the account of expert"):
        registry.link_account(uow(), two, world.users["expert"])
    with pytest.raises(NotFound, match="no user"):
        registry.link_account(uow(), two, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
    with pytest.raises(InvalidInput, match="is not an expert's account \\(its roles: bidder\\)"):
        registry.link_account(uow(), two, world.users["bidder"])
    with pytest.raises(ExpertExists, match="registered already"):
        registry.register_expert(uow(), data(1, world.centre_id), secret=SECRET)
    with services.read_session() as session:
        events = session.execute(
            select(audit_log.c.action, audit_log.c.payload)
            .where(audit_log.c.object_id == one)
            .order_by(audit_log.c.seq)
        ).all()
    assert [a for a, _ in events] == ["ExpertRegistered", "ExpertUpdated"]
    assert events[1][1]["event"]["changed"] == ["user_id"]


def test_a_bidder_cannot_use_the_registry_even_from_code(world: World, services: Services) -> None:
    from prex.identity.policy import Actor, Role

    bidder = Actor(
        user_id=world.users["bidder"],
        label="bidder",
        org_id=world.orgs["bidder"],
        centre_id=world.centre_id,
        roles=frozenset({Role.BIDDER}),
    )
    expert = registry.register_expert(world.uow(), data(1, world.centre_id), secret=SECRET)
    with pytest.raises(PermissionDenied):
        registry.register_expert(services.uow(bidder), data(2, world.centre_id), secret=SECRET)
    with pytest.raises(PermissionDenied):
        registry.blacklist_expert(services.uow(bidder), expert, reason="x")
    with services.read_session() as session, pytest.raises(PermissionDenied):
        registry.get_expert(session, bidder, expert, day=DAY)
    with services.read_session() as session, pytest.raises(PermissionDenied):
        registry.find_experts(session, bidder, registry.ExpertFilter(), day=DAY)
    assert ADMIN_ACTOR.roles  # the factories' administrator did the registering


def test_two_imports_of_one_file_at_once_register_each_expert_once(
    world: World, services: Services
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func

    from prex.experts.csv_import import import_experts
    from prex.experts.orm import experts
    from tests.unit.experts.rows import csv_bytes, row

    data = csv_bytes([row(n) for n in range(300)])

    def run(_: int) -> dict[str, int]:
        report = import_experts(world.uow(), data, secret=SECRET, batch=50)
        return report.summary()

    with ThreadPoolExecutor(2) as pool_:
        first, second = pool_.map(run, range(2))
    assert first["created"] + second["created"] == 300
    assert first["rejected"] == second["rejected"] == 0
    assert first["unchanged"] + second["unchanged"] == 300
    with services.read_session() as session:
        assert session.execute(select(func.count()).select_from(experts)).scalar_one() == 300
