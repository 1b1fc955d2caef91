"""Use cases of credit records: record, publish, correct, revoke; records from a referred case,
from a complaint decision (:func:`record_violation`, for the complaints context) and from an
expert's behaviour (the deduction table).

Writers are ``verb_noun(uow, …)``: inside the unit of work they ask the policy
(``credit.manage`` on the issuing centre: the supervisor's own), act on the aggregate and save;
the events go to the audit log and the outbox with the actor and the address.
``*_within`` variants do the same inside a unit of work the caller has opened and commits (a
complaint decision and its credit records in one transaction).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from prex.audit.consumers import advance, claim_batch
from prex.credit.deductions import DeductionTable, bundled_table
from prex.credit.model import (
    CreditRecord,
    Grade,
    RecordKind,
    ScopeKind,
    Source,
    SubjectKind,
    text,
)
from prex.credit.orm import credit_records
from prex.credit.queries import blacklisted_experts, expert_points, local_date
from prex.credit.repository import from_row, get_record, save_record
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import centres, organisations
from prex.identity.policy import SYSTEM, Action, Resource, authorize
from prex.shared.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.credit")
E = TypeVar("E", bound=StrEnum)


def choice(enum: type[E], value: str | None, field_name: str) -> E:
    """``value`` as a member of ``enum``, or an InvalidInput listing the choices."""
    try:
        return enum(value or "")
    except ValueError:
        choices = ", ".join(m.value for m in enum)
        raise InvalidInput(f"{field_name} is one of {choices}", field=field_name) from None


def record_resource(centre_id: str | None, record_id: str | None = None) -> Resource:
    return Resource("credit_record", record_id, centre_id=centre_id)


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    id: str
    code: str | None
    name: str


def find_subject(session: Session, kind: SubjectKind, key: str) -> Subject:
    """An organisation by id or credit code, or an expert by id."""
    key = (key or "").strip()
    if kind is SubjectKind.ORGANISATION:
        org = session.execute(
            select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
                (organisations.c.id == key) | (organisations.c.uscc == key.upper())
            )
        ).first()
        if org is None:
            raise NotFound(f"no organisation {key}", subject=key)
        return Subject(kind, org.id, org.uscc, org.name)
    from prex.experts.orm import experts  # the expert's name stays in the supervisors' view

    expert = session.execute(
        select(experts.c.id, experts.c.name).where(experts.c.id == key)
    ).first()
    if expert is None:
        raise NotFound(f"no expert {key}", subject=key)
    return Subject(kind, expert.id, None, expert.name)


@dataclass(frozen=True)
class RecordCredit:
    """A supervisor's order to record a credit fact (the API's and the CLI's body)."""

    kind: str
    subject_kind: str
    subject: str  # organisation id or USCC; expert id
    basis: str
    facts: str
    valid_from: date | None = None  # None: today (local)
    valid_until: date | None = None  # inclusive; None: until revoked
    authority: str = ""  # None: the supervisor's centre's name
    scope: str = ScopeKind.ALL.value
    scope_value: str | None = None
    points: int = 0
    grade: str | None = None
    publish: bool = True
    source: str = Source.MANUAL.value
    source_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _centre_name(session: Session, centre_id: str) -> str:
    name = session.execute(select(centres.c.name).where(centres.c.id == centre_id)).scalar()
    return str(name or centre_id)


def _existing(
    session: Session, source: Source, source_id: str | None, subject: Subject
) -> CreditRecord | None:
    if source_id is None:
        return None
    row = session.execute(
        select(credit_records).where(
            credit_records.c.source == source.value,
            credit_records.c.source_id == source_id,
            credit_records.c.subject_kind == subject.kind.value,
            credit_records.c.subject_id == subject.id,
        )
    ).first()
    return None if row is None else from_row(row)


