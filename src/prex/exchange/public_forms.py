"""What the public may see of a changed object, and which events change it.

Two gates stand between the outbox and anyone outside the platform:

1. **The event allow-list** (:data:`PUBLIC_EVENTS`). An outbox row reaches the change feed only
   if its event type is listed there, with the public *form* it changes. Every other event type
   the code defines must be listed in :data:`PRIVATE_EVENTS` — logins, sealed bids, custodians'
   shares, the committee before the result, deposits, registrations, evaluation sheets … —
   and a test imports every module and fails for a :class:`~prex.shared.events.DomainEvent`
   subclass in neither set, so a new event type cannot reach (or silently miss) the feed
   without somebody deciding which it is.
2. **The form itself** (:data:`FORMS`). A form function returns the object's *current* public
   form, or ``None`` while the object is not public (a draft, a sandbox (training) tender, an
   opening record not yet published, a result still before publicity). The feed skips a change
   whose form is ``None``; even an event wrongly allow-listed cannot publish a draft.

The forms are the public API's own views, called as the anonymous public — a tender's form is
exactly what ``GET /api/v1/tenders/{id}`` answers to the anonymous public — so there is one
definition of "public" per object and the feed cannot drift from the portal. Event payloads are
never published: they carry ids the public must not see (who asked, who registered).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from prex.auctions import listing_views
from prex.auctions import views as auction_views
from prex.award.awarding import published_of
from prex.experts.committee import REVEALABLE, committee_of
from prex.identity.policy import Actor
from prex.opening.service import published_record
from prex.shared.errors import AuthenticationFailed, NotFound, PermissionDenied
from prex.tenders.model import PUBLIC_STATUSES, Tender, TenderStatus
from prex.tenders.orm import tenders
from prex.web.schemas.tenders import TenderPublic

if TYPE_CHECKING:
    from prex.bootstrap import Services

PUBLIC = Actor(label="public change feed")
"""The anonymous public: every form is computed as what this actor may read."""
BOOK_BIDS = 20
"""Accepted bids in a listing's book form (the newest); older ones were in earlier changes."""

FormFunction = Callable[["Services", str], "dict[str, Any] | None"]


# -- forms --------------------------------------------------------------------------------------


def _visible_status(row: Any) -> TenderStatus | None:
    """The tender's status if the public may see the tender at all: published once (a draft
    cancelled before publication never was), and not a sandbox (training) tender."""
    if row is None or row.sandbox or row.published_at is None:
        return None
    status = TenderStatus(row.status)
    return status if status in PUBLIC_STATUSES else None


def _public_tender_status(services: Services, tender_id: str) -> TenderStatus | None:
    with services.read_session() as session:
        row = session.execute(
            select(tenders.c.status, tenders.c.sandbox, tenders.c.published_at).where(
                tenders.c.id == tender_id
            )
        ).first()
    return _visible_status(row)


def tender_forms(
    services: Services, tender_ids: Collection[str]
) -> dict[str, dict[str, Any] | None]:
    """Tenders as the anonymous public reads them — sections, documents, announcements,
    amendments and clarifications, published questions and answers (never who asked) — many
    at once: one session, one statement for the tenders and one per collection for all of them
    (selectin), where one by one a feed page of a hundred tenders took some nine hundred.
    A page names at most a thousand tenders: one ``IN`` holds them (selectin batches itself)."""
    forms: dict[str, dict[str, Any] | None] = dict.fromkeys(tender_ids)
    with services.read_session() as session:
        rows = session.execute(
            select(tenders.c.id, tenders.c.status, tenders.c.sandbox, tenders.c.published_at).where(
                tenders.c.id.in_(forms)
            )
        ).all()
        visible = [r.id for r in rows if _visible_status(r) is not None]
        if visible:
            loaded = session.execute(select(Tender).where(tenders.c.id.in_(visible))).scalars()
            for tender in loaded:
                forms[tender.id] = TenderPublic.of(tender, private_enquiries_for=None).model_dump(
                    mode="json"
                )
    return forms


def tender_form(services: Services, tender_id: str) -> dict[str, Any] | None:
    """One tender's public form: exactly what ``GET /api/v1/tenders/{id}`` answers the public."""
    return tender_forms(services, [tender_id])[tender_id]


