"""Setting up a listing (挂牌) or an auction (拍卖): the centre's operator drafts it for the
seller, announces it within the rule pack's periods, and may cancel it until bidding closes.

- **Draft.** Kind, method and countdown come from the rule pack; the asset (location, area,
  use, term …) is JSON as announced; the conditions hold who may bid (竞买人资格) and, for state
  property, the holders of a pre-emption right (优先购买权) as data. Money is ``Decimal`` yuan
  with two places: start price ≥ 0, increment and deposit > 0, the optional reserve ≥ the start
  price — sealed at once (:mod:`prex.auctions.reserve`), never stored, logged or answered in
  clear. Only a draft may be edited; documents go to the blob store by SHA-256.
- **Announce.** The announcement period runs from now to ``opens_at`` and the listing period
  from ``opens_at`` to ``listing_ends_at`` (an auction has none: it ends when it opens); each is
  checked against the rule pack, and a refusal quotes the rule and its source. The worker opens
  bidding at ``next_check = opens_at``.
- **Cancel**, with a reason, at any time before bidding closes.

What others see: :mod:`prex.auctions.listing_views`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from prex.auctions import events as ev
from prex.auctions.listing_views import load, resource_of, view_for
from prex.auctions.model import (
    TERMINAL,
    ListingStatus,
    require_transition,
)
from prex.auctions.orm import listings
from prex.auctions.reserve import seal_reserve, unseal_reserve
from prex.audit.chain import canonical_json
from prex.db.uow import SqlUnitOfWork
from prex.identity.orm import centres, organisations
from prex.identity.policy import Action, Actor, Resource, authorize
from prex.shared.blobs import safe_filename
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict, InvalidInput
from prex.shared.ids import new_id
from prex.shared.money import yuan
from prex.shared.upload_checks import UploadLimits, checked

if TYPE_CHECKING:
    from prex.bootstrap import Services

BEIJING = timezone(timedelta(hours=8))
CODE_PREFIX = {"listing": "GT", "auction": "PM"}  # 挂牌, 拍卖
EDITABLE = (
    "title",
    "asset",
    "conditions",
    "seller_org_id",
    "start_price",
    "increment",
    "deposit",
    "reserve",
    "opens_at",
    "listing_ends_at",
)
MAX_ASSET_BYTES = 16 * 1024


@dataclass(frozen=True)
class Conditions:
    """Who may bid, as announced, and (state property only) who holds a pre-emption right."""

    eligibility: str
    pre_emption: tuple[dict[str, str], ...] = ()  # [{holder, basis}]

    def to_text(self) -> str:
        return canonical_json(
            {"eligibility": self.eligibility, "pre_emption": list(self.pre_emption)}
        ).decode()


@dataclass(frozen=True)
class ListingDraft:
    """The command to draft a listing; amounts as decimal strings, instants aware."""

    rule_pack_id: str
    title: str
    asset: dict[str, Any]
    conditions: Conditions
    seller_org_id: str
    start_price: str
    increment: str
    deposit: str
    opens_at: datetime
    listing_ends_at: datetime | None = None  # an auction's is its opening
    reserve: str | None = None
    centre_id: str | None = None  # default: the operator's own centre


# -- validating ---------------------------------------------------------------------------------


def _amount(value: str, field: str, *, positive: bool) -> Decimal:
    amount = yuan(value, field=field)
    if positive and amount <= 0:
        raise InvalidInput(f"the {field.replace('_', ' ')} is more than zero", field=field)
    return amount


def _reserve(value: str, start_price: Decimal) -> Decimal:
    """The reserve, checked without ever echoing it (a refusal says why, not what)."""
    try:
        reserve = yuan(value, field="reserve")
    except InvalidInput:
        raise InvalidInput(
            "the reserve is an amount in yuan with at most two decimal places", field="reserve"
        ) from None
    if reserve < start_price:
        raise InvalidInput("the reserve is at least the start price", field="reserve")
    return reserve


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise InvalidInput(f"the {field} is 1 to {limit} characters", field=field)
    return value


def _asset(value: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value:
        raise InvalidInput("the asset is described by at least one field", field="asset")
    if len(canonical_json(dict(value))) > MAX_ASSET_BYTES:
        raise InvalidInput(f"the asset is at most {MAX_ASSET_BYTES} bytes", field="asset")
    return dict(value)


def conditions(eligibility: str, pre_emption: Iterable[Mapping[str, str]] = ()) -> Conditions:
    holders = tuple(
        {
            "holder": _text(h.get("holder", ""), "pre-emption holder", 200),
            "basis": h.get("basis", ""),
        }
        for h in pre_emption
    )
    return Conditions(_text(eligibility, "eligibility", 4000), holders)


def _instants(
    method: str, opens_at: datetime, listing_ends_at: datetime | None
) -> tuple[datetime, datetime]:
    opens = ensure_utc(opens_at)
    if method == "auction":
        return opens, opens  # an English auction has no listing period
    if listing_ends_at is None:
        raise InvalidInput("a listing gives when its listing period ends", field="listing_ends_at")
    ends = ensure_utc(listing_ends_at)
    if ends < opens:
        raise InvalidInput("the listing period ends after it opens", field="listing_ends_at")
    return opens, ends


def _check_seller(session: Session, org_id: str) -> None:
    found = session.execute(select(organisations.c.id).where(organisations.c.id == org_id)).first()
    if found is None:
        raise InvalidInput(f"no organisation '{org_id}'", field="seller_org_id")


def _next_code(session: Session, centre_id: str, method: str, now: datetime) -> str:
    # The centre's row is locked so that two listings set up at once do not take one serial.
    division = session.execute(
        select(centres.c.division_code).where(centres.c.id == centre_id).with_for_update()
    ).scalar_one_or_none()
    if division is None:
        raise InvalidInput(f"no centre '{centre_id}'", field="centre_id")
    prefix = f"{CODE_PREFIX[method]}-{division}-{now.astimezone(BEIJING).year}-"
    taken = session.execute(
        select(func.count()).select_from(listings).where(listings.c.code.like(f"{prefix}%"))
    ).scalar_one()
    return f"{prefix}{taken + 1:04d}"


# -- acting -------------------------------------------------------------------------------------


def create_listing(uow: SqlUnitOfWork, services: Services, cmd: ListingDraft) -> dict[str, Any]:
    """Draft a listing in the operator's centre (``cmd.centre_id`` for an administrator)."""
    centre_id = cmd.centre_id or uow.actor.centre_id
    if centre_id is None:
        raise InvalidInput("say in which centre the listing is set up", field="centre_id")
    authorize(uow.actor, Action.LISTING_MANAGE, Resource("listing", None, centre_id))
    rules = services.auction_rules.get(cmd.rule_pack_id)
    title = _text(cmd.title, "title", 200)
    asset = _asset(cmd.asset)
    start = _amount(cmd.start_price, "start_price", positive=False)
    increment = _amount(cmd.increment, "increment", positive=True)
    deposit = _amount(cmd.deposit, "deposit", positive=True)
    reserve = None if cmd.reserve is None else _reserve(cmd.reserve, start)
    if cmd.conditions.pre_emption and rules.kind != "equity":
        raise InvalidInput(
            "pre-emption rights (优先购买权) belong to state property transfers",
            field="conditions",
        )
    opens, ends = _instants(rules.method, cmd.opens_at, cmd.listing_ends_at)
    with services.read_session() as session:
        _check_seller(session, cmd.seller_org_id)
    listing_id = new_id()
    sealed = None if reserve is None else seal_reserve(services, listing_id, reserve)
    del reserve
    with uow:
        now = uow.clock.now()
        code = _next_code(uow.session, centre_id, rules.method, now)
        values: dict[str, Any] = {
            "id": listing_id,
            "centre_id": centre_id,
            "rule_pack_id": rules.id,
            "kind": rules.kind,
            "method": rules.method,
            "code": code,
            "title": title,
            "asset": asset,
            "conditions": cmd.conditions.to_text(),
            "documents": [],
            "seller_org_id": cmd.seller_org_id,
            "start_price": format(start, "f"),
            "increment": format(increment, "f"),
            "deposit": format(deposit, "f"),
            "reserve_sealed": None if sealed is None else sealed[0],
            "reserve_commitment": None if sealed is None else sealed[1],
            "countdown_seconds": int(rules.countdown.total_seconds()),
            "opens_at": opens,
            "listing_ends_at": ends,
            "status": ListingStatus.DRAFT.value,
            "seq": 0,
            "in_round": [],
            "created_at": now,
            "created_by": uow.actor.user_id,
            "updated_at": now,
        }
        uow.session.execute(insert(listings).values(**values))
        uow.record(
            ev.ListingCreated(
                "listing",
                listing_id,
                now,
                code=code,
                rule_pack_id=rules.id,
                kind=rules.kind,
                method=rules.method,
                seller_org_id=cmd.seller_org_id,
                start_price=values["start_price"],
                increment=values["increment"],
                deposit=values["deposit"],
                has_reserve=sealed is not None,
                opens_at=opens.isoformat(),
                listing_ends_at=ends.isoformat(),
            )
        )
        uow.commit()
        return view_for(uow.session, uow.actor, load(uow.session, listing_id))


