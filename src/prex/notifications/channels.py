"""Notification channels (extension point ``prex.notification_channels``): the ways a
notification leaves prex besides the in-app list — e-mail and an SMS gateway ship with prex.

A channel says whether this server has it configured (``enabled``), which of a recipient's
addresses it uses (``address_of``) and sends one message (``send``), raising
:class:`ChannelError` with a reason a person can act on. The notifier
(:func:`prex.notifications.service.send_pending`) sends each notification through every
installed, enabled channel the recipient can be reached by and records per channel what
happened; a channel failing never blocks another, nor the request that caused the
notification (sending runs in ``prex worker``, after the transaction that made it).

The SMS gateway adapter speaks a small, documented HTTP contract (docs/integration.md,
"Extension points"): ``POST`` of a JSON message to ``PREX_SMS_GATEWAY_URL`` with header
``Prex-Signature: sha256=<hex HMAC-SHA256 of the exact body under PREX_SMS_GATEWAY_KEY>``;
any 2xx answer is success. A provider whose API differs is reached through a small relay, or
through a channel module of its own registered beside this one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import httpx

from prex import extensions
from prex.notifications.mailer import Mailer
from prex.shared.errors import DomainError, InvalidInput
from prex.shared.phones import normalise_mobile

if TYPE_CHECKING:
    from prex.bootstrap import Services
    from prex.config import Settings

GROUP = "prex.notification_channels"
SIGNATURE_HEADER = "Prex-Signature"
SMS_MAX_CHARS = 300  # long messages are cut: the full text is in the in-app notification
log = logging.getLogger("prex.notifications")


class ChannelError(Exception):
    """A message could not be sent; ``reason`` says why, for the delivery record."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"{channel}: {reason}")
        self.channel = channel
        self.reason = reason


@dataclass(frozen=True)
class Recipient:
    """Who a notification is for, with every address prex holds for them."""

    user_id: str
    display_name: str
    email: str | None
    mobile: str | None


@runtime_checkable
class NotificationChannel(Protocol):
    name: str  # the entry point name, recorded with each delivery
    enabled: bool  # configured on this server; a disabled channel records "not configured"

    def address_of(self, recipient: Recipient) -> str | None:
        """The recipient's address on this channel (None: they cannot be reached by it)."""
        ...

    def send(self, recipient: str, subject: str, body: str) -> None:
        """Send one message to the address ``recipient``; :class:`ChannelError` if it fails."""
        ...


class EmailChannel:
    """E-mail through the server's mailer (SMTP, ``PREX_SMTP_HOST``)."""

    name = "email"

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer
        self.enabled = mailer.enabled

    def address_of(self, recipient: Recipient) -> str | None:
        return recipient.email or None

    def send(self, recipient: str, subject: str, body: str) -> None:
        if not self.enabled:
            raise ChannelError(self.name, "e-mail is not configured (PREX_SMTP_HOST)")
        try:
            self.mailer.send(recipient, subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            raise ChannelError(self.name, f"{type(exc).__name__}: {exc}") from exc


def sign(key: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


class SmsGateway:
    """The SMS gateway adapter: one signed JSON ``POST`` per message.

    Body (UTF-8 JSON, keys sorted)::

        {"from": "<PREX_SMS_SENDER>", "subject": "…", "text": "【sender】subject\\nbody",
         "to": "+8613812345678"}
    """

    name = "sms"

    def __init__(self, settings: Settings) -> None:
        self.url = settings.sms_gateway_url
        self.key = settings.sms_gateway_key
        self.sender = settings.sms_sender
        self.timeout = settings.sms_timeout
        self.enabled = bool(self.url and self.key)

    def address_of(self, recipient: Recipient) -> str | None:
        return recipient.mobile or None

    def message(self, recipient: str, subject: str, body: str) -> bytes:
        try:
            to = normalise_mobile(recipient)
        except InvalidInput as exc:
            raise ChannelError(self.name, exc.message) from exc
        text = f"【{self.sender}】{subject}\n{body}"[:SMS_MAX_CHARS]
        payload = {"from": self.sender, "subject": subject, "text": text, "to": to}
        return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()

    def send(self, recipient: str, subject: str, body: str) -> None:
        if not self.enabled or self.url is None or self.key is None:
            raise ChannelError(
                self.name, "the SMS gateway is not configured (PREX_SMS_GATEWAY_URL, _KEY)"
            )
        content = self.message(recipient, subject, body)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.key, content)}
        try:
            answer = httpx.post(self.url, content=content, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise ChannelError(
                self.name, f"gateway unreachable: {type(exc).__name__}: {exc}"
            ) from exc
        if not 200 <= answer.status_code < 300:
            raise ChannelError(
                self.name, f"gateway answered {answer.status_code}: {answer.text[:200]}"
            )


def email_channel(services: Services) -> NotificationChannel:
    """The entry point ``email`` of ``prex.notification_channels``."""
    return EmailChannel(services.mailer)


def sms_channel(services: Services) -> NotificationChannel:
    """The entry point ``sms`` of ``prex.notification_channels``."""
    return SmsGateway(services.settings)


def installed_channels(services: Services) -> dict[str, NotificationChannel]:
    """Every installed channel by name, through the extension registry. One that cannot be
    loaded is logged and left out: a broken module never stops the others."""
    try:
        return extensions.load_all(GROUP, services)
    except Exception:  # noqa: BLE001 - an outside module may fail in any way; find which below
        pass
    found: dict[str, NotificationChannel] = {}
    for item in extensions.installed(GROUP):
        try:
            found[item.name] = extensions.load(GROUP, item.name, services)
        except Exception as exc:  # noqa: BLE001
            reason = exc.message if isinstance(exc, DomainError) else repr(exc)
            log.error("notification channel %s not loaded: %s", item.name, reason)
    return found
