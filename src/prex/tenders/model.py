"""The tender aggregate and its parts.

A :class:`Project` (招标项目) carries the unified deal code and its owners; a :class:`Tender`
(one procurement of that project, possibly a re-tender) holds sections (lots), documents,
amendments, enquiries and announcements, and moves through :class:`TenderStatus` only by
the verb methods below, each checked against ``_TRANSITIONS`` and the tender's rule pack.

Pure domain: the standard library and ``prex.shared`` only. Persistence maps these classes
imperatively (``tenders/orm.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from prex.shared.clock import AcceleratedClock, Clock, ensure_utc
from prex.shared.errors import InvalidInput, InvalidTransition, NotFound, RuleViolation
from prex.shared.events import DomainEvent
from prex.shared.ids import new_id
from prex.tenders import events as ev
from prex.tenders.errors import TenderIncomplete, TenderNotEditable, TenderSuspended
from prex.tenders.rules import RulePack


class TransactionType(StrEnum):
    ENGINEERING = "engineering"  # 工程建设项目招标投标
    PROCUREMENT = "procurement"  # 政府采购


class Method(StrEnum):
    OPEN = "open"  # 公开招标
    INVITED = "invited"  # 邀请招标


class EvaluationMethod(StrEnum):
    COMPREHENSIVE = "comprehensive_scoring"  # 综合评分法 / 综合评估法
    LOWEST_PRICE = "lowest_evaluated_price"  # 经评审的最低投标价法


class TenderStatus(StrEnum):
    DRAFT = "draft"  # 草稿: being prepared, visible only to its parties and the centre
    PUBLISHED = "published"  # 招标中: announced; documents issued; bids accepted until deadline
    OPENING = "opening"  # 开标: the bid deadline has passed; the opening is due
    EVALUATION = "evaluation"  # 评标中: bids opened and under evaluation by the committee
    PUBLICITY = "publicity"  # 公示中: winning candidates published; objections may be raised
    AWARDED = "awarded"  # 已定标: award notice issued; contract to be signed
    COMPLETE = "complete"  # 已完成: contract signed
    FAILED = "failed"  # 流标: too few bidders or no acceptable bid
    CANCELLED = "cancelled"  # 已终止: withdrawn by the tenderer or the centre

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({TenderStatus.COMPLETE, TenderStatus.FAILED, TenderStatus.CANCELLED})
# Statuses the public sees; a draft never leaves its parties.
PUBLIC_STATUSES = frozenset(set(TenderStatus) - {TenderStatus.DRAFT})
# Statuses in which bidders may still act on the tender documents.
OPEN_FOR_BIDS = frozenset({TenderStatus.PUBLISHED})

_S = TenderStatus
_TRANSITIONS: dict[TenderStatus, frozenset[TenderStatus]] = {
    _S.DRAFT: frozenset({_S.PUBLISHED, _S.CANCELLED}),
    _S.PUBLISHED: frozenset({_S.OPENING, _S.CANCELLED}),
    _S.OPENING: frozenset({_S.EVALUATION, _S.FAILED, _S.CANCELLED}),
    _S.EVALUATION: frozenset({_S.PUBLICITY, _S.FAILED, _S.CANCELLED}),
    _S.PUBLICITY: frozenset({_S.AWARDED, _S.EVALUATION, _S.CANCELLED}),
    # A supervisor's complaint decision may cancel an award found unlawful (中标无效,
    # 《招标投标法实施条例》第八十一条); the tender ends and is re-run.
    _S.AWARDED: frozenset({_S.COMPLETE, _S.CANCELLED}),
    _S.COMPLETE: frozenset(),
    _S.FAILED: frozenset(),
    _S.CANCELLED: frozenset(),
}


def allowed_transitions(status: TenderStatus) -> frozenset[TenderStatus]:
    return _TRANSITIONS[status]


class DocumentKind(StrEnum):
    TENDER_DOCUMENTS = "tender_documents"  # 招标文件
    DRAWINGS = "drawings"  # 图纸、工程量清单
    CLARIFICATION = "clarification"  # 澄清/修改文件
    OTHER = "other"


class AmendmentKind(StrEnum):
    CLARIFICATION = "clarification"  # 澄清: explains the documents
    AMENDMENT = "amendment"  # 修改/变更: changes the documents or dates


class EnquiryKind(StrEnum):
    QUESTION = "question"  # 提问: a request for clarification
    OBJECTION = "objection"  # 异议: an objection to the tender documents (Impl. Reg. art. 22)


class AnnouncementKind(StrEnum):
    TENDER = "tender"  # 招标公告 / 投标邀请书
    AMENDMENT = "amendment"  # 变更公告 / 澄清公告
    CANCELLATION = "cancellation"  # 终止公告
    FAILURE = "failure"  # 流标公告
    RESULT = "result"  # 中标候选人公示 / 中标结果公告


class Project:
    """A project to be tendered (招标项目), owned by a tenderer, optionally run by an agency."""

    def __init__(
        self,
        *,
        id: str,
        deal_code: str,
        name: str,
        transaction_type: TransactionType,
        centre_id: str,
        region_code: str,
        tenderer_org_id: str,
        agency_org_id: str | None,
        budget: Decimal,
        funding_source: str,
        approval_ref: str,
        sandbox: bool,
        created_at: datetime,
    ) -> None:
        self.id = id
        self.deal_code = deal_code
        self.name = name
        self.transaction_type = transaction_type
        self.centre_id = centre_id
        self.region_code = region_code
        self.tenderer_org_id = tenderer_org_id
        self.agency_org_id = agency_org_id
        self.budget = budget
        self.funding_source = funding_source
        self.approval_ref = approval_ref
        self.sandbox = sandbox
        self.created_at = created_at
        self.events: list[DomainEvent] = []

    @classmethod
    def register(cls, *, clock: Clock, **fields: Any) -> Project:
        project = cls(id=new_id(), created_at=clock.now(), **fields)
        project.events.append(
            ev.ProjectRegistered(
                "project",
                project.id,
                project.created_at,
                deal_code=project.deal_code,
                name=project.name,
                tenderer_org_id=project.tenderer_org_id,
                agency_org_id=project.agency_org_id,
                transaction_type=project.transaction_type.value,
                region_code=project.region_code,
                budget=format(project.budget, "f"),
            )
        )
        return project

    @property
    def party_org_ids(self) -> frozenset[str]:
        return frozenset(o for o in (self.tenderer_org_id, self.agency_org_id) if o)


@dataclass
class Section:
    """A section or lot (标段/包): what a bidder bids for; priced separately."""

    id: str
    number: int
    name: str
    budget: Decimal
    ceiling_price: Decimal | None  # 最高投标限价; None when the tender sets none
    qualification: str
    duration_days: int | None


@dataclass
class TenderDocument:
    """A file issued with the tender; the bytes live in the blob store under ``sha256``."""

    id: str
    kind: DocumentKind
    filename: str
    sha256: str
    size: int
    media_type: str
    uploaded_at: datetime
    amendment_id: str | None = None


@dataclass
class Amendment:
    """A clarification or amendment (澄清/修改) issued after publication."""

    id: str
    number: int
    kind: AmendmentKind
    text: str
    affects_bids: bool
    old_deadline: datetime
    new_deadline: datetime
    issued_at: datetime


@dataclass
class Enquiry:
    """A bidder's question or objection, and its answer."""

    id: str
    kind: EnquiryKind
    org_id: str
    text: str
    asked_at: datetime
    answer_due: datetime | None
    answer: str | None = None
    answered_at: datetime | None = None
    answer_published: bool = False


