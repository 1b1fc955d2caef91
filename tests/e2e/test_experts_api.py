"""The expert registry over HTTP: register, update, import, blacklist, unavailable dates and
declared interests, each audited with its actor and address and without the expert's identity;
every bad input a problem document that changes nothing; and identities seen only by the
expert's centre."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from prex.audit.orm import audit_log, outbox
from prex.bootstrap import Services
from prex.experts.orm import experts
from prex.identity import service as identity
from prex.web.deps import MAX_OFFSET
from tests.factories import ADMIN_ACTOR, PASSWORD, World, auth, chain_of
from tests.unit.experts.rows import csv_bytes, employer, person_id, row

API = "/api/v1"


def expert_body(n: int = 1, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "欧阳明远",
        "id_number": person_id(n),
        "phone": "139 0571 0001",
        "employer_uscc": employer(n),
        "title": "正高级",
        "years_of_practice": 18,
        "specialties": ["A0801", "A06"],
        "credit_score": 95,
    }
    body.update(overrides)
    return body


def audit_count(services: Services) -> int:
    with services.read_session() as session:
        return int(session.execute(text("SELECT count(*) FROM audit_log")).scalar_one())


def import_file(
    client: TestClient, headers: dict[str, str], data: bytes, **params: str
) -> dict[str, Any]:
    response = client.post(
        f"{API}/experts/import",
        files={"file": ("专家.csv", data, "text/csv")},
        params=params,
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_an_operator_registers_an_expert_who_is_then_read_back_and_audited_without_identity(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "operator")
    created = client.post(f"{API}/experts", json=expert_body(), headers=headers)
    assert created.status_code == 201, created.text
    expert_id = created.json()["id"]
    detail = client.get(f"{API}/experts/{expert_id}", headers=headers).json()
    expert = detail["expert"]
    assert expert["name"] == "欧阳明远" and expert["centre_id"] == world.centre_id
    assert expert["id_number_masked"] == person_id(1)[:6] + "********" + person_id(1)[-4:]
    assert expert["phone"] == "13905710001" and expert["title_label"] == "正高级"
    assert [s["code"] for s in expert["specialties"]] == ["A06", "A0801"]
    assert expert["blacklisted"] is False and detail["blacklist"] == []
    with services.read_session() as session:
        stored = session.execute(select(experts)).mappings().one()
        entry = (
            session.execute(
                select(audit_log)
                .where(audit_log.c.object_id == expert_id)
                .order_by(audit_log.c.seq)
            )
            .mappings()
            .one()
        )
        queued = session.execute(select(outbox.c.payload)).scalars().all()
    assert person_id(1) not in str(dict(stored))  # only a digest and the masked form
    assert entry["action"] == "ExpertRegistered" and entry["address"] == "testclient"
    assert entry["actor_id"] == world.users["operator"]
    for text_ in (str(entry["payload"]), *map(str, queued)):
        assert "欧阳明远" not in text_ and person_id(1) not in text_ and "13905710001" not in text_
    assert chain_of(services).ok


def test_an_update_names_the_changed_fields_and_keeps_the_number_when_it_is_omitted(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "operator")
    expert_id = client.post(f"{API}/experts", json=expert_body(), headers=headers).json()["id"]
    body = expert_body(years_of_practice=19, specialties=["A0801"], id_number=None)
    updated = client.put(f"{API}/experts/{expert_id}", json=body, headers=headers)
    assert updated.status_code == 200, updated.text
    assert updated.json()["changed"] == ["specialties", "years_of_practice"]
    again = client.put(f"{API}/experts/{expert_id}", json=body, headers=headers)
    assert again.json()["changed"] == []
    # the number on record still finds the expert: registering it again is a conflict
    duplicate = client.post(f"{API}/experts", json=expert_body(name="别人"), headers=headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["type"] == "/problems/expert-exists"
    assert duplicate.json()["expert_id"] == expert_id


BAD: dict[str, tuple[dict[str, Any], int, str, str]] = {
    "a wrong check character": (
        {"id_number": person_id(1)[:-1] + ("0" if person_id(1)[-1] != "0" else "1")},
        422,
        "invalid-input",
        "check character",
    ),
    "a bad credit code": ({"employer_uscc": "91330100MA00000000"}, 422, "invalid-input", "check"),
    "too few years": ({"years_of_practice": 6}, 422, "rule-violation", "at least 8"),
    "no senior title": ({"title": "中级"}, 422, "rule-violation", "senior title"),
    "an unknown title": ({"title": "教授"}, 422, "invalid-input", "is not one of"),
    "an unknown code": ({"specialties": ["A0899"]}, 422, "invalid-input", "not in the code list"),
    "a bad phone": ({"phone": "12345"}, 422, "invalid-input", "not a phone number"),
    "another centre": (
        {"centre_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
        403,
        "forbidden",
        "may not 'expert.manage'",
    ),
    "a missing field": ({"phone": None}, 422, "invalid-input", "phone"),
    "an unknown field": ({"nickname": "老王"}, 422, "invalid-input", "nickname"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_gets_a_problem_document_and_changes_nothing(
    client: TestClient, world: World, services: Services, case: str
) -> None:
    change, status, slug, words = BAD[case]
    body = expert_body(**change)
    body = {k: v for k, v in body.items() if v is not None or k != "phone"}
    before = audit_count(services)
    response = client.post(f"{API}/experts", json=body, headers=auth(services, "operator"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}" and words in problem["detail"]
    after = audit_count(services)
    assert after == before + 1  # the sign-in for the token, nothing else
    with services.read_session() as session:
        assert session.execute(select(func.count()).select_from(experts)).scalar_one() == 0


def test_a_thousand_rows_import_with_each_bad_row_reported_and_a_re_import_is_idempotent(
    client: TestClient, world: World, services: Services
) -> None:
    rows = [row(n) for n in range(1000)]
    rows[10] = row(10, id_number=person_id(10)[:17] + "Y")
    rows[250] = row(250, years_of_practice="7")
    rows[500] = row(500, specialties="A08;Q01")
    rows[750] = row(750, home_centre="339900")
    rows[999] = row(3)  # the same person as line 5
    headers = auth(services, "operator")
    report = import_file(client, headers, csv_bytes(rows, bom=True))
    assert report["summary"] == {
        "rows": 1000,
        "created": 995,
        "updated": 0,
        "unchanged": 0,
        "rejected": 5,
    }
    assert report["ok"] is False
    bad = {r["line"]: r["reasons"] for r in report["results"] if r["outcome"] == "rejected"}
    assert sorted(bad) == [12, 252, 502, 752, 1001]
    assert "check character" in bad[12][0] or "must be digits" in bad[12][0]
    assert "at least 8" in bad[252][0]
    assert "Q01" in bad[502][0]
    assert bad[752] == ["home_centre: no centre has division code 339900"]
    assert bad[1001] == ["id_number: the same identity number as line 5"]
    with services.read_session() as session:
        assert session.execute(select(func.count()).select_from(experts)).scalar_one() == 995
    # Fix two rows and change one: the rest is unchanged, nothing is duplicated.
    rows[250] = row(250)
    rows[750] = row(750)
    rows[20] = row(20, credit_score="55")
    again = import_file(client, headers, csv_bytes(rows))
    assert again["summary"] == {
        "rows": 1000,
        "created": 2,
        "updated": 1,
        "unchanged": 994,
        "rejected": 3,
    }
    with services.read_session() as session:
        assert session.execute(select(func.count()).select_from(experts)).scalar_one() == 997
        imports = session.execute(
            select(audit_log.c.payload)
            .where(audit_log.c.action == "ExpertsImported")
            .order_by(audit_log.c.seq)
        ).scalars()
        assert [p["event"]["rejected_lines"] for p in imports] == [
            [12, 252, 502, 752, 1001],
            [12, 502, 1001],
        ]
    listed = client.get(f"{API}/experts", params={"limit": 5}, headers=headers).json()
    assert listed["total"] == 997 and len(listed["items"]) == 5
    assert chain_of(services).ok


def test_a_file_that_cannot_be_read_is_refused_whole_with_a_problem(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "operator")
    response = client.post(
        f"{API}/experts/import",
        files={"file": ("专家.csv", "姓名,身份证号\n张三,1\n".encode("gbk"), "text/csv")},
        headers=headers,
    )
    assert response.status_code == 422
    assert "not UTF-8" in response.json()["detail"]
    with services.read_session() as session:
        assert session.execute(select(func.count()).select_from(experts)).scalar_one() == 0


def test_blacklist_unavailable_dates_and_interests_show_in_the_list_and_the_detail(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "operator")
    ids = [
        client.post(f"{API}/experts", json=expert_body(n), headers=headers).json()["id"]
        for n in (1, 2, 3)
    ]
    base = f"{API}/experts"
    # 2026-03-02 is the test clock's date (Beijing)
    entry = client.post(
        f"{base}/{ids[0]}/blacklist",
        json={"reason": "考核不合格", "source": "浙发改〔2026〕1号", "until": "2026-12-31"},
        headers=headers,
    )
    assert entry.status_code == 201, entry.text
    away = client.post(
        f"{base}/{ids[1]}/unavailability",
        json={"start": "2026-03-01", "until": "2026-03-05", "reason": "出差"},
        headers=headers,
    )
    assert away.status_code == 201, away.text
    interest = client.post(
        f"{base}/{ids[2]}/interests",
        json={"uscc": employer(40), "reason": "配偶任职"},
        headers=headers,
    )
    assert interest.status_code == 201, interest.text

    def listed(**params: Any) -> set[str]:
        found = client.get(base, params=params, headers=headers)
        assert found.status_code == 200, found.text
        return {e["id"] for e in found.json()["items"]}

    assert listed(blacklisted=True) == {ids[0]}
    assert listed(available=True) == {ids[2]}
    assert listed(available=True, on="2026-03-06") == {ids[1], ids[2]}
    assert listed(available=False) == {ids[0], ids[1]}
    assert listed(specialty="A08") == set(ids) and listed(specialty="B") == set()
    assert listed(text="欧阳") == set(ids)
    detail = client.get(f"{base}/{ids[0]}", headers=headers).json()
    assert detail["expert"]["blacklisted"] is True
    assert detail["blacklist"][0]["start"] == "2026-03-02"
    assert detail["blacklist"][0]["source"] == "浙发改〔2026〕1号"
    assert client.get(f"{base}/{ids[2]}", headers=headers).json()["interests"][0]["uscc"] == (
        employer(40)
    )
    # lift, remove, withdraw — and the second time is a conflict or not found
    lift = f"{base}/{ids[0]}/blacklist/{entry.json()['id']}/lift"
    assert client.post(lift, json={"reason": "复核撤销"}, headers=headers).status_code == 204
    second = client.post(lift, json={"reason": "复核撤销"}, headers=headers)
    assert second.status_code == 409 and "lifted already" in second.json()["detail"]
    gone = f"{base}/{ids[1]}/unavailability/{away.json()['id']}"
    assert client.delete(gone, headers=headers).status_code == 204
    assert client.delete(gone, headers=headers).status_code == 404
    withdraw = f"{base}/{ids[2]}/interests/{interest.json()['id']}"
    assert client.delete(withdraw, headers=headers).status_code == 204
    assert client.delete(withdraw, headers=headers).status_code == 409
    assert listed(available=True) == set(ids)
    lifted = client.get(f"{base}/{ids[0]}", headers=headers).json()["blacklist"][0]
    assert lifted["lifted_at"] is not None and lifted["lift_reason"] == "复核撤销"
    with services.read_session() as session:
        actions = session.execute(
            select(audit_log.c.action, audit_log.c.actor_id, audit_log.c.address)
            .where(audit_log.c.object_type == "expert")
            .order_by(audit_log.c.seq)
        ).all()
    assert {a for a, *_ in actions} >= {
        "ExpertBlacklisted",
        "ExpertBlacklistLifted",
        "ExpertUnavailabilitySet",
        "ExpertUnavailabilityRemoved",
        "ExpertInterestDeclared",
        "ExpertInterestWithdrawn",
    }
    assert all(
        (actor, address) == (world.users["operator"], "testclient") for _, actor, address in actions
    )


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("blacklist", {"reason": "x", "start": "2026-05-01", "until": "2026-04-01"}, "before"),
        ("blacklist", {"reason": ""}, "reason"),
        ("unavailability", {"start": "2026-03-01", "until": "2027-12-31"}, "at most 366"),
        ("unavailability", {"start": "2026-03-01", "until": "tomorrow"}, "until"),
        ("interests", {"uscc": "91330100MA00000000", "reason": "x"}, "check digit"),
    ],
)
def test_bad_calendar_and_interest_input_is_refused_and_changes_nothing(
    client: TestClient, world: World, services: Services, path: str, body: Any, words: str
) -> None:
    headers = auth(services, "operator")
    expert_id = client.post(f"{API}/experts", json=expert_body(), headers=headers).json()["id"]
    before = audit_count(services)
    response = client.post(f"{API}/experts/{expert_id}/{path}", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]
    assert audit_count(services) == before


def test_identities_are_the_experts_centre_s_own(
    client: TestClient, world: World, services: Services
) -> None:
    operator = auth(services, "operator")
    expert_id = client.post(f"{API}/experts", json=expert_body(), headers=operator).json()["id"]
    supervisor = auth(services, "supervisor")
    assert client.get(f"{API}/experts/{expert_id}", headers=supervisor).status_code == 200
    assert client.post(f"{API}/experts", json=expert_body(2), headers=supervisor).status_code == (
        403
    )
    identity.create_user(
        services.uow(ADMIN_ACTOR),
        username="operator_hz",
        password=PASSWORD,
        display_name="杭州 值班员",
        roles=["operator"],
        org_id=world.orgs["operator"],
        centre_id=world.city_centre_id,
    )
    city = auth(services, "operator_hz")
    assert client.get(f"{API}/experts/{expert_id}", headers=city).status_code == 403
    assert client.get(f"{API}/experts", headers=city).json()["total"] == 0
    other = client.get(f"{API}/experts", params={"centre_id": world.centre_id}, headers=city)
    assert other.status_code == 403
    blacklist = client.post(
        f"{API}/experts/{expert_id}/blacklist", json={"reason": "x"}, headers=city
    )
    assert blacklist.status_code == 403
    # a city operator importing a province row: that row is refused, its own row imported
    report = import_file(
        client, city, csv_bytes([row(5), row(6, home_centre="330100")]), centre="330100"
    )
    assert [r["outcome"] for r in report["results"]] == ["rejected", "created"]
    assert "may not manage the experts of its home centre" in report["results"][0]["reasons"][0]
    admin = auth(services, "admin")
    assert client.get(f"{API}/experts", headers=admin).json()["total"] == 2
    nowhere = expert_body(9, centre_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")
    missing = client.post(f"{API}/experts", json=nowhere, headers=admin)
    assert missing.status_code == 404 and "no centre" in missing.json()["detail"]


def test_an_offset_past_the_databases_integers_is_invalid_input_not_a_server_error(
    client: TestClient, world: World, services: Services
) -> None:
    """The fuzz profile's overflow in the listings' offset (a 500) was here too."""
    headers = auth(services, "operator")
    for offset in (2**64, MAX_OFFSET + 1):
        response = client.get(f"{API}/experts", params={"offset": offset}, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["type"] == "/problems/invalid-input"
    response = client.get(f"{API}/experts", params={"offset": MAX_OFFSET}, headers=headers)
    assert response.status_code == 200 and response.json()["items"] == [], response.text
