"""Two cities push real, signed records to this platform over two months: Hangzhou pushes on
time but one of its tenders never reaches a result; Ningbo pushes one tender five days late
and another without its agency. Their scores, the ranking, the API, the drill-down page and
``prex quality`` name exactly those records."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prex.audit.chain import canonical_json
from prex.bootstrap import Services
from prex.cli.main import app
from prex.exchange.dataspec.inbound import receive_records, register_platform
from prex.exchange.quality import recompute_quality, score_quality
from prex.pki.certs import parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.keys import PrivateKey
from prex.shared.clock import FixedClock
from tests.conftest import T0
from tests.e2e.dataspec_world import signer_pem
from tests.factories import ADMIN_ACTOR, World, auth
from tests.pki_helpers import trust_world
from tests.pki_openssl import PkiWorld
from tests.quality_world import entry, stamped, tender

HANGZHOU, NINGBO = "PREX330100", "PREX330200"
SIGNERS = {HANGZHOU: "rsa-orgid", NINGBO: "ecdsa-p384"}
JAN = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
runner = CliRunner()


def push(
    services: Services,
    clock: FixedClock,
    pki: PkiWorld,
    tmp: Path,
    platform: str,
    built: list[tuple[str, dict[str, Any]]],
    lag: timedelta,
) -> None:
    """Push each stage's records ``lag`` after its event, signed as the platform signs."""
    chain = parse_certificates(signer_pem(pki, SIGNERS[platform], tmp).read_bytes())
    key = PrivateKey.load(pki.leaves[SIGNERS[platform]].key.read_bytes())
    stages: dict[datetime, list[dict[str, Any]]] = defaultdict(list)
    for name, record in built:
        stages[stamped(record)].append(entry(name, record))
    for moment in sorted(stages):
        clock.set(moment + lag)
        body = canonical_json({"platform_code": platform, "records": stages[moment]})
        der = sign_detached(body, chain[0], key, chain=chain[1:], signing_time=clock.now())
        answer = receive_records(services, services.uow(ADMIN_ACTOR), body, der)
        assert answer["accepted"] == len(stages[moment]), answer
        score_quality(services)


@pytest.fixture
def cities(
    services: Services, world: World, clock: FixedClock, pki_world: PkiWorld, tmp_path: Path
) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    trust_world(services, pki_world)
    for code, name in ((HANGZHOU, "杭州市公共资源交易中心"), (NINGBO, "宁波市公共资源交易中心")):
        register_platform(
            services,
            services.uow(ADMIN_ACTOR),
            code=code,
            name=name,
            certificate_pem=signer_pem(pki_world, SIGNERS[code], tmp_path).read_bytes(),
            credit_code=pki_world.uscc[SIGNERS[code]],
        )
    deals = {
        "complete": tender(HANGZHOU, 1, JAN),
        "no-result": tender(HANGZHOU, 2, JAN + timedelta(days=1), stage="opened"),
        "late": tender(NINGBO, 3, JAN),
        "no-agency": tender(NINGBO, 4, JAN + timedelta(days=46), stage="published", agency=False),
    }
    for name, lag in (("complete", 1), ("no-result", 1), ("late", 5 * 24), ("no-agency", 2)):
        platform = HANGZHOU if name in ("complete", "no-result") else NINGBO
        push(services, clock, pki_world, tmp_path, platform, deals[name], timedelta(hours=lag))
    clock.set(T0)  # 2026-03-02: the result of "no-result" was due by 2026-02-25
    score_quality(services)
    return deals


def deal_of(built: list[tuple[str, dict[str, Any]]]) -> str:
    return str(built[0][1]["UNIFIED_DEAL_CODE"])


