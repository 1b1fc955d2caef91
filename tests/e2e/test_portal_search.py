"""Searching and filtering the public list: every path of the query (the trigram index for
selective terms, the newest-first walk for common and short ones) gives the same answers."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from tests.factories import World, auth, project_body, published_tender, tender_body


def ids(client: TestClient, query: str) -> list[str]:
    response = client.get(f"/api/v1/tenders?{query}")
    assert response.status_code == 200, response.text
    return [t["id"] for t in response.json()["items"]]


def test_search_and_filters_find_exactly_the_matching_tenders(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "agency")
    titles = [
        "量子通信网络建设招标",
        "医院后勤服务采购招标",
        "道路改造工程施工招标",
        "100%_special\\chars 招标",
    ]
    made = {}
    for title in titles:
        made[title] = published_tender(client, world, headers, title=title)["id"]
        services.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    newest_first = [made[t] for t in reversed(titles)]
    assert ids(client, "") == newest_first
    assert ids(client, "q=量子通信") == [made["量子通信网络建设招标"]]
    assert ids(client, "q=医院") == [made["医院后勤服务采购招标"]]  # two characters: no trigram
    assert ids(client, "q=招标") == newest_first
    assert ids(client, "q=100%25_") == [made["100%_special\\chars 招标"]]  # % and _ are literal
    assert ids(client, "q=%25") == [made["100%_special\\chars 招标"]]
    assert ids(client, "q=不存在的词语") == []
    assert ids(client, "transaction_type=procurement") == []
    assert ids(client, "region=330000") == newest_first  # the province contains its cities
    assert ids(client, "region=330200") == []
    assert ids(client, "status=published&q=道路改造") == [made["道路改造工程施工招标"]]
    first = client.get("/api/v1/tenders?limit=3").json()
    rest = ids(client, f"limit=3&cursor={first['next_cursor']}")
    assert [t["id"] for t in first["items"]] + rest == newest_first


def test_a_draft_renamed_before_publication_is_found_by_its_new_title(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "agency")
    project = client.post("/api/v1/projects", json=project_body(world), headers=headers).json()
    tender_id = client.post(
        "/api/v1/tenders",
        json=tender_body(project["id"], services, title="旧标题测试工程"),
        headers=headers,
    ).json()["id"]
    client.patch(f"/api/v1/tenders/{tender_id}", headers=headers, json={"title": "新标题测试工程"})
    client.post(
        f"/api/v1/tenders/{tender_id}/documents",
        headers=headers,
        files={"file": ("a.pdf", b"%PDF", "application/pdf")},
    )
    assert client.post(f"/api/v1/tenders/{tender_id}/publish", headers=headers).status_code == 200
    assert ids(client, "q=新标题测试") == [tender_id]
    assert ids(client, "q=旧标题测试") == []
