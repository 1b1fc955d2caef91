"""Sending e-mail over SMTP (stdlib ``smtplib``). Without ``PREX_SMTP_HOST`` mail is not sent
and notifications stay in-app only; the notification row records which happened."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

from prex.config import Settings


class Mailer(Protocol):
    enabled: bool

    def send(self, to: str, subject: str, body: str) -> None: ...


class SmtpMailer:
    enabled = True

    def __init__(self, host: str, port: int, sender: str) -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.send_message(message)


class DisabledMailer:
    enabled = False

    def send(self, to: str, subject: str, body: str) -> None:
        raise RuntimeError("e-mail is not configured (PREX_SMTP_HOST)")


def make_mailer(settings: Settings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_sender)
    return DisabledMailer()