def test_the_scores_and_findings_name_exactly_the_late_incomplete_and_unfinished_records(
    client: TestClient, services: Services, cities: dict[str, Any]
) -> None:
    headers = auth(services, "supervisor")
    ranking = client.get("/api/v1/quality/ranking", headers=headers)
    assert ranking.status_code == 200, ranking.text
    by_code = {c["code"]: c for c in ranking.json()["centres"]}
    assert set(by_code) == {HANGZHOU, NINGBO}
    hz, nb = by_code[HANGZHOU], by_code[NINGBO]
    assert hz["accuracy"] == nb["accuracy"] == 100.0
    assert hz["timeliness"] == 100.0 and hz["lifecycle"] == 80.0  # 4 milestones met of 5 due
    assert nb["lifecycle"] == 100.0
    late_records = len(cities["late"])
    timed = late_records + len(cities["no-agency"])
    # five days late is (7 − 5) / 6 of full marks, per mille rounded down: 333
    assert nb["timeliness"] == round(100 * (333 * late_records + 1000 * 2) / (1000 * timed), 1)
    assert hz["coverage"] == 100.0 and nb["coverage"] < 100.0
    assert [c["code"] for c in ranking.json()["centres"]] == [HANGZHOU, NINGBO]

    def found(code: str, dimension: str) -> list[tuple[str, str, str | None]]:
        page = client.get(
            f"/api/v1/quality/centres/{code}/findings",
            params={"dimension": dimension},
            headers=headers,
        )
        assert page.status_code == 200, page.text
        return sorted((f["code"], f["record_key"], f["field"]) for f in page.json()["items"])

    unfinished = deal_of(cities["no-result"])
    assert found(HANGZHOU, "lifecycle") == [("result-overdue", unfinished, "WIN_CANDIDATE")]
    assert found(HANGZHOU, "timeliness") == found(HANGZHOU, "coverage") == []
    late = found(NINGBO, "timeliness")
    assert len(late) == late_records
    assert {key.split("|")[0][:33] for _code, key, _f in late} == {deal_of(cities["late"])}
    assert found(NINGBO, "coverage") == [
        ("field-missing", deal_of(cities["no-agency"]), "TENDER_AGENCY_CODE"),
        ("field-missing", deal_of(cities["no-agency"]), "TENDER_AGENCY_NAME"),
    ]
    assert found(NINGBO, "lifecycle") == found(NINGBO, "accuracy") == []

    trend = client.get(f"/api/v1/quality/centres/{HANGZHOU}", headers=headers).json()
    assert [m["month"] for m in trend["months"]] == ["2026-01", "2026-02"]
    january = client.get(
        "/api/v1/quality/ranking",
        params={"period": "2026-02", "type": "engineering"},
        headers=headers,
    ).json()
    assert {c["code"] for c in january["centres"]} == {HANGZHOU, NINGBO}

    page = client.get(f"/quality/centres/{HANGZHOU}?dimension=lifecycle", headers=headers)
    assert page.status_code == 200
    assert unfinished in page.text and "评标结果逾期未报" in page.text
    english = client.get("/quality?lang=en", headers=headers).text
    assert (
        "Data quality of the connected centres" in english and "宁波市公共资源交易中心" in english
    )
    assert "各交易中心数据质量" not in english


def test_the_public_and_bidders_see_nothing_and_bad_filters_are_problems(
    client: TestClient, services: Services, cities: dict[str, Any]
) -> None:
    assert client.get("/api/v1/quality/ranking").status_code == 401
    bidder = auth(services, "bidder")
    assert client.get("/api/v1/quality/ranking", headers=bidder).status_code == 403
    assert (
        client.get(f"/api/v1/quality/centres/{NINGBO}/findings", headers=bidder).status_code == 403
    )
    assert client.get("/quality", follow_redirects=False).status_code == 303
    operator = auth(services, "operator")
    bad = client.get("/api/v1/quality/ranking", params={"period": "2026-13"}, headers=operator)
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("invalid-input") and "2026-13" in bad.json()["detail"]
    unknown = client.get("/api/v1/quality/centres/NOPE", headers=operator)
    assert unknown.status_code == 404
    wrong = client.get(
        f"/api/v1/quality/centres/{NINGBO}/findings",
        params={"dimension": "beauty"},
        headers=operator,
    )
    assert wrong.status_code == 422


def test_recompute_gives_the_same_ranking_and_the_cli_prints_it(
    services: Services, cities: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = services.settings
    monkeypatch.setenv("PREX_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")
    before = runner.invoke(app, ["quality", "--json"])
    assert before.exit_code == 0, before.output
    assert recompute_quality(services) == sum(len(d) for d in cities.values())
    after = runner.invoke(app, ["quality", "--json"])
    assert json.loads(after.output) == json.loads(before.output)
    assert [c["code"] for c in json.loads(after.output)] == [HANGZHOU, NINGBO]
    # From the shell the recompute runs at the wall clock's time, so only its count is fixed.
    again = runner.invoke(app, ["quality", "recompute", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["judged"] == sum(len(d) for d in cities.values())
    table = runner.invoke(app, ["quality", "--centre", NINGBO])
    assert table.exit_code == 0 and "2026-01" in table.output
    refused = runner.invoke(app, ["quality", "--period", "March"])
    assert refused.exit_code == 1 and "not a period" in refused.output


def test_a_connected_centres_own_staff_see_its_page_but_not_the_ranking(
    services: Services, world: World, clock: FixedClock
) -> None:
    from prex.bootstrap import bootstrap
    from prex.web.app import create_app
    from tests.quality_world import store

    # This instance is the city (PREX3301); the province's staff (the test users, centre
    # PREX33) are staff of a connected centre here, and PREX330200 is somebody else.
    scoring = bootstrap(
        services.settings.model_copy(update={"platform_code": "PREX3301"}), clock=clock
    )
    try:
        for platform in ("PREX33", "PREX330200"):
            store(scoring, platform, [entry(n, r) for n, r in tender(platform, 1, JAN)])
        score_quality(scoring)
        with TestClient(create_app(scoring)) as client:
            operator, admin = auth(scoring, "operator"), auth(scoring, "admin")
            assert client.get("/api/v1/quality/ranking", headers=operator).status_code == 403
            assert client.get("/api/v1/quality/centres/PREX33", headers=operator).status_code == 200
            other = client.get("/api/v1/quality/centres/PREX330200/findings", headers=operator)
            assert other.status_code == 403
            ranked = client.get("/api/v1/quality/ranking", headers=admin).json()["centres"]
            assert {c["code"] for c in ranked} == {"PREX33", "PREX330200"}
    finally:
        scoring.close()
