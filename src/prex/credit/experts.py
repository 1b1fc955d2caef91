"""Experts' credit from their behaviour on the platform: the deduction table's points per
occurrence, a credit blacklist when the window's points reach the threshold, and the outbox
consumer that reads the committee's answers (no-shows and refusals) for ``prex worker``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from prex.audit.consumers import advance, claim_batch
from prex.credit.deductions import DeductionTable, bundled_table
from prex.credit.model import CreditRecord, RecordKind, Source, SubjectKind, text
from prex.credit.queries import blacklisted_experts, expert_points, local_date
from prex.credit.service import RecordCredit, existing, find_subject, record_within
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import SYSTEM
from prex.shared.errors import NotFound

if TYPE_CHECKING:
    from prex.bootstrap import Services


def record_expert_behaviour_within(
    uow: SqlUnitOfWork,
    *,
    expert_id: str,
    behaviour: str,
    source_id: str,
    facts: str,
    centre_id: str | None = None,
    table: DeductionTable | None = None,
) -> list[CreditRecord]:
    """Deduct the table's points for ``behaviour`` (``source_id`` names the occurrence: a
    committee member, a justification, a complaint), inside the caller's unit of work; when
    the window's points reach the threshold, blacklist the expert too. Returns the records
    made (none if this occurrence was recorded before)."""
    table = table or bundled_table()
    rule = table.for_behaviour(behaviour)
    from prex.experts.orm import experts

    home = uow.session.execute(
        select(experts.c.centre_id).where(experts.c.id == expert_id)
    ).scalar_one_or_none()
    if home is None:
        raise NotFound(f"no expert {expert_id}", expert_id=expert_id)
    centre = centre_id or home
    subject = find_subject(uow.session, SubjectKind.EXPERT, expert_id)
    if existing(uow.session, Source.BEHAVIOUR, f"{rule.code}:{source_id}", subject):
        return []
    today = local_date(uow.clock)
    made = [
        record_within(
            uow,
            RecordCredit(
                kind=RecordKind.VIOLATION.value,
                subject_kind=SubjectKind.EXPERT.value,
                subject=expert_id,
                basis=f"{rule.code} {rule.title_zh}: {rule.basis}",
                facts=facts,
                valid_from=today,
                points=rule.points,
                publish=False,
                source=Source.BEHAVIOUR.value,
                source_id=f"{rule.code}:{source_id}",
            ),
            centre_id=centre,
        )
    ]
    uow.session.flush()
    since = today - timedelta(days=table.window_days)
    points = expert_points(uow.session, expert_id, since, today)
    if points >= table.blacklist_threshold and not blacklisted_experts(
        uow.session, [expert_id], today
    ):
        made.append(
            record_within(
                uow,
                RecordCredit(
                    kind=RecordKind.BLACKLIST.value,
                    subject_kind=SubjectKind.EXPERT.value,
                    subject=expert_id,
                    basis=table.blacklist_basis,
                    facts=(
                        f"{points} points within {table.window_days} days "
                        f"(threshold {table.blacklist_threshold}), last: {rule.code}"
                    ),
                    valid_from=today,
                    valid_until=today + timedelta(days=table.blacklist_days - 1),
                    publish=False,
                    source=Source.BEHAVIOUR.value,
                    source_id=f"threshold:{made[0].id}",
                ),
                centre_id=centre,
            )
        )
    return made


def record_expert_behaviour(
    uow: SqlUnitOfWork, *, expert_id: str, behaviour: str, source_id: str, facts: str
) -> list[CreditRecord]:
    """A supervisor records an expert's behaviour (e.g. ``deviation``: the justification of a
    deviating score was not sound); deductions per the table. Its own transaction."""
    with uow:
        made = record_expert_behaviour_within(
            uow,
            expert_id=expert_id,
            behaviour=behaviour,
            source_id=source_id,
            facts=text(facts, "facts"),
            centre_id=uow.actor.centre_id,
        )
        uow.commit()
    return made


CONSUMER = "credit-experts"
BEHAVIOURS = {"absent": "absent", "refused": "refused"}


def consume_expert_behaviour(services: Services, *, batch: int = 500) -> int:
    """Outbox consumer: a committee member who answered ``absent`` (no-show) or ``refused``
    gets the table's deduction, recorded by the platform (actor ``system``) for the expert's
    home centre. Returns how many records it made."""
    from prex.experts.committee_orm import committee_members

    made = 0
    with services.uow(SYSTEM) as uow:
        session = uow.session
        events = claim_batch(session, CONSUMER, batch)
        if not events:
            return 0
        for row in events:
            payload = row["payload"] or {}
            if row["event"] != "CommitteeMemberResponded":
                continue
            behaviour = BEHAVIOURS.get(str(payload.get("response")))
            if behaviour is None:
                continue
            member = session.execute(
                select(committee_members.c.expert_id, committee_members.c.tender_id).where(
                    committee_members.c.id == payload.get("member_id")
                )
            ).first()
            if member is None:
                continue
            made += len(
                record_expert_behaviour_within(
                    uow,
                    expert_id=member.expert_id,
                    behaviour=behaviour,
                    source_id=str(payload["member_id"]),
                    facts=f"tender {member.tender_id}: answered '{behaviour}' when drawn",
                )
            )
        advance(session, CONSUMER, events)
        uow.commit()
    return made
