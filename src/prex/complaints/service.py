"""Use cases of challenges and complaints: ``verb_noun(uow, services, …)``.

Filing: a bidder or potential bidder (an organisation's user with the bidder role) states what
it complains of (``subject``) and when it knew, attaches evidence documents (uploaded first to
the blob store, :func:`store_evidence`) and signs the act's canonical bytes
(:func:`challenge_bytes`, :func:`complaint_bytes`) with its organisation's certificate: the
signature is checked against CA mutual recognition and bound to the organisation's credit code
(``prex.award.acts``). A late filing is refused quoting the rule pack's period.

Handling: the supervising department of the tender's centre accepts or refuses, may suspend the
tender (``Tender.suspend``: every status move and bid is then refused naming the complaint) and
resume it, and decides in writing: the decision (:func:`decision_document`) is signed with the
deciding supervisor's personal certificate bound to the account, published on the tender page
and applied — the tender resumes, returns from publicity to evaluation, or its award is
cancelled — and ``ComplaintDecided`` names the organisations found at fault.

Reading: a challenge's or complaint's contents are the parties' alone (``COMPLAINT_READ``); to
anyone else it does not exist (404). The public sees the suspension and published decisions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.audit.chain import canonical_json
from prex.award import acts, rounds
from prex.award.access import organisation
from prex.complaints import events as ev
from prex.complaints.errors import ComplaintNotFound
from prex.complaints.model import (
    OPEN,
    Challenge,
    ChallengeStatus,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    Outcome,
    Remedy,
    Subject,
    allowed,
    beijing_date,
    knowing_date,
    last_day,
    require_on_time,
    require_period,
)
from prex.complaints.orm import challenges, complaints
from prex.credit.service import record_violation_within
from prex.db.uow import SqlUnitOfWork
from prex.evaluation.orm import evaluation_rounds
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, authorize, is_allowed
from prex.pki.holder import IdentityMismatch
from prex.pki.orm import user_certificates
from prex.pki.signatures import verify_signed
from prex.shared.blobs import BlobStore, safe_filename
from prex.shared.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from prex.shared.events import to_jsonable
from prex.shared.ids import new_id
from prex.shared.upload_checks import UploadLimits, checked
from prex.tenders.model import AnnouncementKind, Tender, TenderStatus, TransactionType
from prex.tenders.service import get_tender_for, tender_within

if TYPE_CHECKING:
    from prex.bootstrap import Services

DECISION_FORMAT = "prex-complaint-decision"
MAX_TEXT = 8000
MAX_EVIDENCE = 20
CHALLENGE_FIRST = (
    "质疑供应商对采购人、采购代理机构的答复不满意或者采购人、采购代理机构未在规定的时间内作出"
    "答复的，可以在答复期满后十五个工作日内向同级政府采购监督管理部门投诉"
    "（《政府采购法》第五十五条）：投诉前应当先依法质疑"
)


def _text(value: str, name: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise InvalidInput(f"{name} is 1 to {limit} characters", field=name)
    return value


# -- evidence -----------------------------------------------------------------------------------


def store_evidence(
    services: Services,
    actor: Actor,
    *,
    filename: str,
    media_type: str,
    chunks: Iterable[bytes],
) -> dict[str, Any]:
    """Put an evidence document in the blob store (content-addressed); it is attached to a
    challenge or complaint when that is filed, its SHA-256 among the signed bytes."""
    authorize(actor, Action.COMPLAINT_FILE)
    name = safe_filename(filename)
    limits = UploadLimits.from_settings(services.settings)
    ref = services.blobs.put(
        checked(chunks, filename=name, media_type=media_type, limits=limits),
        max_bytes=limits.max_bytes,
        min_bytes=1,
    )
    return {
        "filename": name,
        "sha256": ref.sha256,
        "size": ref.size,
        "media_type": media_type or "application/octet-stream",
    }


@dataclass(frozen=True)
class EvidenceItem:
    filename: str
    sha256: str
    size: int
    media_type: str


def _evidence(blobs: BlobStore, items: list[EvidenceItem]) -> list[dict[str, Any]]:
    if not items:
        raise InvalidInput("attach at least one evidence document", field="evidence")
    if len(items) > MAX_EVIDENCE:
        raise InvalidInput(f"at most {MAX_EVIDENCE} evidence documents", field="evidence")
    out = []
    for item in items:
        if not blobs.exists(item.sha256):
            raise InvalidInput(
                f"evidence {item.sha256} was not uploaded (POST /api/v1/complaint-evidence)",
                field="evidence",
            )
        out.append(
            {
                "filename": safe_filename(item.filename),
                "sha256": item.sha256,
                "size": item.size,
                "media_type": item.media_type,
            }
        )
    return out


# -- what is signed -----------------------------------------------------------------------------


def challenge_bytes(
    tender_id: str, subject: str, known_on: str, known_note: str, text: str, evidence: list[str]
) -> bytes:
    """``{"act":"challenge","evidence":[sha256…],"known_note":…,"known_on":"YYYY-MM-DD",
    "subject":…,"tender_id":…,"text":…}`` in canonical JSON: what the supplier signs."""
    return acts.act_bytes(
        "challenge",
        tender_id=tender_id,
        subject=subject,
        known_on=known_on,
        known_note=known_note,
        text=text,
        evidence=evidence,
    )


def complaint_bytes(
    tender_id: str,
    challenge_id: str | None,
    subject: str,
    known_on: str,
    known_note: str,
    text: str,
    evidence: list[str],
) -> bytes:
    """``{"act":"complaint","challenge_id":…|null,"evidence":[sha256…],"known_note":…,
    "known_on":…,"subject":…,"tender_id":…,"text":…}``: what the complainant signs."""
    return acts.act_bytes(
        "complaint",
        tender_id=tender_id,
        challenge_id=challenge_id,
        subject=subject,
        known_on=known_on,
        known_note=known_note,
        text=text,
        evidence=evidence,
    )


# -- filing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileComplaint:
    """A challenge or complaint as filed; ``known_on`` None means 'the day the act complained
    of was published on the platform'."""

    tender_id: str
    subject: Subject
    text: str
    evidence: list[EvidenceItem]
    signature: str
    known_on: date | None = None
    known_note: str = ""
    challenge_id: str | None = None