@dataclass
class Announcement:
    """A public notice about the tender, in the order issued."""

    id: str
    kind: AnnouncementKind
    title: str
    body: str
    published_at: datetime


@dataclass
class Interest:
    """An organisation that obtained the documents (获取招标文件): it is told of every change."""

    id: str
    org_id: str
    obtained_at: datetime


class Tender:
    """One tender of a project: the aggregate root of the tender life cycle."""

    def __init__(
        self,
        *,
        id: str,
        project_id: str,
        deal_code: str,
        centre_id: str,
        region_code: str,
        transaction_type: TransactionType,
        method: Method,
        rule_pack_id: str,
        tenderer_org_id: str,
        agency_org_id: str | None,
        title: str,
        description: str,
        qualification: str,
        evaluation_method: EvaluationMethod,
        bid_deadline: datetime,
        documents_from: datetime | None,
        documents_until: datetime,
        opening_place: str,
        invitee_org_ids: list[str],
        sandbox: bool,
        sandbox_epoch: datetime | None,
        acceleration: int,
        created_at: datetime,
    ) -> None:
        self.id = id
        self.project_id = project_id
        self.deal_code = deal_code
        self.centre_id = centre_id
        self.region_code = region_code
        self.transaction_type = transaction_type
        self.method = method
        self.rule_pack_id = rule_pack_id
        self.tenderer_org_id = tenderer_org_id
        self.agency_org_id = agency_org_id
        self.title = title
        self.description = description
        self.qualification = qualification
        self.evaluation_method = evaluation_method
        self.bid_deadline = bid_deadline
        self.documents_from = documents_from
        self.documents_until = documents_until
        self.opening_place = opening_place
        self.invitee_org_ids = invitee_org_ids
        self.sandbox = sandbox
        self.sandbox_epoch = sandbox_epoch
        self.acceleration = acceleration
        self.created_at = created_at
        self.status = TenderStatus.DRAFT
        self.published_at: datetime | None = None
        self.status_changed_at = created_at
        self.status_note = ""
        self.next_check: datetime | None = None
        # A supervisor's order to suspend the tender (暂停招标投标活动) while a complaint is
        # heard: every status move and every bid is refused naming the complaint until lifted.
        self.suspended_by_complaint: str | None = None  # the complaint's id
        self.suspension_ref = ""  # the complaint's number, quoted in refusals
        self.suspension_reason = ""
        self.suspended_at: datetime | None = None
        self.total_budget = Decimal("0.00")
        self.search_text = ""
        self.sections: list[Section] = []
        self.documents: list[TenderDocument] = []
        self.amendments: list[Amendment] = []
        self.enquiries: list[Enquiry] = []
        self.announcements: list[Announcement] = []
        self.interests: list[Interest] = []
        self.events: list[DomainEvent] = []
        self._refresh_derived()

    # ---- creation -------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        project: Project,
        pack: RulePack,
        clock: Clock,
        sections: list[Section],
        acceleration: int = 1,
        **fields: Any,
    ) -> Tender:
        """A new draft for ``project`` under ``pack``; sandbox projects get an accelerated clock."""
        if pack.transaction_type != project.transaction_type.value:
            raise InvalidInput(
                f"rule pack '{pack.id}' is for {pack.transaction_type} transactions, "
                f"the project is {project.transaction_type.value}",
                field="rule_pack",
            )
        now_real = clock.now()
        tender = cls(
            id=new_id(),
            project_id=project.id,
            deal_code=project.deal_code,
            centre_id=project.centre_id,
            region_code=project.region_code,
            transaction_type=project.transaction_type,
            method=Method(pack.method),
            rule_pack_id=pack.id,
            tenderer_org_id=project.tenderer_org_id,
            agency_org_id=project.agency_org_id,
            sandbox=project.sandbox,
            sandbox_epoch=now_real if project.sandbox else None,
            acceleration=acceleration if project.sandbox else 1,
            created_at=now_real,
            **fields,
        )
        tender.sections = list(sections)
        tender._refresh_derived()
        tender._raise(
            ev.TenderCreated,
            clock,
            project_id=project.id,
            title=tender.title,
            method=tender.method.value,
            rule_pack=pack.id,
            sandbox=tender.sandbox,
        )
        return tender

    # ---- time -----------------------------------------------------------------------------

    def clock(self, base: Clock) -> Clock:
        """The tender's own clock: ``base`` itself, or accelerated for a sandbox tender."""
        if self.sandbox and self.sandbox_epoch is not None and self.acceleration > 1:
            return AcceleratedClock(base, ensure_utc(self.sandbox_epoch), self.acceleration)
        return base

    def _to_real(self, base: Clock, instant: datetime) -> datetime:
        local = self.clock(base)
        if isinstance(local, AcceleratedClock):
            return local.to_real(instant)
        return instant

    # ---- draft editing --------------------------------------------------------------------

    EDITABLE_FIELDS = frozenset(
        {
            "title",
            "description",
            "qualification",
            "evaluation_method",
            "bid_deadline",
            "documents_from",
            "documents_until",
            "opening_place",
            "invitee_org_ids",
        }
    )

    def edit(self, clock: Clock, changes: dict[str, Any], sections: list[Section] | None) -> None:
        """Change a draft's fields (and optionally replace its sections)."""
        self._require_draft("fields can be edited")
        unknown = set(changes) - self.EDITABLE_FIELDS
        if unknown:
            raise InvalidInput(f"cannot edit {sorted(unknown)}", field=sorted(unknown)[0])
        for name, value in changes.items():
            setattr(self, name, value)
        if sections is not None:
            self.sections = list(sections)
        self._refresh_derived()
        recorded: dict[str, object] = dict(changes)
        if sections is not None:
            recorded["sections"] = [s.name for s in sections]
        self._raise(ev.TenderEdited, clock, changes=recorded)

    def attach_document(self, clock: Clock, document: TenderDocument) -> None:
        """Add a document to a draft; after publication documents come with amendments."""
        self._require_draft("documents can be attached directly")
        self._add_document(clock, document)

    def _add_document(self, clock: Clock, document: TenderDocument) -> None:
        if any(
            d.sha256 == document.sha256 and d.filename == document.filename for d in self.documents
        ):
            raise InvalidInput(
                f"'{document.filename}' with this content is already attached", field="file"
            )
        self.documents.append(document)
        self._raise(
            ev.DocumentAttached,
            clock,
            document_id=document.id,
            filename=document.filename,
            sha256=document.sha256,
            size=document.size,
            kind=document.kind.value,
        )

    # ---- publication ----------------------------------------------------------------------

    def publish(self, clock: Clock, pack: RulePack) -> None:
        """Publish the announcement: checks completeness and every period of the rule pack."""
        self._check_transition(TenderStatus.PUBLISHED)
        now = self.clock(clock).now()
        missing = []
        if not self.sections:
            missing.append("at least one section")
        if not any(d.kind is DocumentKind.TENDER_DOCUMENTS for d in self.documents):
            missing.append("the tender documents (kind 'tender_documents')")
        if not self.description.strip():
            missing.append("the announcement text (description)")
        if missing:
            raise TenderIncomplete(
                f"tender {self.id} cannot be published without " + ", ".join(missing),
                tender_id=self.id,
            )
        issue_from = ensure_utc(self.documents_from) if self.documents_from else now
        if issue_from < now:
            issue_from = now
        if self.method is Method.INVITED and len(set(self.invitee_org_ids)) < pack.min_invitees:
            raise RuleViolation(
                "invited.min-invitees",
                f"{pack.min_invitees_text}（{pack.min_invitees_source}）: "
                f"{len(set(self.invitee_org_ids))} invited",
                tender_id=self.id,
            )
        pack.require_at_least(
            "deadline.min-days", issue_from, ensure_utc(self.bid_deadline), tender_id=self.id
        )
        pack.require_at_least(
            "documents.min-download-days",
            issue_from,
            ensure_utc(self.documents_until),
            tender_id=self.id,
        )
        if ensure_utc(self.documents_until) > ensure_utc(self.bid_deadline):
            raise InvalidInput(
                "documents cannot be issued after the bid deadline", field="documents_until"
            )
        self.documents_from = issue_from
        self.published_at = now
        self._move(TenderStatus.PUBLISHED, now)
        self.next_check = self._to_real(clock, ensure_utc(self.bid_deadline))
        self._announce(AnnouncementKind.TENDER, f"{self.title} 招标公告", self.description, now)
        self._raise(
            ev.TenderPublished,
            clock,
            deal_code=self.deal_code,
            bid_deadline=ensure_utc(self.bid_deadline),
            documents_from=issue_from,
            documents_until=ensure_utc(self.documents_until),
        )

    # ---- while published -------------------------------------------------------------------

    def issue_amendment(
        self,
        clock: Clock,
        pack: RulePack,
        *,
        kind: AmendmentKind,
        text: str,
        affects_bids: bool,
        new_deadline: datetime | None,
        documents: list[TenderDocument],
    ) -> Amendment:
        """Issue a clarification or amendment; when it affects bids and less than the rule
        pack's notice remains, the deadline must move (Impl. Reg. art. 21)."""
        self._require_status(OPEN_FOR_BIDS, "issue a clarification or amendment")
        now = self.clock(clock).now()
        old_deadline = ensure_utc(self.bid_deadline)
        deadline = ensure_utc(new_deadline) if new_deadline else old_deadline
        if deadline < old_deadline:
            raise InvalidInput(
                "an amendment may extend the bid deadline, never bring it forward",
                field="new_deadline",
            )
        if affects_bids:
            pack.require_at_least(
                "clarification.min-days-before-deadline", now, deadline, tender_id=self.id
            )
        elif deadline <= now:
            raise InvalidInput("the new deadline has already passed", field="new_deadline")
        amendment = Amendment(
            id=new_id(),
            number=len(self.amendments) + 1,
            kind=kind,
            text=text,
            affects_bids=affects_bids,
            old_deadline=old_deadline,
            new_deadline=deadline,
            issued_at=now,
        )
        self.amendments.append(amendment)
        for document in documents:
            document.amendment_id = amendment.id
            self._add_document(clock, document)
        if deadline != old_deadline:
            self.bid_deadline = deadline
            self.documents_until = max(ensure_utc(self.documents_until), now)
            self.next_check = self._to_real(clock, deadline)
        label = "澄清" if kind is AmendmentKind.CLARIFICATION else "变更"
        self._announce(
            AnnouncementKind.AMENDMENT,
            f"{self.title} {label}公告（第{amendment.number}号）",
            text,
            now,
        )
        self._raise(
            ev.TenderAmended,
            clock,
            amendment_id=amendment.id,
            kind=kind.value,
            affects_bids=affects_bids,
            old_deadline=old_deadline,
            new_deadline=deadline,
            document_ids=[d.id for d in documents],
        )
        return amendment

    def obtain_documents(self, clock: Clock, org_id: str) -> None:
        """A bidder obtains the tender documents within the issue window (获取招标文件)."""
        self._require_status(OPEN_FOR_BIDS, "obtain the tender documents")
        now = self.clock(clock).now()
        if self.method is Method.INVITED and org_id not in self.invitee_org_ids:
            raise RuleViolation(
                "invited.only-invitees",
                "邀请招标的招标文件只向收到投标邀请书的投标人发出（《招标投标法》第十七条）",
                tender_id=self.id,
            )
        start = ensure_utc(self.documents_from) if self.documents_from else now
        if not start <= now <= ensure_utc(self.documents_until):
            raise RuleViolation(
                "documents.issue-window",
                f"招标人应当按照招标公告规定的时间发售招标文件（《招标投标法实施条例》第十六条）: "
                f"{start.isoformat()} 至 {ensure_utc(self.documents_until).isoformat()}",
                tender_id=self.id,
            )
        if any(i.org_id == org_id for i in self.interests):
            return
        self.interests.append(Interest(id=new_id(), org_id=org_id, obtained_at=now))
        self._raise(ev.DocumentsObtained, clock, org_id=org_id)

    def ask(
        self, clock: Clock, pack: RulePack, *, org_id: str, kind: EnquiryKind, text: str
    ) -> Enquiry:
        """A bidder asks a question or raises an objection to the documents."""
        self._require_status(OPEN_FOR_BIDS, "ask about the tender documents")
        now = self.clock(clock).now()
        deadline = ensure_utc(self.bid_deadline)
        answer_due = None
        if kind is EnquiryKind.OBJECTION:
            pack.require_at_least(
                "objection.min-days-before-deadline", now, deadline, tender_id=self.id
            )
            answer_due = pack.earliest("objection.answer-days", now)
        elif now >= deadline:
            raise RuleViolation(
                "enquiry.before-deadline",
                "questions close at the bid deadline（投标截止后不再受理提问）",
                tender_id=self.id,
            )
        enquiry = Enquiry(
            id=new_id(), kind=kind, org_id=org_id, text=text, asked_at=now, answer_due=answer_due
        )
        self.enquiries.append(enquiry)
        self._raise(
            ev.EnquiryReceived,
            clock,
            enquiry_id=enquiry.id,
            kind=kind.value,
            org_id=org_id,
            answer_due=answer_due,
        )
        return enquiry

    def answer(self, clock: Clock, enquiry_id: str, text: str, *, publish: bool) -> Enquiry:
        """Answer an enquiry; a published answer becomes visible to every bidder (anonymously)."""
        if self.status.terminal:
            raise InvalidTransition("tender", self.id, self.status.value, "answered")
        enquiry = self.enquiry(enquiry_id)
        if enquiry.answer is not None:
            raise InvalidInput(f"enquiry {enquiry_id} has already been answered", field="answer")
        enquiry.answer = text
        enquiry.answered_at = self.clock(clock).now()
        enquiry.answer_published = publish
        self._raise(
            ev.EnquiryAnswered,
            clock,
            enquiry_id=enquiry.id,
            org_id=enquiry.org_id,
            published=publish,
        )
        return enquiry

    def enquiry(self, enquiry_id: str) -> Enquiry:
        for enquiry in self.enquiries:
            if enquiry.id == enquiry_id:
                return enquiry
        raise NotFound(f"no enquiry '{enquiry_id}' on tender {self.id}", enquiry_id=enquiry_id)

    def document(self, document_id: str) -> TenderDocument:
        for document in self.documents:
            if document.id == document_id:
                return document
        raise NotFound(f"no document '{document_id}' on tender {self.id}", document_id=document_id)

    # ---- time-driven and later steps --------------------------------------------------------

    def due(self, clock: Clock) -> bool:
        """Whether a timed transition is due now (the worker asks before acting)."""
        return self.status is TenderStatus.PUBLISHED and self.clock(clock).now() >= ensure_utc(
            self.bid_deadline
        )

    def reach_deadline(self, clock: Clock) -> bool:
        """At the bid deadline, move to opening. Idempotent: returns False when not due;
        refused (naming the complaint) while the tender is suspended."""
        if not self.due(clock):
            return False
        self.require_not_suspended("reach the bid deadline")
        now = self.clock(clock).now()
        self._move(TenderStatus.OPENING, now)
        self.next_check = None
        self._raise(ev.BidDeadlineReached, clock, bid_deadline=ensure_utc(self.bid_deadline))
        return True

    def advance(self, clock: Clock, target: TenderStatus, note: str) -> None:
        """A life-cycle step after the deadline (opened, candidates published, awarded,
        complete, failed). The contexts that do the work (opening, evaluation) call this."""
        if target in (TenderStatus.PUBLISHED, TenderStatus.OPENING, TenderStatus.CANCELLED):
            raise InvalidInput(f"use the dedicated verb to move to '{target.value}'")
        self._check_transition(target)
        now = self.clock(clock).now()
        previous = self.status
        self._move(target, now, note)
        if target is TenderStatus.FAILED:
            self._announce(AnnouncementKind.FAILURE, f"{self.title} 流标公告", note, now)
        elif target in (TenderStatus.PUBLICITY, TenderStatus.AWARDED):
            label = "中标候选人公示" if target is TenderStatus.PUBLICITY else "中标结果公告"
            self._announce(AnnouncementKind.RESULT, f"{self.title} {label}", note, now)
        self._raise(
            ev.TenderStatusChanged,
            clock,
            previous_status=previous.value,
            status=target.value,
            note=note,
        )

    # ---- suspension by a complaint ------------------------------------------------------------

    @property
    def suspended(self) -> bool:
        return self.suspended_by_complaint is not None

    def suspend(self, clock: Clock, *, complaint_id: str, complaint_ref: str, reason: str) -> None:
        """The supervisor suspends the tender while complaint ``complaint_ref`` is heard
        (《招标投标法实施条例》第六十二条, 《政府采购法》第五十七条). The worker stops looking
        at it (``next_check``); it is given back on :meth:`resume`."""
        if not reason.strip():
            raise InvalidInput("a suspension needs a reason", field="reason")
        if self.status.terminal or self.status is TenderStatus.DRAFT:
            raise InvalidTransition("tender", self.id, self.status.value, "suspended")
        if self.suspended:
            raise TenderSuspended(
                self.id,
                self.suspended_by_complaint or "",
                self.suspension_ref,
                self.suspension_reason,
                "suspend it again",
            )
        self.suspended_by_complaint = complaint_id
        self.suspension_ref = complaint_ref
        self.suspension_reason = reason.strip()
        self.suspended_at = self.clock(clock).now()
        self.next_check = None
        self._raise(
            ev.TenderSuspended,
            clock,
            complaint_id=complaint_id,
            complaint_ref=complaint_ref,
            reason=self.suspension_reason,
        )

    def resume(self, clock: Clock, *, complaint_id: str, note: str) -> None:
        """Lift the suspension ordered for ``complaint_id``; a published tender whose deadline
        is due is given back to the worker at once."""
        if self.suspended_by_complaint != complaint_id:
            raise InvalidTransition("tender", self.id, "not suspended by this complaint", "resumed")
        self.suspended_by_complaint = None
        self.suspension_ref = ""
        self.suspension_reason = ""
        self.suspended_at = None
        if self.status is TenderStatus.PUBLISHED:
            self.next_check = self._to_real(clock, ensure_utc(self.bid_deadline))
        self._raise(ev.TenderResumed, clock, complaint_id=complaint_id, note=note)

    def require_not_suspended(self, what: str) -> None:
        """Refuse ``what`` while a complaint suspends the tender, naming the complaint."""
        if self.suspended_by_complaint is not None:
            raise TenderSuspended(
                self.id,
                self.suspended_by_complaint,
                self.suspension_ref,
                self.suspension_reason,
                what,
            )

    def cancel(self, clock: Clock, reason: str) -> None:
        """Terminate the tender (终止招标) with a public reason."""
        if not reason.strip():
            raise InvalidInput("a cancellation needs a reason", field="reason")
        self._check_transition(TenderStatus.CANCELLED)
        now = self.clock(clock).now()
        previous = self.status
        self._move(TenderStatus.CANCELLED, now, reason)
        self.next_check = None
        if previous is not TenderStatus.DRAFT:
            self._announce(AnnouncementKind.CANCELLATION, f"{self.title} 终止公告", reason, now)
        self._raise(ev.TenderCancelled, clock, reason=reason, previous_status=previous.value)

    # ---- helpers --------------------------------------------------------------------------

    @property
    def party_org_ids(self) -> frozenset[str]:
        """Organisations that own the tender: the tenderer and its agency."""
        return frozenset(o for o in (self.tenderer_org_id, self.agency_org_id) if o)

    def _require_draft(self, what: str) -> None:
        if self.status is not TenderStatus.DRAFT:
            raise TenderNotEditable(self.id, self.status.value, what)

    def _require_status(self, allowed: frozenset[TenderStatus], what: str) -> None:
        if self.status not in allowed:
            raise InvalidTransition("tender", self.id, self.status.value, what)

    def _check_transition(self, target: TenderStatus) -> None:
        self.require_not_suspended(f"move to '{target.value}'")
        if target not in _TRANSITIONS[self.status]:
            raise InvalidTransition("tender", self.id, self.status.value, target.value)

    def _move(self, target: TenderStatus, now: datetime, note: str = "") -> None:
        self._check_transition(target)
        self.status = target
        self.status_changed_at = now
        self.status_note = note

    def _announce(self, kind: AnnouncementKind, title: str, body: str, now: datetime) -> None:
        self.announcements.append(
            Announcement(id=new_id(), kind=kind, title=title, body=body, published_at=now)
        )

    def _refresh_derived(self) -> None:
        self.total_budget = sum((s.budget for s in self.sections), Decimal("0.00"))
        self.search_text = " ".join([self.title, self.deal_code, *(s.name for s in self.sections)])

    def _raise(self, event_type: type[DomainEvent], clock: Clock, **payload: Any) -> None:
        self.events.append(event_type("tender", self.id, self.clock(clock).now(), **payload))


def sections_from(rows: list[dict[str, Any]]) -> list[Section]:
    """Build numbered sections from plain dicts (already validated by the caller)."""
    return [
        Section(
            id=new_id(),
            number=index,
            name=row["name"],
            budget=row["budget"],
            ceiling_price=row.get("ceiling_price"),
            qualification=row.get("qualification", ""),
            duration_days=row.get("duration_days"),
        )
        for index, row in enumerate(rows, start=1)
    ]
