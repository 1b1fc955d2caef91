"""The ``/analytics`` page without a browser: who is let in (operators and supervisors, with a
nav link; bidders get a 403 page; the public is sent to sign in), a bad filter shown above the
form with the field marked (422), English on request, and an empty warehouse."""

from __future__ import annotations

from fastapi.testclient import TestClient

from prex.bootstrap import Services
from tests.analytics_world import build_market
from tests.factories import World, auth


def test_the_page_is_for_operators_and_supervisors(
    client: TestClient, services: Services, world: World
) -> None:
    first = client.get("/analytics", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login?next=")
    for refused in ("bidder", "tenderer", "admin"):
        page = client.get("/analytics", headers=auth(services, refused))
        assert page.status_code == 403, refused
        assert 'href="/analytics"' not in page.text
    page = client.get("/analytics", headers=auth(services, "operator"))
    assert page.status_code == 200 and 'href="/analytics"' in page.text
    assert "交易大数据看板" in page.text
    assert page.text.count("所选范围内暂无数据。") == 8  # an empty warehouse: empty tables
    assert 'id="analytics-data"' not in page.text  # nothing to draw


def test_a_bad_filter_is_shown_above_the_form_and_english_is_on_request(
    client: TestClient, services: Services, world: World
) -> None:
    build_market(services.settings.data_dir / "warehouse", world.centre_id, world.city_centre_id)
    headers = auth(services, "supervisor")
    page = client.get("/analytics?from=2026-05&to=2026-01", headers=headers)
    assert page.status_code == 422
    assert (
        'id="problem"' in page.text
        and 'name="to" value="2026-01" placeholder="2026-12" size="8" aria-invalid="true"'
        in page.text
    )
    english = client.get("/analytics?type=engineering&lang=en", headers=headers)
    assert english.status_code == 200
    assert "Market dashboards" in english.text and "Single-bid rate" in english.text
    cell = '<td data-key="transaction_type">{}</td>'
    assert cell.format("Engineering construction") in english.text
    assert cell.format("Government procurement") not in english.text
    assert "format=xlsx" in english.text and "type=engineering" in english.text