def _act_date(tender: Tender, subject: Subject) -> date | None:
    """The day the platform published the act complained of (deemed known that day)."""
    kinds = {
        Subject.DOCUMENTS: (AnnouncementKind.TENDER, AnnouncementKind.AMENDMENT),
        Subject.RESULT: (AnnouncementKind.RESULT,),
    }.get(subject)
    if kinds is not None:
        times = [a.published_at for a in tender.announcements if a.kind in kinds]
        return beijing_date(max(times)) if times else None
    if subject is Subject.OPENING:
        past = tender.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED)
        return beijing_date(tender.bid_deadline) if past else None
    return None


def complaint_known_on(services: Services, actor: Actor, tender_id: str, subject: Subject) -> str:
    """The day (YYYY-MM-DD) a filing about ``subject`` counts from when it states none: the day
    the platform published that act — what a client puts in the bytes it signs."""
    tender = get_tender_for(services.uow(actor), tender_id)
    day = _act_date(tender, subject)
    if day is None:
        raise InvalidInput(f"nothing of kind '{subject.value}' is published yet", field="subject")
    return day.isoformat()


def _filer(services: Services, actor: Actor) -> Any:
    with services.read_session() as session:
        return organisation(session, actor.org_id)


def _known(tender: Tender, cmd: FileComplaint, today: date) -> date:
    if tender.published_at is None:
        raise InvalidInput("the tender is not published", field="tender_id")
    return knowing_date(
        subject=cmd.subject,
        act_on=_act_date(tender, cmd.subject),
        stated=cmd.known_on,
        published_on=beijing_date(tender.published_at),
        today=today,
        known_note=cmd.known_note,
    )


def _number(session: Any, table: Any, prefix: str, tender: Tender) -> str:
    count = session.execute(
        select(func.count()).select_from(table).where(table.c.tender_id == tender.id)
    ).scalar_one()
    return f"{prefix}-{tender.deal_code}-{int(count) + 1:02d}"


def _step(at: datetime, actor: Actor, step: str, note: str = "") -> dict[str, Any]:
    return {"at": at.isoformat(), "step": step, "by": actor.label, "note": note}


def file_challenge(uow: SqlUnitOfWork, services: Services, cmd: FileComplaint) -> dict[str, Any]:
    """A supplier's challenge (质疑) to the purchaser of a procurement tender, within the
    period of knowing; the answer is due within the answer period."""
    authorize(uow.actor, Action.CHALLENGE_FILE)
    tender = get_tender_for(services.uow(uow.actor), cmd.tender_id)
    if tender.transaction_type is not TransactionType.PROCUREMENT:
        raise InvalidInput(
            "challenges (质疑) are the procurement procedure; complain to the supervisor directly",
            field="tender_id",
        )
    pack = services.rule_packs.get(tender.rule_pack_id)
    now = tender.clock(services.clock).now()
    today = beijing_date(now)
    org = _filer(services, uow.actor)
    text = _text(cmd.text, "text")
    evidence = _evidence(services.blobs, cmd.evidence)
    known = _known(tender, cmd, today)
    require_on_time(pack, "challenge.filing-days", known, today, "a challenge is late")
    der = acts.signature_der(cmd.signature)
    data = challenge_bytes(
        tender.id,
        cmd.subject.value,
        known.isoformat(),
        cmd.known_note,
        text,
        [e["sha256"] for e in evidence],
    )
    acts.verify_organisation(services, data, der, uscc=org.uscc, name=org.name)
    due = last_day(pack.calendar, require_period(pack, "challenge.answer-days"), today)
    challenge_id = new_id()
    try:
        with uow:
            number = _number(uow.session, challenges, "ZY", tender)
            uow.session.execute(
                insert(challenges).values(
                    id=challenge_id,
                    number=number,
                    tender_id=tender.id,
                    org_id=org.id,
                    filed_by=uow.actor.user_id,
                    subject=cmd.subject.value,
                    known_on=known,
                    known_note=cmd.known_note,
                    text=text,
                    evidence=evidence,
                    signature=der,
                    filed_at=now,
                    answer_due=due,
                    status=ChallengeStatus.FILED.value,
                    answer_late=False,
                )
            )
            uow.record(
                ev.ChallengeFiled(
                    "challenge",
                    challenge_id,
                    now,
                    tender_id=tender.id,
                    number=number,
                    org_id=org.id,
                    known_on=known.isoformat(),
                    answer_due=due.isoformat(),
                )
            )
            uow.commit()
    except IntegrityError:  # the same number taken by a filing committed meanwhile
        raise Conflict("another filing on this tender was numbered meanwhile; send again") from None
    return challenge_of(services, uow.actor, challenge_id)