def _draft_for(services: Services, actor: Actor, listing_id: str) -> Any:
    """The listing's row, once the actor may manage it and it is still a draft."""
    with services.read_session() as session:
        row = load(session, listing_id)
    authorize(actor, Action.LISTING_MANAGE, resource_of(row))
    if row.status != ListingStatus.DRAFT.value:
        raise Conflict(
            f"listing {row.code} is {row.status}: only a draft may be changed",
            listing_id=listing_id,
            status=row.status,
        )
    return row


def edit_listing(
    uow: SqlUnitOfWork, services: Services, listing_id: str, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """Change a draft; ``changes`` holds only the fields given (``reserve: None`` removes it,
    a new reserve is sealed afresh with a new salt)."""
    if unknown := set(changes) - set(EDITABLE):
        raise InvalidInput(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
    row = _draft_for(services, uow.actor, listing_id)
    values: dict[str, Any] = {}
    if "title" in changes:
        values["title"] = _text(changes["title"], "title", 200)
    if "asset" in changes:
        values["asset"] = _asset(changes["asset"])
    if "conditions" in changes:
        cond: Conditions = changes["conditions"]
        if cond.pre_emption and row.kind != "equity":
            raise InvalidInput(
                "pre-emption rights (优先购买权) belong to state property transfers",
                field="conditions",
            )
        values["conditions"] = cond.to_text()
    for name, positive in (("start_price", False), ("increment", True), ("deposit", True)):
        if name in changes:
            values[name] = format(_amount(changes[name], name, positive=positive), "f")
    start = Decimal(values.get("start_price", row.start_price))
    if "reserve" in changes:
        if changes["reserve"] is None:
            values["reserve_sealed"] = values["reserve_commitment"] = None
        else:
            sealed = seal_reserve(services, listing_id, _reserve(changes["reserve"], start))
            values["reserve_sealed"], values["reserve_commitment"] = (*sealed,)
    elif "start_price" in changes and row.reserve_sealed is not None:
        current = unseal_reserve(services, row)
        if current is not None and current < start:
            raise InvalidInput("the reserve is at least the start price", field="start_price")
    if "opens_at" in changes or "listing_ends_at" in changes:
        opens, ends = _instants(
            row.method,
            changes.get("opens_at") or row.opens_at,
            changes.get("listing_ends_at") or row.listing_ends_at,
        )
        values["opens_at"], values["listing_ends_at"] = opens, ends
    with uow:
        if "seller_org_id" in changes:
            _check_seller(uow.session, changes["seller_org_id"])
            values["seller_org_id"] = changes["seller_org_id"]
        current_row = load(uow.session, listing_id, lock=True)
        if current_row.status != ListingStatus.DRAFT.value:
            raise Conflict(f"listing {row.code} is no longer a draft", listing_id=listing_id)
        now = uow.clock.now()
        uow.session.execute(
            update(listings).where(listings.c.id == listing_id).values(**values, updated_at=now)
        )
        uow.record(ev.ListingEdited("listing", listing_id, now, fields=sorted(changes)))
        uow.commit()
        return view_for(uow.session, uow.actor, load(uow.session, listing_id))


@dataclass(frozen=True)
class DocumentUpload:
    """A document as received: its name, declared media type and bytes in chunks."""

    filename: str
    media_type: str
    chunks: Iterable[bytes]


def check_document_upload(services: Services, actor: Actor, listing_id: str) -> None:
    """Refuse before any byte is stored: the actor manages the listing and it is a draft."""
    _draft_for(services, actor, listing_id)


def attach_document(
    uow: SqlUnitOfWork, services: Services, listing_id: str, upload: DocumentUpload
) -> dict[str, Any]:
    """Store a document of a draft in the blob store and list it on the listing."""
    check_document_upload(services, uow.actor, listing_id)
    name = safe_filename(upload.filename)
    limits = UploadLimits.from_settings(services.settings)
    ref = services.blobs.put(
        checked(upload.chunks, filename=name, media_type=upload.media_type, limits=limits),
        max_bytes=limits.max_bytes,
        min_bytes=1,
    )
    document_id = new_id()
    document: dict[str, Any] = {
        "id": document_id,
        "name": name,
        "sha256": ref.sha256,
        "size": ref.size,
        "media_type": upload.media_type or "application/octet-stream",
    }
    with uow:
        row = load(uow.session, listing_id, lock=True)
        if row.status != ListingStatus.DRAFT.value:
            raise Conflict(f"listing {row.code} is no longer a draft", listing_id=listing_id)
        now = uow.clock.now()
        uow.session.execute(
            update(listings)
            .where(listings.c.id == listing_id)
            .values(documents=[*row.documents, document], updated_at=now)
        )
        uow.record(
            ev.ListingDocumentAttached(
                "listing",
                listing_id,
                now,
                document_id=document_id,
                name=name,
                sha256=ref.sha256,
                size=ref.size,
            )
        )
        uow.commit()
    return document


def announce_listing(uow: SqlUnitOfWork, services: Services, listing_id: str) -> dict[str, Any]:
    """Announce a draft: the announcement period (now → ``opens_at``) and the listing period
    (``opens_at`` → ``listing_ends_at``) must each be at least the rule pack's, else a
    RuleViolation quotes the rule and its source. Bidding opens with the worker at ``opens_at``."""
    row = _draft_for(services, uow.actor, listing_id)
    rules = services.auction_rules.get(row.rule_pack_id)
    with uow:
        row = load(uow.session, listing_id, lock=True)
        target = require_transition(listing_id, row.status, ListingStatus.ANNOUNCED)
        now = uow.clock.now()
        rules.require_at_least("announcement", now, row.opens_at, listing_id=listing_id)
        rules.require_at_least("listing", row.opens_at, row.listing_ends_at, listing_id=listing_id)
        uow.session.execute(
            update(listings)
            .where(listings.c.id == listing_id)
            .values(status=target.value, announced_at=now, next_check=row.opens_at, updated_at=now)
        )
        uow.record(
            ev.ListingAnnounced(
                "listing",
                listing_id,
                now,
                code=row.code,
                opens_at=row.opens_at.isoformat(),
                listing_ends_at=row.listing_ends_at.isoformat(),
                reserve_commitment=row.reserve_commitment,
            )
        )
        uow.commit()
        return view_for(uow.session, uow.actor, load(uow.session, listing_id))


def cancel_listing(uow: SqlUnitOfWork, listing_id: str, reason: str) -> dict[str, Any]:
    """Cancel (终止) a listing before bidding closes; the reason is published with it."""
    reason = _text(reason, "reason", 2000)
    with uow:
        row = load(uow.session, listing_id, lock=True)
        authorize(uow.actor, Action.LISTING_MANAGE, resource_of(row))
        if row.status in TERMINAL:
            raise Conflict(
                f"listing {row.code} is {row.status}: bidding has closed",
                listing_id=listing_id,
                status=row.status,
            )
        target = require_transition(listing_id, row.status, ListingStatus.CANCELLED)
        now = uow.clock.now()
        uow.session.execute(
            update(listings)
            .where(listings.c.id == listing_id)
            .values(
                status=target.value,
                closed_at=now,
                next_check=None,
                outcome={"result": "cancelled", "reason": reason},
                updated_at=now,
            )
        )
        uow.record(
            ev.ListingCancelled("listing", listing_id, now, previous=row.status, reason=reason)
        )
        uow.commit()
        return view_for(uow.session, uow.actor, load(uow.session, listing_id))
