"""Notification channels: e-mail through a real SMTP server on loopback (aiosmtpd) and SMS
through a real HTTP gateway on loopback, both loaded through the extension registry; every
channel's outcome recorded per notification — sent, failed with the reason, not configured,
no address — and a broken gateway never stopping the e-mail."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from prex.bootstrap import Services, bootstrap
from prex.config import Settings
from prex.identity.orm import users
from prex.notifications.channels import SIGNATURE_HEADER, installed_channels
from prex.notifications.orm import notification_deliveries, notifications
from prex.worker import run_once
from tests.factories import World, auth, published_tender
from tests.integration.test_email import Inbox, smtp  # noqa: F401 - the SMTP fixture
from tests.webhook_receiver import Receiver

KEY = "gateway-shared-secret-0123456789"


@pytest.fixture
def gateway() -> Iterator[Receiver]:
    receiver = Receiver(answer=200).start()
    yield receiver
    receiver.stop()


def sending(services: Services, settings: Settings, **update: Any) -> Services:
    return bootstrap(settings.model_copy(update=update), clock=services.clock)


def outcomes(services: Services) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(username's user id, channel) → (status, detail), for every delivery record."""
    with services.read_session() as session:
        rows = session.execute(
            select(
                notifications.c.user_id,
                notification_deliveries.c.channel,
                notification_deliveries.c.status,
                notification_deliveries.c.detail,
            ).join(notifications, notifications.c.id == notification_deliveries.c.notification_id)
        ).all()
    return {(r.user_id, r.channel): (r.status, r.detail) for r in rows}


def set_mobile(client: TestClient, services: Services, user: str, number: str) -> Any:
    return client.put("/api/v1/me/mobile", json={"mobile": number}, headers=auth(services, user))


def test_sms_and_email_are_sent_signed_and_recorded_per_channel(
    client: TestClient,
    world: World,
    services: Services,
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
    gateway: Receiver,
) -> None:
    inbox, port = smtp
    answer = set_mobile(client, services, "tenderer", "138 1234-5678")
    assert answer.status_code == 200 and answer.json() == {"mobile": "+8613812345678"}
    published_tender(client, world, auth(services, "agency"))
    live = sending(
        services,
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        sms_gateway_url=gateway.url,
        sms_gateway_key=KEY,
        sms_sender="某市交易中心",
    )
    try:
        assert set(installed_channels(live)) >= {"email", "sms"}
        result = run_once(live)
        assert result.emails == 2 and result.messages == 1
        again = run_once(live)
        assert again.emails == 0 and again.messages == 0  # one delivery per channel, ever
    finally:
        live.close()
    assert len(inbox.messages) == 2
    [message] = gateway.received
    expected = "sha256=" + hmac.new(KEY.encode(), message.body, hashlib.sha256).hexdigest()
    assert message.headers[SIGNATURE_HEADER.lower()] == expected
    assert message.headers["content-type"] == "application/json"
    sms = json.loads(message.body)
    assert sms["to"] == "+8613812345678" and sms["from"] == "某市交易中心"
    assert sms["text"].startswith("【某市交易中心】招标公告已发布")
    users = world.users
    seen = outcomes(services)
    assert seen[(users["tenderer"], "sms")] == ("sent", None)
    assert seen[(users["tenderer"], "email")] == ("sent", None)
    assert seen[(users["agency"], "email")] == ("sent", None)
    status, detail = seen[(users["agency"], "sms")]
    assert status == "no_address" and "no address for sms" in str(detail)
    mine = client.get("/api/v1/me/notifications", headers=auth(services, "tenderer")).json()
    assert mine[0]["deliveries"]["sms"]["status"] == "sent"