def _challenge(row: Any) -> Challenge:
    return Challenge(
        id=row.id,
        number=row.number,
        tender_id=row.tender_id,
        org_id=row.org_id,
        subject=Subject(row.subject),
        known_on=row.known_on,
        text=row.text,
        filed_at=row.filed_at,
        answer_due=row.answer_due,
        status=ChallengeStatus(row.status),
        answer=row.answer,
        answered_at=row.answered_at,
    )


def answer_challenge(
    uow: SqlUnitOfWork, services: Services, challenge_id: str, answer: str
) -> dict[str, Any]:
    """The purchaser's (or its agency's) written answer; an answer after the period is kept
    and marked late (the supplier could complain from the day after the period already)."""
    answer = _text(answer, "answer")
    with uow:
        row = uow.session.execute(
            select(challenges).where(challenges.c.id == challenge_id).with_for_update()
        ).first()
        if row is None:
            raise ComplaintNotFound("challenge", challenge_id)
        tender = tender_within(uow, row.tender_id)
        _visible(uow.actor, "challenge", challenge_id, tender, row.org_id)
        authorize(
            uow.actor, Action.CHALLENGE_ANSWER, complaint_resource(tender, row.org_id, "challenge")
        )
        challenge = _challenge(row)
        now = tender.clock(uow.clock).now()
        late = challenge.answer_with(answer, now)
        uow.session.execute(
            update(challenges)
            .where(challenges.c.id == challenge_id)
            .values(
                status=challenge.status.value,
                answer=answer,
                answered_at=now,
                answered_by=uow.actor.user_id,
                answer_late=late,
            )
        )
        uow.record(
            ev.ChallengeAnswered(
                "challenge", challenge_id, now, tender_id=tender.id, number=row.number, late=late
            )
        )
        uow.commit()
    return challenge_of(services, uow.actor, challenge_id)


