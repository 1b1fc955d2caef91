"""Turning outbox events into notifications for the people concerned, and sending them.

Runs inside ``prex worker``. Reading the outbox and writing notifications happen in one
transaction that also moves this consumer's cursor, so a crash never loses or repeats a
notification; the channels (e-mail, SMS … — :mod:`prex.notifications.channels`) send
afterwards, once per notification and channel, and what each did is recorded
(``notification_deliveries``) rather than retried forever. Nothing here runs inside the request
that caused the event: a slow or broken gateway never holds up a user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from prex.audit.consumers import advance, claim_batch
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import users
from prex.identity.policy import Role
from prex.notifications.channels import ChannelError, NotificationChannel, Recipient
from prex.notifications.orm import notification_deliveries, notifications
from prex.shared.clock import Clock
from prex.shared.ids import new_id
from prex.tenders.queries import tender_audience

CONSUMER = "notifier"
CHINA = ZoneInfo("Asia/Shanghai")


def _beijing(value: Any) -> str:
    """An ISO instant from an event, as Beijing time for people to read."""
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return instant.astimezone(CHINA).strftime("%Y-%m-%d %H:%M（北京时间）")


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


def _message(event: str, title: str, payload: dict[str, Any]) -> tuple[Message, set[str]] | None:
    """What to say about an event, and to which audience groups."""
    if event == "TenderPublished":
        return Message(
            f"招标公告已发布：{title}", f"投标截止时间 {_beijing(payload['bid_deadline'])}"
        ), {
            "parties",
            "invitees",
        }
    if event == "TenderAmended":
        word = "澄清" if payload["kind"] == "clarification" else "变更"
        return Message(
            f"{word}公告：{title}", f"投标截止时间 {_beijing(payload['new_deadline'])}"
        ), {
            "parties",
            "interested",
            "invitees",
        }
    if event == "TenderCancelled":
        return Message(f"招标已终止：{title}", str(payload["reason"])), {
            "parties",
            "interested",
            "invitees",
        }
    if event == "EnquiryReceived":
        label = "异议" if payload["kind"] == "objection" else "提问"
        due = (
            f"，请于 {_beijing(payload['answer_due'])} 前答复" if payload.get("answer_due") else ""
        )
        return Message(f"收到{label}：{title}", f"有投标人提交了{label}{due}"), {"parties"}
    if event == "EnquiryAnswered":
        groups = {"asker"} | ({"interested"} if payload["published"] else set())
        return Message(f"答疑已发布：{title}", "招标人已答复"), groups
    if event == "BidDeadlineReached":
        return Message(f"投标截止：{title}", "投标截止时间已到，等待开标"), {
            "parties",
            "interested",
        }
    if event == "TenderStatusChanged":
        return Message(f"项目状态变更：{title}", f"当前状态：{payload['status']}"), {
            "parties",
            "interested",
        }
    return None


def _recipients(session: Session, orgs: set[str]) -> list[Any]:
    if not orgs:
        return []
    return list(
        session.execute(
            select(users.c.id, users.c.email).where(
                users.c.org_id.in_(sorted(orgs)), users.c.active
            )
        )
    )


def dispatch_notifications(uow: SqlUnitOfWork, *, batch: int = 200) -> int:
    """Create notifications for the next ``batch`` outbox events; returns how many."""
    created = 0
    with uow:
        session = uow.session
        events = claim_batch(session, CONSUMER, batch)
        for row in events:
            created += _notify(session, row, uow.clock)
        advance(session, CONSUMER, events)
        session.commit()
    return created


def _supervisors(session: Session, centre_id: str | None) -> list[Any]:
    """Active supervisors who may see an alert of ``centre_id`` (every centre's when None: the
    policy lets every supervisor see what belongs to no centre)."""
    query = select(users.c.id, users.c.email, users.c.roles).where(users.c.active)
    if centre_id is not None:
        query = query.where(users.c.centre_id == centre_id)
    return [u for u in session.execute(query) if Role.SUPERVISOR.value in (u.roles or [])]


def _alert_message(payload: dict[str, Any]) -> Message:
    level = ("一级", "二级", "三级", "四级")[int(payload["level"]) - 1]
    subject = "项目" if payload["kind"] == "tender" else "投标人"
    return Message(
        f"{level}报警：{subject} {payload['subject_id']} 风险分 {payload['score']}",
        "红旗规则命中使风险等级上升，请在监督平台查看并处理。",
    )


def _notify(session: Session, row: Any, clock: Clock) -> int:
    if row["object_type"] == "alert" and row["event"] == "AlertRaised":
        recipients = _supervisors(session, row["payload"].get("centre_id"))
        message = _alert_message(row["payload"])
        link = "/supervision/alerts"
    elif row["object_type"] == "user" and row["event"] == "AccountLocked":
        # the account's own holder (never for a name no account has: object id "-")
        recipients = list(
            session.execute(
                select(users.c.id, users.c.email).where(
                    users.c.id == row["object_id"], users.c.active
                )
            )
        )
        message = Message(
            "账户登录已临时锁定",
            f"因连续登录失败，您的账户锁定至 {_beijing(row['payload']['until'])}。"
            "如非本人操作，请尽快联系交易中心并修改密码。",
        )
        link = "/notifications"
    elif row["object_type"] == "tender":
        decided = _tender_message(session, row)
        if decided is None:
            return 0
        message, recipients = decided
        link = f"/tenders/{row['object_id']}"
    else:
        return 0
    for user in recipients:
        session.execute(
            insert(notifications).values(
                id=new_id(),
                user_id=user.id,
                outbox_seq=row["seq"],
                subject=message.subject,
                body=message.body,
                link=link,
                created_at=clock.now(),
            )
        )
    return len(recipients)


def _tender_message(session: Session, row: Any) -> tuple[Message, list[Any]] | None:
    """What to say about a tender's event, and to whom."""
    audience = tender_audience(session, row["object_id"])
    if audience is None:
        return None
    decided = _message(row["event"], audience["title"], row["payload"])
    if decided is None:
        return None
    message, groups = decided
    orgs: set[str] = set()
    for group in groups:
        if group == "asker":
            orgs.add(row["payload"]["org_id"])
        else:
            orgs |= audience[group]
    return message, _recipients(session, orgs)