def record_within(uow: SqlUnitOfWork, cmd: RecordCredit, *, centre_id: str | None = None) -> Any:
    """Record ``cmd`` in the caller's open unit of work (not committed). The issuing centre is
    ``centre_id`` or the actor's; a record with the same source, source id and subject is
    returned as it is (a retry records nothing twice)."""
    centre = centre_id or uow.actor.centre_id
    if centre is None:
        raise InvalidInput("a credit record is issued by a centre's supervisor", field="centre")
    if uow.actor != SYSTEM:  # the platform's own deductions, driven by events it recorded
        authorize(uow.actor, Action.CREDIT_MANAGE, record_resource(centre))
    kind = choice(RecordKind, cmd.kind, "kind")
    source = choice(Source, cmd.source, "source")
    subject = find_subject(
        uow.session, choice(SubjectKind, cmd.subject_kind, "subject_kind"), cmd.subject
    )
    found = _existing(uow.session, source, cmd.source_id, subject)
    if found is not None:
        return found
    scope = choice(ScopeKind, cmd.scope, "scope")
    scope_value = cmd.scope_value
    if scope is ScopeKind.CENTRE and scope_value:
        known = uow.session.execute(
            select(centres.c.id).where(centres.c.id == scope_value.strip())
        ).first()
        if known is None:
            raise InvalidInput(f"no centre {scope_value}", field="scope_value")
    record = CreditRecord.record(
        clock=uow.clock,
        kind=kind,
        subject_kind=subject.kind,
        subject_id=subject.id,
        subject_code=subject.code,
        subject_name=subject.name,
        centre_id=centre,
        authority=cmd.authority.strip() or _centre_name(uow.session, centre),
        basis=cmd.basis,
        facts=cmd.facts,
        valid_from=cmd.valid_from or local_date(uow.clock),
        valid_until=cmd.valid_until,
        scope=scope,
        scope_value=scope_value,
        points=cmd.points,
        grade=None if cmd.grade is None else choice(Grade, cmd.grade, "grade"),
        source=source,
        source_id=cmd.source_id,
        by=uow.actor.user_id,
    )
    if cmd.publish:
        record.publish(uow.clock, uow.actor.user_id)
    save_record(uow, record)
    return record


def record_credit(uow: SqlUnitOfWork, cmd: RecordCredit) -> CreditRecord:
    """A supervisor records a credit fact of their centre (manual entry, by default)."""
    with uow:
        record: CreditRecord = record_within(uow, cmd)
        uow.commit()
    return record


def record_violation_within(
    uow: SqlUnitOfWork,
    *,
    subject: str,
    basis: str,
    facts: str,
    source: str,
    source_id: str,
    subject_kind: str = SubjectKind.ORGANISATION.value,
    authority: str = "",
    valid_from: date | None = None,
    valid_until: date | None = None,
    publish: bool = True,
    centre_id: str | None = None,
) -> CreditRecord:
    """A violation record from a decision (``source`` complaint or case, with its id), inside the
    caller's open unit of work. Idempotent per (source, source id, subject)."""
    cmd = RecordCredit(
        kind=RecordKind.VIOLATION.value,
        subject_kind=subject_kind,
        subject=subject,
        basis=basis,
        facts=facts,
        valid_from=valid_from,
        valid_until=valid_until,
        authority=authority,
        publish=publish,
        source=source,
        source_id=source_id,
    )
    record: CreditRecord = record_within(uow, cmd, centre_id=centre_id)
    return record


def record_violation(uow: SqlUnitOfWork, **kwargs: Any) -> CreditRecord:
    """:func:`record_violation_within` in its own transaction (committed)."""
    with uow:
        record = record_violation_within(uow, **kwargs)
        uow.commit()
    return record


def _load_to_manage(uow: SqlUnitOfWork, record_id: str) -> CreditRecord:
    record = get_record(uow.session, record_id, lock=True)
    authorize(uow.actor, Action.CREDIT_MANAGE, record_resource(record.centre_id, record.id))
    return record


def publish_record(uow: SqlUnitOfWork, record_id: str) -> CreditRecord:
    with uow:
        record = _load_to_manage(uow, record_id)
        record.publish(uow.clock, uow.actor.user_id)
        save_record(uow, record)
        uow.commit()
    return record


def revoke_record(uow: SqlUnitOfWork, record_id: str, reason: str) -> CreditRecord:
    """Revoke (撤销) a record with a reason; it stays on file with no effect."""
    with uow:
        record = _load_to_manage(uow, record_id)
        record.revoke(uow.clock, uow.actor.user_id, reason)
        save_record(uow, record)
        uow.commit()
    return record