@pytest.mark.parametrize("down", [True, False], ids=["gateway-down", "gateway-500"])
def test_a_failing_gateway_is_recorded_with_its_reason_and_email_still_goes(
    client: TestClient,
    world: World,
    services: Services,
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
    down: bool,
) -> None:
    inbox, port = smtp
    gateway = Receiver(answer=500)
    if not down:
        gateway.start()
    assert set_mobile(client, services, "tenderer", "+86 139 0000 0001").status_code == 200
    published_tender(client, world, auth(services, "agency"))
    live = sending(
        services,
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        sms_gateway_url=gateway.url,
        sms_gateway_key=KEY,
        sms_timeout=2.0,
    )
    try:
        result = run_once(live)
        assert result.emails == 2 and result.messages == 0
        assert run_once(live).messages == 0  # recorded, not retried forever
    finally:
        live.close()
        gateway.stop()
    status, detail = outcomes(services)[(world.users["tenderer"], "sms")]
    assert status == "failed"
    if down:
        assert "gateway unreachable" in str(detail)
    else:
        assert "gateway answered 500" in str(detail) and len(gateway.received) == 1
    assert len(inbox.messages) == 2


def test_channels_not_configured_are_recorded_as_such(
    client: TestClient, world: World, services: Services, settings: Settings
) -> None:
    assert set_mobile(client, services, "tenderer", "13812345678").status_code == 200
    published_tender(client, world, auth(services, "agency"))
    result = run_once(services)  # no SMTP host, no gateway
    assert result.notifications >= 2 and result.emails == 0 and result.messages == 0
    seen = outcomes(services)
    assert seen[(world.users["tenderer"], "sms")][0] == "not_configured"
    assert seen[(world.users["tenderer"], "email")][0] == "not_configured"


def test_a_mobile_number_must_be_a_mainland_mobile(
    client: TestClient, world: World, services: Services
) -> None:
    for bad in ("12345", "+1 415 555 0100", "010-12345678", "1381234567x"):
        refused = set_mobile(client, services, "tenderer", bad)
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert body["type"] == "/problems/invalid-input" and body["field"] == "mobile"
    cleared = client.put(
        "/api/v1/me/mobile", json={"mobile": None}, headers=auth(services, "tenderer")
    )
    assert cleared.status_code == 200 and cleared.json() == {"mobile": None}
    anonymous = client.put("/api/v1/me/mobile", json={"mobile": "13812345678"})
    assert anonymous.status_code == 401


def test_users_give_their_mobile_number_on_the_notifications_page(
    client: TestClient, world: World, services: Services
) -> None:
    headers = auth(services, "bidder")
    page = client.get("/notifications", headers=headers)
    assert page.status_code == 200 and 'id="mobile-form"' in page.text
    assert "接收短信通知的手机号码" in page.text
    saved = client.post(
        "/notifications/mobile",
        data={"mobile": "0086 139-0000-0002"},
        headers=headers,
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("done=mobile_saved")
    shown = client.get(saved.headers["location"], headers=headers).text
    assert 'value="+8613900000002"' in shown and "接收短信通知的手机号码已保存" in shown
    wrong = client.post("/notifications/mobile", data={"mobile": "12345"}, headers=headers)
    assert wrong.status_code == 422
    assert "不是有效的大陆手机号码" in wrong.text and 'value="12345"' in wrong.text
    cleared = client.post(
        "/notifications/mobile", data={"mobile": ""}, headers=headers, follow_redirects=False
    )
    assert cleared.status_code == 303
    assert 'value=""' in client.get("/notifications", headers=headers).text
    anonymous = client.post("/notifications/mobile", data={"mobile": ""}, follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]


def test_an_account_can_be_made_with_a_mobile_number(
    client: TestClient, world: World, services: Services
) -> None:
    body = {
        "username": "bidder_sms",
        "password": "a-long-password-1",
        "display_name": "短信 联系人",
        "roles": ["bidder"],
        "org_id": world.orgs["bidder"],
        "mobile": "+86 (138) 0000-0003",
    }
    made = client.post("/api/v1/users", json=body, headers=auth(services, "admin"))
    assert made.status_code == 201, made.text
    with services.read_session() as session:
        stored = session.execute(
            select(users.c.mobile).where(users.c.id == made.json()["id"])
        ).scalar_one()
    assert stored == "+8613800000003"
    wrong = client.post(
        "/api/v1/users",
        json={**body, "username": "bidder_sms2", "mobile": "0571-88000000"},
        headers=auth(services, "admin"),
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "mobile"