def _or_none(read: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """A public view that refuses the public (NotFound while there is nothing public yet) means
    "not public". Anything else propagates: the feed then stalls at that change, loudly, rather
    than lose it for every consumer."""
    try:
        return read()
    except (NotFound, PermissionDenied, AuthenticationFailed):
        return None


def opening_record_form(services: Services, tender_id: str) -> dict[str, Any] | None:
    """The signed opening record (bidders, prices), once published."""
    if _public_tender_status(services, tender_id) is None:
        return None
    return _or_none(lambda: published_record(services, tender_id))


def result_form(services: Services, tender_id: str) -> dict[str, Any] | None:
    """The published result: candidates or failure, publicity, objections' state, award
    notices and contracts — nothing before the result is published."""
    if _public_tender_status(services, tender_id) is None:
        return None
    return _or_none(lambda: published_of(services, tender_id))


def committee_form(services: Services, tender_id: str) -> dict[str, Any] | None:
    """The committee with its members' names and the draw record, once the result is out
    (before it the public sees pseudonyms at most, and the feed shows nothing)."""
    status = _public_tender_status(services, tender_id)
    if status is None or status not in REVEALABLE:
        return None
    return _or_none(lambda: committee_of(services, PUBLIC, tender_id))


def listing_form(services: Services, listing_id: str) -> dict[str, Any] | None:
    """An announced listing without its reserve or anything of its bidders until it closes."""
    return _or_none(lambda: listing_views.listing_for(services, PUBLIC, listing_id))


def listing_book_form(services: Services, listing_id: str) -> dict[str, Any] | None:
    """The live book: price, countdown and the newest accepted bids by bidder number."""
    return _or_none(lambda: auction_views.book_view(services, listing_id, last=BOOK_BIDS))


def listing_result_form(services: Services, listing_id: str) -> dict[str, Any] | None:
    """The outcome once bidding has closed, with the signed confirmation of the deal."""
    return _or_none(lambda: auction_views.result_view(services, listing_id))


FORMS: Mapping[str, FormFunction] = {
    "tender": tender_form,
    "tender.opening_record": opening_record_form,
    "tender.result": result_form,
    "tender.committee": committee_form,
    "listing": listing_form,
    "listing.book": listing_book_form,
    "listing.result": listing_result_form,
}
"""Public form name → ``function(services, object_id) -> dict | None`` (None: not public)."""


def public_form(services: Services, form: str, object_id: str) -> dict[str, Any] | None:
    """The current public form ``form`` of ``object_id``, or None while it is not public."""
    return FORMS[form](services, object_id)


BATCHED: Mapping[str, Callable[[Services, Collection[str]], dict[str, dict[str, Any] | None]]] = {
    "tender": tender_forms,
}
"""Forms with a function computing many objects' forms at once (the same forms as
:data:`FORMS`, fewer statements): what a feed page mostly holds."""


def public_forms(
    services: Services, wanted: Collection[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any] | None]:
    """The current public forms of ``(form, object id)`` pairs, each computed once: a batched
    form's objects together, the others one by one."""
    found: dict[tuple[str, str], dict[str, Any] | None] = {}
    by_form: dict[str, list[str]] = {}
    for form, object_id in wanted:
        by_form.setdefault(form, []).append(object_id)
    for form, ids in by_form.items():
        batch = BATCHED.get(form)
        if batch is not None:
            found.update(((form, i), data) for i, data in batch(services, ids).items())
        else:
            found.update(((form, i), public_form(services, form, i)) for i in ids)
    return found


# -- which events are public --------------------------------------------------------------------


DetailFunction = Callable[["Services", str, Mapping[str, Any]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Publicity:
    """A public event type: the form it changes; (rarely) a test on its payload; and, for an
    event that adds one item to a form showing only the newest few, that item's public detail
    (so a consumer reading late still receives every item once)."""

    form: str
    when: Callable[[Mapping[str, Any]], bool] | None = None
    detail: DetailFunction | None = None

    @property
    def reads_payload(self) -> bool:
        return self.when is not None or self.detail is not None

    def admits(self, payload: Mapping[str, Any]) -> bool:
        return self.when is None or self.when(payload)


def _accepted_bid(
    services: Services, listing_id: str, payload: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The accepted bid by bidder number (the payload's registration id is never shown)."""
    return auction_views.accepted_bid(services, listing_id, str(payload.get("amount", "")))


def _answer_published(payload: Mapping[str, Any]) -> bool:
    """An answer kept private (sent to the asker only) changes nothing public."""
    return bool(payload.get("published"))


PUBLIC_EVENTS: Mapping[str, Publicity] = {
    # tenders: the announcement and everything the public portal shows of it
    "TenderPublished": Publicity("tender"),
    "TenderAmended": Publicity("tender"),  # clarification or amendment (澄清/变更公告)
    "EnquiryAnswered": Publicity("tender", _answer_published),
    "TenderCancelled": Publicity("tender"),  # the form is None for a never-published draft
    "BidDeadlineReached": Publicity("tender"),
    "TenderStatusChanged": Publicity("tender"),
    "TenderRetendered": Publicity("tender"),  # the failed tender; the new one once published
    # a complaint's suspension (which complaint, why) is part of the tender's public form
    "TenderSuspended": Publicity("tender"),
    "TenderResumed": Publicity("tender"),
    # opening: the signed record, only once published
    "OpeningRecordPublished": Publicity("tender.opening_record"),
    # result (publicity) and award
    "CandidatesPublished": Publicity("tender.result"),
    "EvaluationFailed": Publicity("tender.result"),
    "ResultObjectionFiled": Publicity("tender.result"),  # the state only, never the objector
    "ResultObjectionAnswered": Publicity("tender.result"),
    "AwardNoticeIssued": Publicity("tender.result"),
    "ContractRecorded": Publicity("tender.result"),
    "ContractCountersigned": Publicity("tender.result"),
    # the committee: names and draw record once the seed is revealed (after the result)
    "DrawSeedRevealed": Publicity("tender.committee"),
    # listings and auctions
    "ListingAnnounced": Publicity("listing"),
    "ListingCancelled": Publicity("listing"),
    "ListingOpened": Publicity("listing"),
    "RoundStarted": Publicity("listing.book"),
    # by bidder number (竞买号), never by name; the book shows the newest bids, the detail each
    "BidAccepted": Publicity("listing.book", detail=_accepted_bid),
    "BiddingClosed": Publicity("listing.result"),
    "DealConfirmed": Publicity("listing.result"),
}
"""Event type → the public form it changes. Only these event types reach the feed."""

PRIVATE_EVENTS: frozenset[str] = frozenset(
    {
        # identity and sessions: accounts, logins, refusals
        "CentreCreated",
        "OrganisationRegistered",
        "UserCreated",
        "ContactChanged",
        "SignedIn",
        "SignInRefused",
        "AccountLocked",
        "AccountUnlocked",
        "SignedOut",
        # exchange: platforms registered to push here and what they pushed (their own data,
        # published by them)
        "PlatformRegistered",
        "UpstreamRecordsReceived",
        # pki: the trust list's administration, bindings, certificate logins, timestamps
        "CaAdded",
        "CaStatusChanged",
        "CrlStored",
        "CertificateBound",
        "CertificateUnbound",
        "CertificateSignedIn",
        "CertificateSignInRefused",
        "PlatformKeysCreated",
        "TimestampIssued",
        # tenders before publication, and who takes part (confidential until the opening)
        "ProjectRegistered",
        "TenderCreated",
        "TenderEdited",
        "DocumentAttached",
        "EnquiryReceived",
        "DocumentsObtained",
        # sealed bids, bonds, opening keys and their custodians
        "CustodianRegistered",
        "CustodianRemoved",
        "OpeningKeyCreated",
        "BidReceived",
        "BidWithdrawn",
        "BidsCommitted",  # names the bidders per section; the public learns it from the record
        "BondRecorded",
        "BondChanged",
        "BondRemoved",
        # electronic bid guarantees: they name a bidder and its guarantor before the opening
        "GuaranteeRequested",
        "GuaranteeRefusedByProvider",
        "GuaranteeAccepted",
        "GuaranteeOutcomeDecided",
        "GuaranteeSettled",
        # the opening hall before its record is published
        "ShareReleased",
        "ShareRefused",
        "ContentKeyReleased",
        "BidderCheckedIn",
        "BidsOpened",
        "BidOpened",
        "OpeningStatementMade",
        "ObjectionAnswered",
        # experts, rooms and the committee before the result (names are secret until then)
        "ExpertRegistered",
        "ExpertUpdated",
        "ExpertBlacklisted",
        "ExpertBlacklistLifted",
        "ExpertUnavailabilitySet",
        "ExpertUnavailabilityRemoved",
        "ExpertInterestDeclared",
        "ExpertInterestWithdrawn",
        "ExpertServiceRecorded",
        "ExpertsImported",
        "EvaluationRoomRegistered",
        "EvaluationRoomUpdated",
        "SeatsBooked",
        "SeatsReleased",
        "CommitteeDefined",
        "CommitteeDrawn",
        "CommitteeMemberResponded",
        "CommitteeDissolved",
        "CommitteeRedrawn",
        "CommitteeRedrawFailed",
        # the evaluation room (scores, sheets, reads of opened bids) and the unpublished report
        "EvaluationStarted",
        "EvaluationPaused",
        "EvaluationResumed",
        "ReviewSheetSubmitted",
        "ScoreSheetSubmitted",
        "DeviationJustified",
        "ExplanationRequested",
        "AssistantGranted",
        "AssistantRevoked",
        "ExplanationDecided",
        "EvaluationCompleted",
        "BidDocumentRead",
        "EvaluationDissolved",
        "EvaluationRestarted",
        "ReportDrawnUp",
        "ReportSigned",
        "ReportSignatureRefused",
        # listings: drafts, would-be bidders, deposits, refused bids
        "ListingCreated",
        "ListingEdited",  # drafts only
        "ListingDocumentAttached",  # drafts only
        "RegistrationApplied",
        "RegistrationReviewed",
        "ContinuingDeclared",
        "RoundJoined",
        "BidRefused",
        "DepositConfirmed",
        "DepositStatementImported",
        "DepositSettled",
        # supervision: red flags, risk alerts and cases name suspects before anyone has checked
        "FlagRunRecorded",
        "AlertRaised",
        "AlertAcknowledged",
        "CaseOpened",
        "CaseReviewStarted",
        "CaseDismissed",
        "CaseReferred",
        "CaseNoteAdded",
        "CaseEvidenceAdded",
        # challenges and complaints: their contents are the parties' alone. A decision is public
        # on the tender page (GET …/complaint-decisions); the tender's own events (resumed,
        # status changed, cancelled) carry its effect to the feed.
        "ChallengeFiled",
        "ChallengeAnswered",
        "ComplaintFiled",
        "ComplaintAccepted",
        "ComplaintRefused",
        "ComplaintWithdrawn",
        "ComplaintDecided",
        # credit records: their events name unpublished records, experts and who entered them;
        # the public reads published records on /api/v1/credit and upstream as CREDIT_RECORD
        "CreditRecorded",
        "CreditPublished",
        "CreditCorrected",
        "CreditRevoked",
        # webhooks: who subscribed which client to what (their deliveries are not events)
        "WebhookSubscribed",
        "WebhookSubscriptionChanged",
        "WebhookRedeliveryRequested",
        "WebhookUnsubscribed",
        # a decision to redo the evaluation moves the round aside (prex.award.rounds): the
        # tender's status change carries it to the feed, the new round's publication the result
        "EvaluationRoundSuperseded",
        # the electronic archive: the centre's own records of its files (docs/archive.md)
        "ArchiveBuilt",
        "ArchiveExpired",
        # machine clients and consents (docs/integration.md): who may call and act for whom is
        # the centre's and the bidder's business, never the public feed's
        "ClientRegistered",
        "ClientRevoked",
        "ClientSecretAdded",
        "ClientSecretRevoked",
        "ClientTokenIssued",
        "ClientTokenRefused",
        "ConsentGranted",
        "ConsentRevoked",
    }
)
"""Event types that never reach the feed, grouped by why."""


def publicity_of(event: str, payload: Mapping[str, Any]) -> Publicity | None:
    """The publicity of one outbox row, or None if the public must not see it."""
    publicity = PUBLIC_EVENTS.get(event)
    if publicity is None or not publicity.admits(payload):
        return None
    return publicity