def file_complaint(uow: SqlUnitOfWork, services: Services, cmd: FileComplaint) -> dict[str, Any]:
    """A complaint (投诉) to the supervising department: directly within the period of knowing
    (engineering), or after a challenge was answered or its answer period passed, within the
    period after the answer period (procurement)."""
    authorize(uow.actor, Action.COMPLAINT_FILE)
    tender = get_tender_for(services.uow(uow.actor), cmd.tender_id)
    pack = services.rule_packs.get(tender.rule_pack_id)
    now = tender.clock(services.clock).now()
    today = beijing_date(now)
    org = _filer(services, uow.actor)
    text = _text(cmd.text, "text")
    evidence = _evidence(services.blobs, cmd.evidence)
    kind = ComplaintKind(tender.transaction_type.value)
    subject = cmd.subject
    if kind is ComplaintKind.ENGINEERING:
        if cmd.challenge_id is not None:
            raise InvalidInput(
                "an engineering complaint goes to the supervisor directly", field="challenge_id"
            )
        known = _known(tender, cmd, today)
        require_on_time(
            pack, "complaint.filing-days", known, today, "a complaint is filed within the period"
        )
    else:
        if cmd.challenge_id is None:
            raise RuleViolation("complaint.challenge-first", CHALLENGE_FIRST, tender_id=tender.id)
        with services.read_session() as session:
            row = session.execute(
                select(challenges).where(challenges.c.id == cmd.challenge_id)
            ).first()
        if row is None or row.tender_id != tender.id or row.org_id != org.id:
            raise InvalidInput(
                "name a challenge your organisation made on this tender", field="challenge_id"
            )
        challenge = _challenge(row)
        opens = challenge.complaint_opens()
        if today < opens:
            period = require_period(pack, "challenge.answer-days")
            raise RuleViolation(
                "complaint.challenge-first",
                f"{period.quote()}: challenge {challenge.number} is unanswered and its answer "
                f"period runs until {challenge.answer_due.isoformat()}; {CHALLENGE_FIRST}",
                challenge_id=challenge.id,
                answer_due=challenge.answer_due.isoformat(),
            )
        require_on_time(
            pack,
            "complaint.filing-days",
            challenge.answer_due,
            today,
            f"a complaint after challenge {challenge.number} is late",
        )
        known, subject = challenge.known_on, challenge.subject
    der = acts.signature_der(cmd.signature)
    data = complaint_bytes(
        tender.id,
        cmd.challenge_id,
        subject.value,
        known.isoformat(),
        cmd.known_note,
        text,
        [e["sha256"] for e in evidence],
    )
    acts.verify_organisation(services, data, der, uscc=org.uscc, name=org.name)
    acceptance_due = last_day(
        pack.calendar, require_period(pack, "complaint.acceptance-days"), today
    )
    complaint_id = new_id()
    try:
        with uow:
            number = _number(uow.session, complaints, "TS", tender)
            uow.session.execute(
                insert(complaints).values(
                    id=complaint_id,
                    number=number,
                    tender_id=tender.id,
                    centre_id=tender.centre_id,
                    kind=kind.value,
                    org_id=org.id,
                    filed_by=uow.actor.user_id,
                    challenge_id=cmd.challenge_id,
                    subject=subject.value,
                    known_on=known,
                    known_note=cmd.known_note,
                    text=text,
                    evidence=evidence,
                    signature=der,
                    filed_at=now,
                    acceptance_due=acceptance_due,
                    status=ComplaintStatus.FILED.value,
                    steps=[_step(now, uow.actor, "filed")],
                    updated_at=now,
                )
            )
            uow.record(
                ev.ComplaintFiled(
                    "complaint",
                    complaint_id,
                    now,
                    tender_id=tender.id,
                    number=number,
                    kind=kind.value,
                    org_id=org.id,
                    challenge_id=cmd.challenge_id,
                    known_on=known.isoformat(),
                    acceptance_due=acceptance_due.isoformat(),
                    evidence=[e["sha256"] for e in evidence],
                )
            )
            uow.commit()
    except IntegrityError:  # the same number taken by a filing committed meanwhile
        raise Conflict("another filing on this tender was numbered meanwhile; send again") from None
    return complaint_of(services, uow.actor, complaint_id)


# -- handling -----------------------------------------------------------------------------------


def complaint_resource(tender: Tender, org_id: str, kind: str = "complaint") -> Resource:
    return Resource(kind, tender.id, tender.centre_id, tender.party_org_ids | {org_id})


def _visible(actor: Actor, kind: str, object_id: str, tender: Tender, org_id: str) -> None:
    """A challenge or complaint does not exist for anyone but its parties."""
    if not is_allowed(actor, Action.COMPLAINT_READ, complaint_resource(tender, org_id, kind)):
        raise ComplaintNotFound(kind, object_id)


def _complaint(row: Any) -> Complaint:
    return Complaint(
        id=row.id,
        number=row.number,
        tender_id=row.tender_id,
        centre_id=row.centre_id,
        kind=ComplaintKind(row.kind),
        org_id=row.org_id,
        challenge_id=row.challenge_id,
        subject=Subject(row.subject),
        known_on=row.known_on,
        text=row.text,
        filed_at=row.filed_at,
        acceptance_due=row.acceptance_due,
        status=ComplaintStatus(row.status),
        decision_due=row.decision_due,
        steps=list(row.steps),
    )


class _Handling:
    """One supervisor's act on a complaint: the row and the tender under lock, checked."""

    def __init__(self, uow: SqlUnitOfWork, complaint_id: str, action: Action) -> None:
        row = uow.session.execute(
            select(complaints).where(complaints.c.id == complaint_id).with_for_update()
        ).first()
        if row is None:
            raise ComplaintNotFound("complaint", complaint_id)
        self.uow = uow
        self.row = row
        self.tender = tender_within(uow, row.tender_id)
        _visible(uow.actor, "complaint", complaint_id, self.tender, row.org_id)
        authorize(uow.actor, action, complaint_resource(self.tender, row.org_id))
        self.complaint = _complaint(row)
        self.now = self.tender.clock(uow.clock).now()

    def lift(self, note: str) -> None:
        """Lift the suspension this complaint ordered, if any."""
        if self.tender.suspended_by_complaint == self.complaint.id:
            self.tender.resume(self.uow.clock, complaint_id=self.complaint.id, note=note)
            self.complaint.steps.append(_step(self.now, self.uow.actor, "resumed", note))

    def save(self, **values: Any) -> None:
        self.uow.session.execute(
            update(complaints)
            .where(complaints.c.id == self.complaint.id)
            .values(
                status=self.complaint.status.value,
                decision_due=self.complaint.decision_due,
                steps=self.complaint.steps,
                updated_at=self.now,
                **values,
            )
        )


