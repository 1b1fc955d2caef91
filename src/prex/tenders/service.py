"""Use cases of the tenders context: ``verb_noun(uow, …)``; each loads, acts, commits.

Authorisation is asked here, once per use case, from the policy table; the aggregate checks
the transition table and the rule pack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.bidding.commitment import commit_bids
from prex.bidding.opening_keys import create_opening_key
from prex.credit.model import Where
from prex.credit.queries import refuse_if_blacklisted
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import organisations
from prex.identity.policy import SYSTEM, Action, Resource, authorize, is_allowed
from prex.shared.blobs import BlobStore, safe_filename
from prex.shared.errors import Conflict, InvalidInput, NotFound
from prex.shared.ids import new_id
from prex.shared.upload_checks import UploadLimits, checked
from prex.tenders.deal_code import make_deal_code
from prex.tenders.errors import ProjectNotFound, TenderNotFound
from prex.tenders.model import (
    AmendmentKind,
    DocumentKind,
    EnquiryKind,
    EvaluationMethod,
    Project,
    Tender,
    TenderDocument,
    TenderStatus,
    TransactionType,
    sections_from,
)
from prex.tenders.orm import deal_serials
from prex.tenders.orm import tenders as tenders_table
from prex.tenders.rules import RulePackRegistry

# Media types a tender document may declare; anything else is stored as octet-stream.
KNOWN_MEDIA_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/octet-stream",
        "text/plain",
        "image/png",
        "image/jpeg",
    }
)


def tender_resource(tender: Tender) -> Resource:
    return Resource("tender", tender.id, tender.centre_id, tender.party_org_ids)


def _load(uow: SqlUnitOfWork, tender_id: str, *, lock: bool = False) -> Tender:
    query = select(Tender).where(tenders_table.c.id == tender_id)
    if lock:
        query = query.with_for_update()
    tender = uow.session.execute(query).scalar_one_or_none()
    if tender is None:
        raise TenderNotFound(tender_id)
    return tender


def _visible_or_404(uow: SqlUnitOfWork, tender: Tender) -> None:
    """Drafts of others do not exist as far as the actor can tell."""
    if tender.status is TenderStatus.DRAFT and not is_allowed(
        uow.actor, Action.TENDER_READ_DRAFT, tender_resource(tender)
    ):
        raise TenderNotFound(tender.id)


def _load_for(uow: SqlUnitOfWork, tender_id: str, action: Action, *, lock: bool = False) -> Tender:
    """Load a tender the actor can see (drafts: only its parties) and may act on."""
    tender = _load(uow, tender_id, lock=lock)
    _visible_or_404(uow, tender)
    authorize(uow.actor, action, tender_resource(tender))
    return tender


def _org_uscc(uow: SqlUnitOfWork, org_id: str, field: str) -> tuple[str, str]:
    row = uow.session.execute(
        select(organisations.c.uscc, organisations.c.centre_id).where(organisations.c.id == org_id)
    ).first()
    if row is None:
        raise InvalidInput(f"no organisation '{org_id}'", field=field)
    return str(row.uscc), str(row.centre_id)


def _next_serial(uow: SqlUnitOfWork, uscc: str, day: Any) -> int:
    """The next deal serial of a tenderer for a day, allocated under the row lock."""
    session = uow.session
    row = session.execute(
        select(deal_serials.c.last)
        .where(deal_serials.c.tenderer_uscc == uscc, deal_serials.c.day == day)
        .with_for_update()
    ).first()
    if row is None:
        session.execute(insert(deal_serials).values(tenderer_uscc=uscc, day=day, last=1))
        return 1
    session.execute(
        update(deal_serials)
        .where(deal_serials.c.tenderer_uscc == uscc, deal_serials.c.day == day)
        .values(last=row.last + 1)
    )
    return int(row.last) + 1


def allocate_deal_code(uow: SqlUnitOfWork, uscc: str, day: Any) -> str:
    """A new unified deal code for a deal of ``uscc`` on ``day`` that carries none of its own
    (a listing), from the same serials as projects so that codes never collide."""
    return make_deal_code(uscc, day, _next_serial(uow, uscc, day))


@dataclass(frozen=True)
class RegisterProject:
    name: str
    transaction_type: TransactionType
    region_code: str
    tenderer_org_id: str
    agency_org_id: str | None
    budget: Decimal
    funding_source: str = ""
    approval_ref: str = ""
    sandbox: bool = False


def register_project(uow: SqlUnitOfWork, cmd: RegisterProject) -> Project:
    parties = frozenset(o for o in (cmd.tenderer_org_id, cmd.agency_org_id) if o)
    with uow:
        uscc, centre_id = _org_uscc(uow, cmd.tenderer_org_id, "tenderer_org_id")
        if cmd.agency_org_id:
            _org_uscc(uow, cmd.agency_org_id, "agency_org_id")
        authorize(uow.actor, Action.PROJECT_CREATE, Resource("project", None, centre_id, parties))
        today = uow.clock.now().date()
        serial = _next_serial(uow, uscc, today)
        project = Project.register(
            clock=uow.clock,
            deal_code=make_deal_code(uscc, today, serial),
            name=cmd.name,
            transaction_type=cmd.transaction_type,
            centre_id=centre_id,
            region_code=cmd.region_code,
            tenderer_org_id=cmd.tenderer_org_id,
            agency_org_id=cmd.agency_org_id,
            budget=cmd.budget,
            funding_source=cmd.funding_source,
            approval_ref=cmd.approval_ref,
            sandbox=cmd.sandbox,
        )
        uow.session.add(project)
        try:
            uow.commit()
        except IntegrityError as exc:
            raise Conflict("the deal code was taken concurrently; retry") from exc
    return project


@dataclass(frozen=True)
class CreateTender:
    project_id: str
    title: str
    description: str
    qualification: str
    evaluation_method: EvaluationMethod
    bid_deadline: datetime
    documents_until: datetime
    sections: list[dict[str, Any]]
    method: str = "open"
    rule_pack_id: str | None = None
    documents_from: datetime | None = None
    opening_place: str = ""
    invitee_org_ids: tuple[str, ...] = ()


def create_tender(
    uow: SqlUnitOfWork, packs: RulePackRegistry, cmd: CreateTender, *, sandbox_acceleration: int
) -> Tender:
    """Create a draft; a sandbox project's tenders run ``sandbox_acceleration`` times faster."""
    with uow:
        project = uow.session.get(Project, cmd.project_id)
        if project is None:
            raise ProjectNotFound(cmd.project_id)
        authorize(
            uow.actor,
            Action.TENDER_CREATE,
            Resource("project", project.id, project.centre_id, project.party_org_ids),
        )
        pack = (
            packs.get(cmd.rule_pack_id)
            if cmd.rule_pack_id
            else packs.for_method(project.transaction_type.value, cmd.method)
        )
        for org_id in cmd.invitee_org_ids:
            _org_uscc(uow, org_id, "invitee_org_ids")
        tender = Tender.create(
            project=project,
            pack=pack,
            clock=uow.clock,
            sections=sections_from(cmd.sections),
            acceleration=sandbox_acceleration,
            title=cmd.title,
            description=cmd.description,
            qualification=cmd.qualification,
            evaluation_method=cmd.evaluation_method,
            bid_deadline=cmd.bid_deadline,
            documents_from=cmd.documents_from,
            documents_until=cmd.documents_until,
            opening_place=cmd.opening_place,
            invitee_org_ids=list(cmd.invitee_org_ids),
        )
        uow.session.add(tender)
        uow.commit()
    return tender