def send_pending(
    session_factory: Any,
    channels: Mapping[str, NotificationChannel],
    clock: Clock,
    *,
    batch: int = 50,
) -> dict[str, int]:
    """Send notifications through every channel that has not yet handled them; returns how
    many each channel sent.

    Each (notification, channel) gets one delivery record: ``sent``, ``failed`` with the
    reason, ``not_configured`` (the channel is off on this server) or ``no_address`` (the user
    has no address for it). Failures are recorded, not retried forever; a notification made
    while a channel was off is not sent through it later (it would be old news)."""
    sent: dict[str, int] = {}
    with session_factory() as session:
        for name, channel in sorted(channels.items()):
            sent[name] = _deliver(session, name, channel, clock, batch)
    return sent


def _deliver(
    session: Session, name: str, channel: NotificationChannel, clock: Clock, batch: int
) -> int:
    done = select(notification_deliveries.c.notification_id).where(
        notification_deliveries.c.notification_id == notifications.c.id,
        notification_deliveries.c.channel == name,
    )
    pending = session.execute(
        select(
            notifications.c.id,
            notifications.c.subject,
            notifications.c.body,
            users.c.id.label("user_id"),
            users.c.display_name,
            users.c.email,
            users.c.mobile,
        )
        .join(users, users.c.id == notifications.c.user_id)
        .where(~done.exists())
        .order_by(notifications.c.created_at, notifications.c.id)
        .limit(batch)
    ).all()
    sent = 0
    for item in pending:
        recipient = Recipient(item.user_id, item.display_name, item.email, item.mobile)
        status, detail = _send_one(channel, recipient, item.subject, item.body)
        sent += status == "sent"
        now = clock.now()
        session.execute(
            insert(notification_deliveries).values(
                notification_id=item.id, channel=name, status=status, detail=detail, at=now
            )
        )
        if name == "email" and status in ("sent", "failed"):  # the in-app list shows these
            values = {"emailed_at": now} if status == "sent" else {"email_error": detail}
            session.execute(
                update(notifications).where(notifications.c.id == item.id).values(**values)
            )
        session.commit()
    return sent


def _send_one(
    channel: NotificationChannel, recipient: Recipient, subject: str, body: str
) -> tuple[str, str | None]:
    """What one channel did with one message: a status and, unless sent, why."""
    if not channel.enabled:
        return "not_configured", f"the {channel.name} channel is not configured on this server"
    address = channel.address_of(recipient)
    if not address:
        return "no_address", f"{recipient.display_name} has no address for {channel.name}"
    try:
        channel.send(address, subject, body)
    except ChannelError as exc:
        return "failed", exc.reason[:500]
    except Exception as exc:  # noqa: BLE001 - an outside channel's bug fails its message only
        return "failed", f"{type(exc).__name__}: {exc}"[:500]
    return "sent", None


def deliveries_of(session: Session, notification_id: str) -> dict[str, dict[str, Any]]:
    """What each channel did with one notification, by channel name."""
    rows = session.execute(
        select(notification_deliveries).where(
            notification_deliveries.c.notification_id == notification_id
        )
    ).mappings()
    return {
        r["channel"]: {"status": r["status"], "detail": r["detail"], "at": r["at"]} for r in rows
    }


def notifications_for(session: Session, user_id: str, limit: int = 50) -> list[dict[str, Any]]:
    rows = session.execute(
        select(notifications)
        .where(notifications.c.user_id == user_id)
        .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        .limit(limit)
    ).mappings()
    found = [dict(r) for r in rows]
    if found:
        ids = [n["id"] for n in found]
        by_notification: dict[str, dict[str, Any]] = {}
        for d in session.execute(
            select(notification_deliveries).where(
                notification_deliveries.c.notification_id.in_(ids)
            )
        ).mappings():
            by_notification.setdefault(d["notification_id"], {})[d["channel"]] = {
                "status": d["status"],
                "detail": d["detail"],
                "at": d["at"],
            }
        for n in found:
            n["deliveries"] = by_notification.get(n["id"], {})
    return found