def accept_complaint(uow: SqlUnitOfWork, services: Services, complaint_id: str) -> dict[str, Any]:
    """Accept (受理); the decision period starts (kept late-marked after the acceptance
    period: the supervisor's duty, not the complainant's, so it is not refused)."""
    with uow:
        h = _Handling(uow, complaint_id, Action.COMPLAINT_HANDLE)
        pack = services.rule_packs.get(h.tender.rule_pack_id)
        late = h.complaint.accept(pack, h.now)
        due = h.complaint.decision_due
        assert due is not None
        h.complaint.steps.append(_step(h.now, uow.actor, "accepted", "late" if late else ""))
        h.save()
        uow.record(
            ev.ComplaintAccepted(
                "complaint",
                complaint_id,
                h.now,
                tender_id=h.tender.id,
                number=h.row.number,
                decision_due=due.isoformat(),
                late=late,
            )
        )
        uow.commit()
    return complaint_of(services, uow.actor, complaint_id)


def refuse_complaint(
    uow: SqlUnitOfWork, services: Services, complaint_id: str, reason: str
) -> dict[str, Any]:
    """Refuse to accept (不予受理) with the written reason; a suspension it ordered is lifted."""
    reason = _text(reason, "reason")
    with uow:
        h = _Handling(uow, complaint_id, Action.COMPLAINT_HANDLE)
        late = h.complaint.refuse(h.now)
        h.complaint.steps.append(_step(h.now, uow.actor, "refused", reason))
        h.lift(f"投诉 {h.row.number} 不予受理")
        h.save(refusal=reason)
        uow.record(
            ev.ComplaintRefused(
                "complaint",
                complaint_id,
                h.now,
                tender_id=h.tender.id,
                number=h.row.number,
                reason=reason,
                late=late,
            )
        )
        uow.commit()
    return complaint_of(services, uow.actor, complaint_id)


def suspend_tender(
    uow: SqlUnitOfWork, services: Services, complaint_id: str, reason: str
) -> dict[str, Any]:
    """Order the tender suspended while the complaint is heard (责令暂停招标投标活动)."""
    reason = _text(reason, "reason", 1000)
    with uow:
        h = _Handling(uow, complaint_id, Action.COMPLAINT_HANDLE)
        if h.complaint.status not in OPEN:
            raise Conflict(
                f"complaint {h.row.number} is {h.complaint.status.value}: only an open "
                "complaint suspends the tender",
                complaint_id=complaint_id,
            )
        h.tender.suspend(
            uow.clock, complaint_id=complaint_id, complaint_ref=h.row.number, reason=reason
        )
        h.complaint.steps.append(_step(h.now, uow.actor, "suspended", reason))
        h.save()
        uow.commit()
    return complaint_of(services, uow.actor, complaint_id)


def resume_tender(
    uow: SqlUnitOfWork, services: Services, complaint_id: str, note: str
) -> dict[str, Any]:
    """Lift the suspension before the decision (the decision lifts it anyway)."""
    note = _text(note, "note", 1000)
    with uow:
        h = _Handling(uow, complaint_id, Action.COMPLAINT_HANDLE)
        if h.tender.suspended_by_complaint != complaint_id:
            raise Conflict(
                f"the tender is not suspended by complaint {h.row.number}",
                complaint_id=complaint_id,
            )
        h.lift(note)
        h.save()
        uow.commit()
    return complaint_of(services, uow.actor, complaint_id)


def withdraw_complaint(
    uow: SqlUnitOfWork, services: Services, complaint_id: str, reason: str
) -> dict[str, Any]:
    """The complainant withdraws before the decision (撤回投诉); a suspension is lifted."""
    reason = _text(reason, "reason", 1000)
    with uow:
        h = _Handling(uow, complaint_id, Action.COMPLAINT_WITHDRAW)
        if uow.actor.org_id != h.row.org_id:
            raise PermissionDenied("only the complainant withdraws its complaint")
        h.complaint.withdraw()
        h.complaint.steps.append(_step(h.now, uow.actor, "withdrawn", reason))
        h.lift(f"投诉 {h.row.number} 已撤回")
        h.save()
        uow.record(
            ev.ComplaintWithdrawn(
                "complaint",
                complaint_id,
                h.now,
                tender_id=h.tender.id,
                number=h.row.number,
                reason=reason,
            )
        )
        uow.commit()
    return complaint_of(services, uow.actor, complaint_id)


# -- the decision -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decide:
    """The decision as the supervisor states it; ``at_fault`` is (organisation id, finding)."""

    outcome: Outcome
    remedy: Remedy
    findings: str
    at_fault: tuple[tuple[str, str], ...] = ()
    decided_on: date | None = None  # the day written on the decision; today if None