def edit_tender(
    uow: SqlUnitOfWork,
    tender_id: str,
    changes: dict[str, Any],
    sections: list[dict[str, Any]] | None,
) -> Tender:
    with uow:
        tender = _load_for(uow, tender_id, Action.TENDER_EDIT)
        for org_id in changes.get("invitee_org_ids", []):
            _org_uscc(uow, org_id, "invitee_org_ids")
        tender.edit(uow.clock, changes, sections_from(sections) if sections is not None else None)
        uow.commit()
    return tender


@dataclass(frozen=True)
class Upload:
    """A document as received: a name, a declared media type, and its bytes in chunks."""

    filename: str
    media_type: str
    chunks: Iterable[bytes]


def store_upload(
    blobs: BlobStore,
    upload: Upload,
    kind: DocumentKind,
    max_bytes: int,
    now: datetime,
    limits: UploadLimits | None = None,
) -> TenderDocument:
    """Validate the name and stream the bytes into the blob store (nothing else is written)."""
    filename = safe_filename(upload.filename)
    media_type = (
        upload.media_type
        if upload.media_type in KNOWN_MEDIA_TYPES
        else ("application/octet-stream")
    )
    limits = limits or UploadLimits(max_bytes)
    ref = blobs.put(
        checked(upload.chunks, filename=filename, media_type=upload.media_type, limits=limits),
        max_bytes=limits.max_bytes,
        min_bytes=1,
    )
    return TenderDocument(
        id=new_id(),
        kind=kind,
        filename=filename,
        sha256=ref.sha256,
        size=ref.size,
        media_type=media_type,
        uploaded_at=now,
    )


