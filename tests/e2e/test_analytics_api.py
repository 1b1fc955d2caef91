"""The dashboards over HTTP: ``/api/v1/analytics/dashboards/{name}`` as JSON, CSV and XLSX
(the same table, parsed back), its filter (a bad value is a 422 problem naming the field), who
may read it (operators and supervisors of their own centres; never bidders or the public), an
empty warehouse, and the data-quality dashboard as the exchange context ranks the centres."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from prex.analytics.dashboards.service import NAMES
from prex.bootstrap import Services
from prex.exchange.quality import score_quality
from prex.shared.clock import FixedClock
from tests import analytics_expected as expected
from tests.analytics_world import Market, build_market
from tests.factories import World, auth
from tests.quality_world import entry, stamped, store, tender

URL = "/api/v1/analytics/dashboards"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def market(services: Services, world: World) -> Market:
    root = services.settings.data_dir / "warehouse"
    return build_market(root, world.centre_id, world.city_centre_id)


def visible(world: World) -> tuple[str, str]:
    return (world.centre_id, world.city_centre_id)


def test_the_supervisor_reads_volume_as_json_csv_and_xlsx_with_the_same_figures(
    client: TestClient, services: Services, world: World, market: Market
) -> None:
    headers = auth(services, "supervisor")
    body = client.get(f"{URL}/volume", headers=headers).json()
    tenders, lots, _bids = expected.selected(market, centres=visible(world))
    want = expected.volume(tenders, lots)
    assert body["name"] == "volume" and body["filter"]["sandbox"] is False
    assert [c["key"] for c in body["columns"]][:3] == ["month", "transaction_type", "region_code"]
    got = {(r["month"], r["transaction_type"], r["region_code"]): r for r in body["rows"]}
    assert set(got) == set(want)
    for key, row in want.items():
        assert Decimal(got[key]["value"]) == row["value"]
        assert got[key]["tenders"] == row["tenders"] and got[key]["lots"] == row["lots"]

    answer = client.get(f"{URL}/volume?format=csv", headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table[0] == [c["key"] for c in body["columns"]]
    assert [dict(zip(table[0], r, strict=True)) for r in table[1:]] == [
        {k: "" if v is None else str(v) for k, v in r.items()} for r in body["rows"]
    ]

    answer = client.get(f"{URL}/volume?format=xlsx", headers=headers)
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(cells[0]) == table[0]
    for line, row in zip(cells[1:], body["rows"], strict=True):
        record = dict(zip(cells[0], line, strict=True))
        assert Decimal(str(record["value"])) == Decimal(row["value"])
        assert record["tenders"] == row["tenders"] and record["month"] == row["month"]


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ("type=procurement", {"txn_type": "procurement"}),
        ("region=330100", {"region": "3301"}),
        ("from=2026-02&to=2026-03", {"month_from": "2026-02", "month_to": "2026-03"}),
        ("sandbox=true", {"sandbox": True}),
        ("centre={city}", {"centre": "{city}"}),
    ],
)
def test_the_filter_narrows_every_dashboard(
    client: TestClient,
    services: Services,
    world: World,
    market: Market,
    query: str,
    args: dict[str, Any],
) -> None:
    headers = auth(services, "operator")
    query = query.format(city=world.city_centre_id)
    args = {
        k: v.format(city=world.city_centre_id) if isinstance(v, str) else v for k, v in args.items()
    }
    tenders, lots, bids = expected.selected(market, centres=visible(world), **args)
    savings = client.get(f"{URL}/savings?{query}", headers=headers).json()["rows"]
    want = expected.savings(tenders, lots)
    assert {(r["month"], r["transaction_type"]): Decimal(r["savings"]) for r in savings} == {
        k: v["savings"] for k, v in want.items()
    }
    suppliers = client.get(f"{URL}/top-suppliers?{query}", headers=headers).json()["rows"]
    assert [(r["supplier_id"], r["bids"]) for r in suppliers] == [
        (r["supplier_id"], r["bids"]) for r in expected.top_suppliers(lots, bids)
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("region=33x", "region"),
        ("type=lottery", "type"),
        ("from=2026-3", "from"),
        ("from=2026-05&to=2026-01", "to"),
        ("sandbox=perhaps", "sandbox"),
        ("format=pdf", "format"),
    ],
)
def test_a_bad_filter_is_a_problem_naming_the_field(
    client: TestClient, services: Services, world: World, query: str, field: str
) -> None:
    answer = client.get(f"{URL}/competition?{query}", headers=auth(services, "supervisor"))
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["type"] == "/problems/invalid-input"
    assert answer.json()["field"] == field


def test_only_operators_and_supervisors_read_the_dashboards(
    client: TestClient, services: Services, world: World, market: Market
) -> None:
    assert client.get(f"{URL}/volume").status_code == 401
    assert client.get(f"{URL}/volume").json()["type"] == "/problems/unauthenticated"
    for refused in ("bidder", "tenderer", "agency", "expert", "admin"):
        answer = client.get(f"{URL}/volume", headers=auth(services, refused))
        assert answer.status_code == 403, refused
        assert answer.json()["type"] == "/problems/forbidden"
    for allowed in ("operator", "supervisor"):
        assert client.get(f"{URL}/volume", headers=auth(services, allowed)).status_code == 200
    # Another centre's figures are not theirs to read; nor is an unknown dashboard there.
    answer = client.get(f"{URL}/volume?centre=other-centre", headers=auth(services, "operator"))
    assert answer.status_code == 403
    assert client.get(f"{URL}/rankings", headers=auth(services, "operator")).status_code == 404


def test_an_empty_warehouse_gives_empty_tables(
    client: TestClient, services: Services, world: World
) -> None:
    headers = auth(services, "supervisor")
    for name in NAMES:
        answer = client.get(f"{URL}/{name}?region=33", headers=headers)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["rows"] == [] and answer.json()["columns"]
        answer = client.get(f"{URL}/{name}?format=xlsx", headers=headers)
        sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
        assert sheet is not None and sheet.max_row == 1


def test_the_quality_dashboard_is_the_exchange_ranking(
    client: TestClient, services: Services, world: World, clock: FixedClock
) -> None:
    feb = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    for platform, serial, price in (("PREX330100", 1, None), ("PREX330200", 2, Decimal(9))):
        extra = {} if price is None else {"notice_price": price}
        for name, record in tender(platform, serial, feb - timedelta(days=40), **extra):
            clock.set(stamped(record) + timedelta(hours=1))
            store(services, platform, [entry(name, record)])
    clock.set(feb + timedelta(days=20))
    score_quality(services)
    headers = auth(services, "supervisor")
    rows = client.get(f"{URL}/quality?type=engineering", headers=headers).json()["rows"]
    ranking = client.get("/api/v1/quality/ranking?type=engineering", headers=headers).json()
    assert [r["code"] for r in rows] == ["PREX330100", "PREX330200"]
    assert rows == ranking["centres"]
    for month in ("2025-12", "2026-01"):  # one month: as the ranking's own period
        rows = client.get(f"{URL}/quality?from={month}&to={month}", headers=headers).json()
        ranking = client.get(f"/api/v1/quality/ranking?period={month}", headers=headers).json()
        assert rows["rows"] == ranking["centres"] and rows["rows"], month
    months = client.get(f"{URL}/quality?from=2025-01&to=2025-02", headers=headers).json()
    assert months["rows"] == []
    city = client.get(f"{URL}/quality?centre={world.city_centre_id}", headers=headers).json()
    assert city["rows"] == []  # the city's platform code (PREX3301) has pushed nothing


def test_the_route_is_documented_with_its_filter_response_model_and_exports(
    client: TestClient,
) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/analytics/dashboards/{name}"]["get"]
    assert operation["x-prex-action"] == "analytics.read"
    params = {p["name"] for p in operation["parameters"]}
    assert {"name", "centre", "region", "type", "from", "to", "sandbox", "format"} <= params
    content = operation["responses"]["200"]["content"]
    assert {"application/json", "text/csv", XLSX} <= set(content)
    assert content["application/json"]["schema"]["$ref"].endswith("/DashboardOut")
    assert {"columns", "rows", "filter"} <= set(
        spec["components"]["schemas"]["DashboardOut"]["properties"]
    )