def decision_document(
    services: Services, actor: Actor, complaint_id: str, cmd: Decide
) -> tuple[dict[str, Any], bytes]:
    """The written decision the department signs, and its canonical bytes
    (``prex.audit.chain.canonical_json``); ``decided_on`` must be today (Beijing)."""
    with services.read_session() as session:
        row = session.execute(select(complaints).where(complaints.c.id == complaint_id)).first()
    if row is None:
        raise ComplaintNotFound("complaint", complaint_id)
    tender = get_tender_for(services.uow(actor), row.tender_id)
    _visible(actor, "complaint", complaint_id, tender, row.org_id)
    authorize(actor, Action.COMPLAINT_HANDLE, complaint_resource(tender, row.org_id))
    today = beijing_date(tender.clock(services.clock).now())
    decided_on = cmd.decided_on or today
    if decided_on != today:
        raise InvalidInput(
            f"the decision is dated the day it is signed ({today.isoformat()})",
            field="decided_on",
        )
    ids = [org_id for org_id, _ in cmd.at_fault] + [row.org_id]
    if actor.org_id:
        ids.append(actor.org_id)
    with services.read_session() as session:
        orgs = {
            o.id: o
            for o in session.execute(
                select(organisations.c.id, organisations.c.uscc, organisations.c.name).where(
                    organisations.c.id.in_(ids)
                )
            )
        }
    department = orgs.get(actor.org_id or "")
    at_fault = []
    for org_id, finding in cmd.at_fault:
        if org_id not in orgs:
            raise InvalidInput(f"no organisation '{org_id}'", field="at_fault")
        at_fault.append(
            {
                "org_id": org_id,
                "name": orgs[org_id].name,
                "uscc": orgs[org_id].uscc,
                "finding": _text(finding, "finding", 2000),
            }
        )
    complainant = orgs[row.org_id]
    document = {
        "format": DECISION_FORMAT,
        "version": 1,
        "complaint": {
            "id": row.id,
            "number": row.number,
            "filed_on": beijing_date(row.filed_at).isoformat(),
        },
        "tender": {"id": tender.id, "deal_code": tender.deal_code, "title": tender.title},
        "complainant": {"name": complainant.name, "uscc": complainant.uscc},
        "department": None
        if department is None
        else {"name": department.name, "uscc": department.uscc},
        "decided_by": {"user_id": actor.user_id, "name": actor.label},
        "outcome": cmd.outcome.value,
        "remedy": cmd.remedy.value,
        "findings": _text(cmd.findings, "findings"),
        "at_fault": at_fault,
        "decided_on": decided_on.isoformat(),
    }
    return document, canonical_json(document)


def _apply(h: _Handling, remedy: Remedy, number: str, decision_sha256: str) -> None:
    """Apply the decision to the tender after the suspension is lifted. Redoing the evaluation
    closes its current round — evaluation, sheets, report, signatures and objections kept as
    evidence in ``evaluation_rounds`` (:mod:`prex.award.rounds`) — so that the same committee
    evaluates again to a new report, publicity and award."""
    tender, clock = h.tender, h.uow.clock
    note = f"投诉处理决定 {number}"
    if remedy is Remedy.REDO_EVALUATION:
        rounds.supersede(
            h.uow,
            tender.id,
            reason=f"{note}：重新评审",
            complaint_id=h.complaint.id,
            decision_sha256=decision_sha256,
        )
        tender.advance(clock, TenderStatus.EVALUATION, f"{note}：重新评审")
    elif remedy is Remedy.CANCEL_AWARD:
        tender.cancel(clock, f"{note}：中标无效，终止本次招标")


def _verify_supervisor(services: Services, actor: Actor, data: bytes, der: bytes) -> None:
    """A trusted signature (CA mutual recognition) by the deciding supervisor's own personal
    certificate: its holder's identity must be bound to the supervisor's account."""
    verdict = verify_signed(services.pki, data, der, at=services.clock.now())
    holder = verdict.holder
    digest = holder.fingerprint(services.settings.secret_key)
    with services.read_session() as session:
        bound = session.execute(
            select(user_certificates.c.id).where(
                user_certificates.c.user_id == actor.user_id,
                user_certificates.c.identity_kind == "person",
                user_certificates.c.identity_hash == digest,
                user_certificates.c.unbound_at.is_(None),
            )
        ).first()
    if holder.kind != "person" or bound is None:
        raise IdentityMismatch(
            f"the certificate of '{holder.name}' ({holder.display}) is not a personal "
            f"certificate bound to {actor.label}'s account: a decision is signed by the deciding "
            "supervisor (bind it with POST /api/v1/me/certificates)"
        )


_REMEDY_STATUS = {
    Remedy.REDO_EVALUATION: TenderStatus.PUBLICITY,
    Remedy.CANCEL_AWARD: TenderStatus.AWARDED,
}