def attach_document(uow: SqlUnitOfWork, tender_id: str, document: TenderDocument) -> Tender:
    with uow:
        tender = _load_for(uow, tender_id, Action.DOCUMENT_UPLOAD)
        tender.attach_document(uow.clock, document)
        uow.commit()
    return tender


def check_document_upload(uow: SqlUnitOfWork, tender_id: str) -> None:
    """Refuse before the bytes are read when the actor may not upload to this tender."""
    with uow:
        _load_for(uow, tender_id, Action.DOCUMENT_UPLOAD)


def check_amendment(uow: SqlUnitOfWork, tender_id: str) -> None:
    """Refuse before the files are read when the actor may not amend this tender."""
    with uow:
        _load_for(uow, tender_id, Action.TENDER_AMEND)


def publish_tender(uow: SqlUnitOfWork, packs: RulePackRegistry, tender_id: str) -> Tender:
    """Publish the announcement and, in the same transaction, make the tender's opening key
    (split among the centre's opening custodians): a published tender can always be bid for."""
    with uow:
        tender = _load_for(uow, tender_id, Action.TENDER_PUBLISH, lock=True)
        pack = packs.get(tender.rule_pack_id)
        tender.publish(uow.clock, pack)
        uow.record(
            create_opening_key(
                uow.session,
                uow.clock,
                tender_id=tender.id,
                centre_id=tender.centre_id,
                rules=pack.sealing,
            )
        )
        uow.commit()
    return tender


@dataclass(frozen=True)
class IssueAmendment:
    tender_id: str
    kind: AmendmentKind
    text: str
    affects_bids: bool
    new_deadline: datetime | None = None


def issue_amendment(
    uow: SqlUnitOfWork,
    packs: RulePackRegistry,
    cmd: IssueAmendment,
    documents: list[TenderDocument] | None = None,
) -> Tender:
    with uow:
        tender = _load_for(uow, cmd.tender_id, Action.TENDER_AMEND, lock=True)
        tender.issue_amendment(
            uow.clock,
            packs.get(tender.rule_pack_id),
            kind=cmd.kind,
            text=cmd.text,
            affects_bids=cmd.affects_bids,
            new_deadline=cmd.new_deadline,
            documents=documents or [],
        )
        uow.commit()
    return tender


def cancel_tender(uow: SqlUnitOfWork, tender_id: str, reason: str) -> Tender:
    with uow:
        tender = _load_for(uow, tender_id, Action.TENDER_CANCEL, lock=True)
        tender.cancel(uow.clock, reason)
        uow.commit()
    return tender


