"""The credit dataset goes upstream with the exchange datasets: a city instance pushes its
published credit records of organisations (signed with an OpenSSL-made certificate, over
loopback HTTP to a real province server), then the revocation as a new version; unpublished
records and experts' records never leave."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.bootstrap import Services
from prex.exchange.dataspec.schemas import DATASETS, validate_record
from prex.exchange.quality.consumer import score_quality
from prex.exchange.quality.orm import quality_records
from prex.experts.csv_import import import_experts
from prex.experts.orm import experts
from prex.identity.orm import organisations
from prex.shared.clock import FixedClock
from tests.credit_world import BASIS, record
from tests.e2e import dataspec_world
from tests.e2e.dataspec_world import Province, city_pusher, drain
from tests.factories import ADMIN_ACTOR, World, auth
from tests.pki_openssl import PkiWorld
from tests.unit.experts.rows import csv_bytes, row

# The province's fixtures (a module of their own, not the shared conftest).
province = dataspec_world.province
pg_province = dataspec_world.pg_province
pytestmark = pytest.mark.usefixtures("close_pushers")
close_pushers = dataspec_world.close_pushers


def test_published_credit_records_go_upstream_and_their_revocation_follows(
    client: TestClient,
    world: World,
    services: Services,
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> None:
    blacklist = record(client, services, subject=world.orgs["bidder"], valid_until="2026-12-31")
    performance = record(
        client,
        services,
        subject=world.orgs["bidder2"],
        kind="performance",
        grade="good",
        basis="合同履约评价办法",
        facts="按期竣工，质量合格",
        valid_until=None,
    )
    hidden = record(
        client, services, subject=world.orgs["bidder3"], kind="violation", publish=False
    )
    import_experts(
        world.uow(ADMIN_ACTOR),
        csv_bytes([row(1, specialties="A0801", home_centre="330000")]),
        secret=services.settings.secret_key,
    )
    with services.read_session() as session:
        expert_id = session.execute(select(experts.c.id)).scalar_one()
    expert = client.post(
        f"/api/v1/credit/experts/{expert_id}/behaviour",
        json={"behaviour": "deviation", "source_id": "T:m:b:c", "facts": "偏离无合理说明"},
        headers=auth(services, "supervisor"),
    )
    assert expert.status_code == 201, expert.text

    pusher = city_pusher(services, province.records_url, pki_world, tmp_path)
    drain(pusher)
    stored = {r["record"]["CREDIT_RECORD_CODE"]: r for r in province.stored()}
    assert set(stored) == {blacklist["id"], performance["id"]}
    assert hidden["id"] not in stored and expert_id not in str(province.stored())
    up = stored[blacklist["id"]]["record"]
    assert validate_record(DATASETS["CREDIT_RECORD"], up) == []
    with services.read_session() as session:
        uscc = session.execute(
            select(organisations.c.uscc).where(organisations.c.id == world.orgs["bidder"])
        ).scalar_one()
    assert (up["CREDIT_TYPE"], up["SUBJECT_CODE"], up["DECIDE_BASIS"]) == ("3", uscc, BASIS)
    assert (up["VALID_FROM"], up["VALID_UNTIL"], up["LIMIT_SCOPE"]) == (
        "2026-03-02",
        "2026-12-31",
        "all",
    )
    assert up["RECORD_STATUS"] == "1" and "UNIFIED_DEAL_CODE" not in up
    perf = stored[performance["id"]]["record"]
    assert (perf["CREDIT_TYPE"], perf["PERFORMANCE_GRADE"]) == ("4", "good")
    assert "LIMIT_SCOPE" not in perf and "VALID_UNTIL" not in perf

    revoked = client.post(
        f"/api/v1/credit/records/{blacklist['id']}/revoke",
        json={"reason": "行政复议撤销"},
        headers=auth(services, "supervisor"),
    )
    assert revoked.status_code == 200
    drain(pusher)
    versions = [
        (r["version"], r["record"]["RECORD_STATUS"])
        for r in province.stored()
        if r["record"]["CREDIT_RECORD_CODE"] == blacklist["id"]
    ]
    assert versions == [(1, "1"), (2, "2")]
    latest = next(
        r["record"]
        for r in province.stored()
        if r["record"]["CREDIT_RECORD_CODE"] == blacklist["id"] and r["version"] == 2
    )
    assert latest["REVOKE_REASON"] == "行政复议撤销"
    # Data quality scores deals: credit records are not a deal and are left out of it.
    score_quality(services)
    score_quality(province.services)
    for instance in (services, province.services):
        with instance.read_session() as session:
            datasets = set(session.execute(select(quality_records.c.dataset)).scalars())
        assert "CREDIT_RECORD" not in datasets