def decide_complaint(
    uow: SqlUnitOfWork, services: Services, complaint_id: str, cmd: Decide, signature: str
) -> dict[str, Any]:
    """Record the signed decision, publish it and apply it: lift the suspension, then resume,
    return the tender to evaluation or cancel the award; ``ComplaintDecided`` names who was
    found at fault."""
    der = acts.signature_der(signature)
    document, data = decision_document(services, uow.actor, complaint_id, cmd)
    _verify_supervisor(services, uow.actor, data, der)
    digest = hashlib.sha256(data).hexdigest()
    with uow:
        h = _Handling(uow, complaint_id, Action.COMPLAINT_HANDLE)
        needed = _REMEDY_STATUS.get(cmd.remedy)
        if needed is not None and h.tender.status is not needed:
            raise Conflict(
                f"remedy '{cmd.remedy.value}' applies to a tender in '{needed.value}'; tender "
                f"{h.tender.id} is '{h.tender.status.value}'",
                tender_id=h.tender.id,
            )
        late = h.complaint.decide(cmd.outcome, cmd.remedy, h.now)
        h.complaint.steps.append(
            _step(h.now, uow.actor, "decided", f"{cmd.outcome.value} / {cmd.remedy.value}")
        )
        h.lift(f"投诉处理决定 {h.row.number}")
        _apply(h, cmd.remedy, h.row.number, digest)
        h.save(decision=document, decision_sha256=digest, decision_signature=der, decided_at=h.now)
        uow.record(
            ev.ComplaintDecided(
                "complaint",
                complaint_id,
                h.now,
                tender_id=h.tender.id,
                number=h.row.number,
                outcome=cmd.outcome.value,
                remedy=cmd.remedy.value,
                at_fault=[ev.Finding(f["org_id"], f["finding"]) for f in document["at_fault"]],
                decision_sha256=digest,
                late=late,
            )
        )
        _record_violations(h, document, complaint_id, digest)
        uow.commit()
    return complaint_of(services, uow.actor, complaint_id)


def _record_violations(
    h: _Handling, document: dict[str, Any], complaint_id: str, digest: str
) -> None:
    """Each organisation the decision finds at fault gets a published violation record (信用记录)
    in the decision's own transaction: the decision and its credit consequence stand or fall
    together, and the record quotes the decision by number and digest."""
    number = h.row.number
    for finding in document["at_fault"]:
        record_violation_within(
            h.uow,
            subject=finding["org_id"],
            basis=f"投诉处理决定书 {number}（SHA-256 {digest[:16]}…）",
            facts=f"{document['tender']['title']}：{finding['finding']}",
            source="complaint",
            source_id=complaint_id,
            authority=(document.get("department") or {}).get("name", ""),
            centre_id=h.tender.centre_id,
        )


# -- reading ------------------------------------------------------------------------------------


def _org_names(session: Any, ids: Iterable[str]) -> dict[str, str]:
    return dict(
        session.execute(
            select(organisations.c.id, organisations.c.name).where(organisations.c.id.in_(ids))
        ).all()
    )


def _challenge_view(row: Any, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "number": row.number,
        "tender_id": row.tender_id,
        "org_id": row.org_id,
        "org_name": names.get(row.org_id, ""),
        "subject": row.subject,
        "known_on": row.known_on.isoformat(),
        "known_note": row.known_note,
        "text": row.text,
        "evidence": row.evidence,
        "signature": acts.signature_text(row.signature),
        "filed_at": to_jsonable(row.filed_at),
        "answer_due": row.answer_due.isoformat(),
        "status": row.status,
        "answer": row.answer,
        "answered_at": to_jsonable(row.answered_at),
        "answer_late": row.answer_late,
    }


def challenge_of(services: Services, actor: Actor, challenge_id: str) -> dict[str, Any]:
    with services.read_session() as session:
        row = session.execute(select(challenges).where(challenges.c.id == challenge_id)).first()
        if row is None:
            raise ComplaintNotFound("challenge", challenge_id)
        names = _org_names(session, [row.org_id])
    tender = get_tender_for(services.uow(actor), row.tender_id)
    _visible(actor, "challenge", challenge_id, tender, row.org_id)
    return _challenge_view(row, names)


def complaint_view(row: Any, names: dict[str, str], today: date) -> dict[str, Any]:
    complaint = _complaint(row)
    return {
        "id": row.id,
        "number": row.number,
        "tender_id": row.tender_id,
        "kind": row.kind,
        "org_id": row.org_id,
        "org_name": names.get(row.org_id, ""),
        "challenge_id": row.challenge_id,
        "subject": row.subject,
        "known_on": row.known_on.isoformat(),
        "known_note": row.known_note,
        "text": row.text,
        "evidence": row.evidence,
        "signature": acts.signature_text(row.signature),
        "filed_at": to_jsonable(row.filed_at),
        "status": row.status,
        "next": sorted(s.value for s in allowed(complaint.status)),
        "acceptance_due": row.acceptance_due.isoformat(),
        "decision_due": row.decision_due.isoformat() if row.decision_due else None,
        "overdue": complaint.overdue(today),
        "refusal": row.refusal,
        "decision": row.decision,
        "decision_sha256": row.decision_sha256,
        "decision_signature": acts.signature_text(row.decision_signature),
        "decided_at": to_jsonable(row.decided_at),
        "steps": row.steps,
    }