def obtain_documents(uow: SqlUnitOfWork, tender_id: str) -> Tender:
    with uow:
        tender = _load_for(uow, tender_id, Action.DOCUMENT_OBTAIN)
        if uow.actor.org_id is None:
            raise InvalidInput("only a user of an organisation can obtain documents")
        refuse_if_blacklisted(
            uow.session,
            uow.actor.org_id,
            Where(tender.centre_id, tender.region_code, tender.transaction_type.value),
            uow.clock,
            f"obtain the documents of tender {tender.id} (register for it)",
        )
        tender.obtain_documents(uow.clock, uow.actor.org_id)
        uow.commit()
    return tender


def ask_question(
    uow: SqlUnitOfWork, packs: RulePackRegistry, tender_id: str, kind: EnquiryKind, text: str
) -> str:
    with uow:
        tender = _load_for(uow, tender_id, Action.ENQUIRY_ASK)
        if uow.actor.org_id is None:
            raise InvalidInput("only a user of an organisation can ask")
        enquiry = tender.ask(
            uow.clock,
            packs.get(tender.rule_pack_id),
            org_id=uow.actor.org_id,
            kind=kind,
            text=text,
        )
        uow.commit()
    return enquiry.id


def answer_question(
    uow: SqlUnitOfWork, tender_id: str, enquiry_id: str, text: str, *, publish: bool
) -> Tender:
    with uow:
        tender = _load_for(uow, tender_id, Action.ENQUIRY_ANSWER)
        tender.answer(uow.clock, enquiry_id, text, publish=publish)
        uow.commit()
    return tender


def advance_tender(uow: SqlUnitOfWork, tender_id: str, target: TenderStatus, note: str) -> Tender:
    """A later life-cycle step, taken by the system on behalf of the opening and evaluation
    contexts (and by the demo seed); not exposed over HTTP."""
    with uow:
        tender = advance_within(uow, tender_id, target, note)
        uow.commit()
    return tender


def advance_within(uow: SqlUnitOfWork, tender_id: str, target: TenderStatus, note: str) -> Tender:
    """:func:`advance_tender` inside the caller's open unit of work (which commits), so that
    another context's change and the tender's step are one transaction."""
    tender = _load(uow, tender_id, lock=True)
    tender.advance(uow.clock, target, note)
    return tender


def tender_within(uow: SqlUnitOfWork, tender_id: str) -> Tender:
    """The tender under its row lock inside the caller's open unit of work (which commits), for
    another context's verb on it (a complaint's suspension, resumption or decision)."""
    return _load(uow, tender_id, lock=True)


def get_tender_for(uow: SqlUnitOfWork, tender_id: str) -> Tender:
    """Load a tender for display to ``uow.actor`` (drafts only for its parties)."""
    with uow:
        tender = _load(uow, tender_id)
        _visible_or_404(uow, tender)
        uow.session.expunge(tender)
    return tender


def run_due_transitions(
    uow_factory: Any, clock: Any, packs: RulePackRegistry, *, limit: int = 100
) -> int:
    """Apply every due timed transition once. Safe to run in several workers at once: each
    tender is re-read under a row lock (the database write lock on SQLite) and its transition
    is idempotent, so a second worker finds nothing left to do."""
    probe = uow_factory(SYSTEM)
    with probe:
        due_ids = [
            row.id
            for row in probe.session.execute(
                select(tenders_table.c.id)
                .where(tenders_table.c.next_check <= clock.now())
                .order_by(tenders_table.c.next_check)
                .limit(limit)
            )
        ]
    applied = 0
    for tender_id in due_ids:
        uow = uow_factory(SYSTEM)
        with uow:
            try:
                tender = _load(uow, tender_id, lock=True)
            except NotFound:
                continue
            if tender.suspended:  # a complaint holds it; resumed, it is given back (resume)
                continue
            if tender.reach_deadline(uow.clock):
                # The envelopes that will be opened are fixed in the same transaction.
                rules = packs.get(tender.rule_pack_id).sealing
                committed, failure = commit_bids(
                    uow.session,
                    tender_id=tender.id,
                    section_ids=[s.id for s in tender.sections],
                    rules=rules,
                    at=uow.clock.now(),
                )
                uow.record(committed)
                if failure is not None:
                    tender.advance(uow.clock, TenderStatus.FAILED, failure)
                uow.commit()
                applied += 1
    return applied
