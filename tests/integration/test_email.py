"""E-mail notifications through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from prex.bootstrap import Services, bootstrap
from prex.config import Settings
from prex.worker import run_once
from tests.factories import World, auth, published_tender


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_parties_are_mailed_when_their_tender_is_published(
    client: TestClient,
    world: World,
    services: Services,
    settings: Settings,
    smtp: tuple[Inbox, int],
) -> None:
    inbox, port = smtp
    published_tender(client, world, auth(services, "agency"))
    mailing = bootstrap(
        settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port}),
        clock=services.clock,
    )
    try:
        result = run_once(mailing)
        assert result.emails == result.notifications >= 2
        assert run_once(mailing).emails == 0
    finally:
        mailing.close()
    recipients = sorted(r for m in inbox.messages for r in m.rcpt_tos)
    assert recipients == ["agency@example.com", "tenderer@example.com"]
    subject = str(
        make_header(decode_header(message_from_bytes(inbox.messages[0].content)["Subject"]))
    )
    assert subject.startswith("招标公告已发布")


def test_an_unreachable_mail_server_is_recorded_not_retried_forever(
    client: TestClient, world: World, services: Services, settings: Settings
) -> None:
    published_tender(client, world, auth(services, "agency"))
    broken = bootstrap(
        settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port()}),
        clock=services.clock,
    )
    try:
        result = run_once(broken)
        assert result.notifications >= 2 and result.emails == 0
        assert run_once(broken).emails == 0
    finally:
        broken.close()
    inbox = client.get("/api/v1/me/notifications", headers=auth(services, "agency")).json()
    assert inbox and inbox[0]["subject"].startswith("招标公告已发布")