def complaint_of(services: Services, actor: Actor, complaint_id: str) -> dict[str, Any]:
    with services.read_session() as session:
        row = session.execute(select(complaints).where(complaints.c.id == complaint_id)).first()
        if row is None:
            raise ComplaintNotFound("complaint", complaint_id)
        names = _org_names(session, [row.org_id])
    tender = get_tender_for(services.uow(actor), row.tender_id)
    _visible(actor, "complaint", complaint_id, tender, row.org_id)
    view = complaint_view(row, names, beijing_date(tender.clock(services.clock).now()))
    view["tender"] = {
        "id": tender.id,
        "title": tender.title,
        "deal_code": tender.deal_code,
        "status": tender.status.value,
        "suspended_by_complaint": tender.suspended_by_complaint,
        "suspension_reason": tender.suspension_reason,
    }
    return view


def of_tender(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The tender's challenges and complaints the actor may read (its own, or all for the
    tender's parties, centre and supervisor), newest first."""
    tender = get_tender_for(services.uow(actor), tender_id)
    today = beijing_date(tender.clock(services.clock).now())
    with services.read_session() as session:
        crows = list(
            session.execute(
                select(challenges)
                .where(challenges.c.tender_id == tender_id)
                .order_by(challenges.c.filed_at.desc())
            )
        )
        rows = list(
            session.execute(
                select(complaints)
                .where(complaints.c.tender_id == tender_id)
                .order_by(complaints.c.filed_at.desc())
            )
        )
        names = _org_names(session, {r.org_id for r in [*crows, *rows]})

    def may(kind: str, org_id: str) -> bool:
        return is_allowed(actor, Action.COMPLAINT_READ, complaint_resource(tender, org_id, kind))

    return {
        "challenges": [_challenge_view(r, names) for r in crows if may("challenge", r.org_id)],
        "complaints": [complaint_view(r, names, today) for r in rows if may("complaint", r.org_id)],
    }


def open_for_centre(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """The supervisor's worklist: its centre's complaints not yet decided, oldest first."""
    authorize(actor, Action.COMPLAINT_HANDLE)
    today = beijing_date(services.clock.now())
    with services.read_session() as session:
        rows = list(
            session.execute(
                select(complaints)
                .where(
                    complaints.c.centre_id == actor.centre_id,
                    complaints.c.status.in_([s.value for s in OPEN]),
                )
                .order_by(complaints.c.filed_at)
            )
        )
        names = _org_names(session, {r.org_id for r in rows})
    return [complaint_view(r, names, today) for r in rows]


def public_of(services: Services, tender: Tender) -> dict[str, Any]:
    """What everyone sees on the tender page: the suspension (which complaint, why, since when)
    and each published decision with its signature and, for a decision that redid the
    evaluation, the round it closed — never a complaint's text or evidence."""
    with services.read_session() as session:
        rows = list(
            session.execute(
                select(
                    complaints.c.id,
                    complaints.c.number,
                    complaints.c.decision,
                    complaints.c.decision_sha256,
                    complaints.c.decision_signature,
                    complaints.c.decided_at,
                )
                .where(
                    complaints.c.tender_id == tender.id,
                    complaints.c.status == ComplaintStatus.DECIDED.value,
                )
                .order_by(complaints.c.decided_at)
            )
        )
        superseded = {
            r.complaint_id: {"round": r.round, "report_sha256": r.report_sha256}
            for r in session.execute(
                select(
                    evaluation_rounds.c.complaint_id,
                    evaluation_rounds.c.round,
                    evaluation_rounds.c.report_sha256,
                ).where(evaluation_rounds.c.tender_id == tender.id)
            )
        }
    suspension = None
    if tender.suspended_by_complaint is not None:
        suspension = {
            "complaint_id": tender.suspended_by_complaint,
            "complaint_number": tender.suspension_ref,
            "reason": tender.suspension_reason,
            "since": to_jsonable(tender.suspended_at),
        }
    return {
        "suspension": suspension,
        "decisions": [
            {
                "complaint_id": r.id,
                "number": r.number,
                "decision": r.decision,
                "sha256": r.decision_sha256,
                "signature": acts.signature_text(r.decision_signature),
                "decided_at": to_jsonable(r.decided_at),
                # redo_evaluation: the evaluation round it closed (kept as history)
                "superseded_round": superseded.get(r.id),
            }
            for r in rows
        ],
    }