def correct_record(
    uow: SqlUnitOfWork, record_id: str, reason: str, changes: dict[str, Any]
) -> CreditRecord:
    """Correct (更正) fields of a record with a reason; values are already typed by the caller
    except enums, which are checked here."""
    typed = dict(changes)
    if "scope" in typed:
        typed["scope"] = choice(ScopeKind, typed["scope"], "scope")
    if typed.get("grade") is not None:
        typed["grade"] = choice(Grade, typed["grade"], "grade")
    with uow:
        record = _load_to_manage(uow, record_id)
        record.correct(uow.clock, uow.actor.user_id, reason, typed)
        save_record(uow, record)
        uow.commit()
    return record


def read_record(uow: SqlUnitOfWork, record_id: str) -> CreditRecord:
    """A record, for those who may read its centre's records."""
    with uow:
        record = get_record(uow.session, record_id)
    authorize(uow.actor, Action.CREDIT_READ, record_resource(record.centre_id, record.id))
    return record


# ---- from a referred collusion case -----------------------------------------------------------

SUBJECT_GROUPS = ("Tenderer", "Bidder")


def case_organisations(session: Session, case: Any) -> list[Subject]:
    """The organisations a case's hits name: the subject of a bidder-level hit, and every bidder
    listed in a hit's evidence (``detail.bidders``, as the collusion rules give) — those known
    on this platform by id or credit code, in order of first mention."""
    from prex.analytics.risk.orm import flag_hits

    hit_ids = [e.hit_id for e in case.evidence if e.hit_id]
    keys: list[str] = []
    for hit in session.execute(select(flag_hits).where(flag_hits.c.id.in_(hit_ids))):
        if hit.grp in SUBJECT_GROUPS:
            keys.append(str(hit.subject_id))
        detail = hit.detail if isinstance(hit.detail, dict) else {}
        listed = detail.get("bidders")
        if isinstance(listed, list):  # (some rules give a count there, not the bidders)
            keys += [b for b in listed if isinstance(b, str)]
    found: dict[str, Subject] = {}
    for key in dict.fromkeys(keys):
        try:
            subject = find_subject(session, SubjectKind.ORGANISATION, key)
        except NotFound:
            continue  # imported data: an organisation not registered here
        found.setdefault(subject.id, subject)
    return list(found.values())


def records_from_case(
    uow: SqlUnitOfWork,
    case_id: str,
    *,
    basis: str,
    facts: str = "",
    org_ids: list[str] | None = None,
    publish: bool = False,
) -> list[CreditRecord]:
    """One action for a referred case: a violation record for each organisation its evidence
    names (or those of ``org_ids`` among them), source ``case``. Unpublished by default: a
    referral is not yet the competent authority's decision; publish each once it is."""
    from prex.analytics.cases.model import CaseStatus
    from prex.analytics.cases.repository import load_case

    with uow:
        case = load_case(uow, case_id)
        authorize(uow.actor, Action.CASE_READ, Resource("case", case.id, centre_id=case.centre_id))
        if case.status is not CaseStatus.REFERRED:
            raise InvalidInput(
                f"case {case_id} is {case.status.value}: records come from a referred case",
                field="case_id",
            )
        subjects = case_organisations(uow.session, case)
        if org_ids is not None:
            wanted = set(org_ids)
            subjects = [s for s in subjects if s.id in wanted or s.code in wanted]
        if not subjects:
            raise InvalidInput(
                f"case {case_id}'s evidence names no organisation registered here",
                field="org_ids",
            )
        summary = (
            text(facts, "facts", required=False)
            or (f"{case.title} — 移送: {case.decision_reason}")[:4000]
        )
        records = [
            record_violation_within(
                uow,
                subject=s.id,
                basis=basis,
                facts=summary,
                source=Source.CASE.value,
                source_id=case.id,
                publish=publish,
                centre_id=case.centre_id,
            )
            for s in subjects
        ]
        uow.commit()
    return records


# ---- experts' behaviour ------------------------------------------------------------------------


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
    if _existing(uow.session, Source.BEHAVIOUR, f"{rule.code}:{source_id}", subject):
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
