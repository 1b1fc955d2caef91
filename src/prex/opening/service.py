"""The opening (开标): from the bid deadline to the signed, published opening record.

After the deadline a decryption window opens (rule pack ``decryption_window_minutes``). The
tender's custodians release their shares (each escrowed, checked against the Feldman commitments
on arrival and attributed to its custodian when wrong), or — where the rule pack lets bidders
decrypt their own bids — bidders release their content keys. The host then opens: the opening
key is rebuilt in memory from k shares, every committed envelope is opened (opening/decrypt.py),
failures are handled per E-bidding Measures art. 31, the escrowed shares are deleted and the
rebuilt key dropped. The price reading (唱标) is then visible to everyone in the hall; bidders
confirm or object, the host answers, and the host publishes the record, signed by the platform
and timestamped, which moves the tender to evaluation.

Every step is an audit entry with actor and address; no step stores a plaintext share or key.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.bidding.commitment import commitment_of
from prex.bidding.orm import bids, opening_custodians, opening_key_shares, tender_opening_keys
from prex.db.uow import SqlUnitOfWork
from prex.envelope import container, threshold
from prex.envelope.ecies import DecryptionFailed, unwrap_with_key, wrap_for_certificate
from prex.envelope.release import content_key_release_info, share_release_info
from prex.evaluation import events as evaluation_events
from prex.experts.committee import sits_on_committee, sitting
from prex.experts.committee_orm import committee_members
from prex.experts.orm import experts as experts_table
from prex.identity.orm import organisations
from prex.identity.policy import Action, Actor, Resource, authorize, is_allowed
from prex.opening import events as ev
from prex.opening.decrypt import (
    ART31_SOURCE,
    REVOKED_TEXT,
    NotOpened,
    Opened,
    open_envelope,
    revoked,
    unopened,
)
from prex.opening.orm import (
    content_key_releases,
    opened_bids,
    opening_checkins,
    opening_statements,
    openings,
    share_releases,
)
from prex.opening.record import build_record, sign_record
from prex.pki.holder import require_organisation
from prex.pki.trust import Purpose
from prex.shared import faults
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from prex.shared.ids import new_id
from prex.tenders.model import Tender, TenderStatus
from prex.tenders.rules import SealingRules
from prex.tenders.service import advance_within, get_tender_for, tender_resource

if TYPE_CHECKING:
    from prex.bootstrap import Services

STATEMENT_KINDS = ("confirmation", "objection")
MAX_STATEMENT = 2000


class BadRelease(InvalidInput):
    """What was handed in cannot be read with the escrow key, or does not open the bid."""

    slug = "release-refused"


@dataclass(frozen=True)
class OpeningKey:
    suite: str
    key_mode: str
    commitments: threshold.Commitments
    threshold: int


def _key(session: Any, tender_id: str) -> OpeningKey:
    row = session.execute(
        select(tender_opening_keys).where(tender_opening_keys.c.tender_id == tender_id)
    ).first()
    if row is None:
        raise NotFound(f"tender {tender_id} has no opening key")
    return OpeningKey(
        row.suite, row.key_mode, threshold.Commitments.from_json(row.commitments), row.threshold
    )


def window_closes_at(services: Services, tender: Tender) -> datetime:
    minutes = services.rule_packs.get(tender.rule_pack_id).sealing.decryption_window_minutes
    return ensure_utc(tender.bid_deadline) + timedelta(minutes=minutes)


def _tender_now(services: Services, tender: Tender) -> datetime:
    return tender.clock(services.clock).now()


def _require_after_deadline(services: Services, tender: Tender) -> None:
    """Nothing that opens a bid is accepted before the deadline (SEALING.md: never open
    early)."""
    if tender.status is TenderStatus.PUBLISHED:
        deadline = ensure_utc(tender.bid_deadline).isoformat()
        raise RuleViolation(
            "opening.before-deadline",
            f"开标时间应当为提交投标文件截止时间的同一时间（《招标投标法》第三十四条）：截止时间为 "
            f"{deadline}，此前不接受任何解密密钥",
            deadline=deadline,
        )
    if tender.status is not TenderStatus.OPENING:
        raise Conflict(f"the tender is {tender.status.value}: its opening is not in progress")


def _opening_status(session: Any, tender_id: str) -> str:
    status = session.execute(
        select(openings.c.status).where(openings.c.tender_id == tender_id)
    ).scalar()
    return str(status or "decrypting")


def _ensure_opening(uow: SqlUnitOfWork, tender_id: str) -> str:
    """The opening row, created on the first write; returns its status (locked for update).

    Two first writes at once (custodians releasing in the same instant) both find no row to
    lock: on PostgreSQL the second insert waits for the first to commit and then fails, inside
    a savepoint, and the row the winner made is locked instead (bench/load.py found the 500)."""
    locked = select(openings.c.status).where(openings.c.tender_id == tender_id).with_for_update()
    status = uow.session.execute(locked).scalar()
    if status is None:
        try:
            with uow.session.begin_nested():
                uow.session.execute(
                    insert(openings).values(tender_id=tender_id, status="decrypting")
                )
            return "decrypting"
        except IntegrityError:
            status = uow.session.execute(locked).scalar_one()
    return str(status)


def _bidder_orgs(session: Any, tender_id: str) -> frozenset[str]:
    """Organisations whose envelope is live (after the deadline: committed)."""
    rows = session.execute(
        select(bids.c.bidder_org_id).where(bids.c.tender_id == tender_id, bids.c.status == "live")
    ).scalars()
    return frozenset(rows)


def _attendee_resource(services: Services, tender: Tender) -> Resource:
    with services.read_session() as session:
        orgs = _bidder_orgs(session, tender.id)
    return Resource("opening", tender.id, tender.centre_id, orgs)


# -- custodians --------------------------------------------------------------------------------


def my_share(services: Services, actor: Actor, tender_id: str) -> dict[str, Any]:
    """The custodian's own encrypted share of this tender's opening key, the commitments to
    check it against, and the escrow certificate to release it to."""
    tender = get_tender_for(services.uow(actor), tender_id)
    with services.read_session() as session:
        key = _key(session, tender.id)
        row = session.execute(
            select(opening_key_shares.c.share_index, opening_key_shares.c.sealed_share)
            .join(opening_custodians, opening_custodians.c.id == opening_key_shares.c.custodian_id)
            .where(
                opening_key_shares.c.tender_id == tender.id,
                opening_custodians.c.user_id == actor.user_id,
            )
        ).first()
    if row is None:
        raise NotFound(f"you hold no share of tender {tender_id}'s opening key")
    keys = services.pki.platform_keys()
    return {
        "tender_id": tender.id,
        "share_index": row.share_index,
        "sealed_share": base64.b64encode(bytes(row.sealed_share)).decode(),
        "commitments": key.commitments.to_json(),
        "threshold": key.threshold,
        "escrow_certificate": keys.escrow_certificate.pem(),
        "platform_ca": keys.ca_certificate.pem(),
        "bid_deadline": ensure_utc(tender.bid_deadline).isoformat(),
    }


def release_share(
    uow: SqlUnitOfWork, services: Services, tender_id: str, share_index: int, escrowed: bytes
) -> dict[str, Any]:
    """Accept custodian ``share_index``'s share, released to the escrow key after the deadline.
    A share that does not match the published commitments is refused and the refusal, naming
    the custodian, is audited (SEALING.md threat 5)."""
    actor = uow.actor
    tender = get_tender_for(services.uow(actor), tender_id)
    with services.read_session() as session:
        holder = session.execute(
            select(opening_custodians.c.id, opening_custodians.c.user_id)
            .join(opening_key_shares, opening_key_shares.c.custodian_id == opening_custodians.c.id)
            .where(
                opening_key_shares.c.tender_id == tender.id,
                opening_key_shares.c.share_index == share_index,
            )
        ).first()
        key = _key(session, tender.id)
    if holder is None:
        raise NotFound(f"tender {tender_id} has no share {share_index}")
    authorize(
        actor,
        Action.SHARE_RELEASE,
        Resource("share", f"{tender.id}:{share_index}", tender.centre_id, user_id=holder.user_id),
    )
    _require_after_deadline(services, tender)
    escrow_key = services.pki.platform_keys().escrow_key
    try:
        share = threshold.Share.from_bytes(
            unwrap_with_key(escrow_key, escrowed, share_release_info(tender.id, share_index))
        )
    except InvalidInput:
        raise BadRelease(
            "the released share cannot be read with the platform's escrow key for this tender "
            "and share index: seal it with `prex opening release`"
        ) from None
    good = share.index == share_index and threshold.verify_share(share, key.commitments)
    del share
    if not good:
        with services.uow(actor) as refusal:
            refusal.record(
                ev.ShareRefused(
                    "tender",
                    tender.id,
                    refusal.clock.now(),
                    tender_id=tender.id,
                    share_index=share_index,
                    custodian_id=holder.id,
                    reason="does not match the published Feldman commitments",
                )
            )
            refusal.commit()
        raise threshold.BadShare(share_index)
    with uow:
        if _ensure_opening(uow, tender.id) != "decrypting":
            raise Conflict("the bids are opened already")
        already = uow.session.execute(
            select(share_releases.c.share_index).where(
                share_releases.c.tender_id == tender.id,
                share_releases.c.share_index == share_index,
            )
        ).first()
        if already is None:
            now = uow.clock.now()
            uow.session.execute(
                insert(share_releases).values(
                    tender_id=tender.id,
                    share_index=share_index,
                    custodian_id=holder.id,
                    escrowed=escrowed,
                    released_at=now,
                    address=actor.address,
                )
            )
            uow.record(
                ev.ShareReleased(
                    "tender",
                    tender.id,
                    now,
                    tender_id=tender.id,
                    share_index=share_index,
                    custodian_id=holder.id,
                )
            )
            uow.commit()
    with services.read_session() as session:
        released = _released_indices(session, tender.id)
    return {"share_index": share_index, "released": len(released), "threshold": key.threshold}


def _released_indices(session: Any, tender_id: str) -> list[int]:
    return sorted(
        session.execute(
            select(share_releases.c.share_index).where(share_releases.c.tender_id == tender_id)
        ).scalars()
    )


# -- bidders -----------------------------------------------------------------------------------


def check_in(uow: SqlUnitOfWork, services: Services, tender_id: str) -> None:
    """A bidder's representative is present in the hall (签到); idempotent."""
    actor = uow.actor
    authorize(actor, Action.OPENING_ATTEND)
    tender = get_tender_for(services.uow(actor), tender_id)
    resource = _attendee_resource(services, tender)
    if actor.org_id not in resource.party_org_ids:
        raise Conflict(
            "your organisation has no envelope in this tender: only its bidders check in"
        )
    authorize(actor, Action.OPENING_ATTEND, resource)
    if tender.status not in (TenderStatus.PUBLISHED, TenderStatus.OPENING):
        raise Conflict(f"the tender is {tender.status.value}: its opening hall is closed")
    assert actor.org_id is not None and actor.user_id is not None
    with uow:
        now = uow.clock.now()
        try:
            uow.session.execute(
                insert(opening_checkins).values(
                    tender_id=tender.id,
                    org_id=actor.org_id,
                    user_id=actor.user_id,
                    checked_in_at=now,
                    address=actor.address,
                )
            )
            uow.record(
                ev.BidderCheckedIn(
                    "tender", tender.id, now, tender_id=tender.id, org_id=actor.org_id
                )
            )
            uow.commit()
        except IntegrityError:
            # Checked in already (the organisation's other user, a retry, a race). The unique
            # key refuses at the insert, not only at the commit (a 500 before: found by the
            # API fuzz profile).
            return


def release_content_key(
    uow: SqlUnitOfWork, services: Services, bid_id: str, escrowed: bytes
) -> None:
    """The bidder decrypts its own bid (rule-pack modes ``bidder_or_custodians`` and
    ``bidder_only``): its content key, escrowed, must open the envelope's first chunk."""
    actor = uow.actor
    with services.read_session() as session:
        bid = session.execute(
            select(
                bids.c.tender_id, bids.c.bidder_org_id, bids.c.status, bids.c.envelope_sha256
            ).where(bids.c.id == bid_id)
        ).first()
    if bid is None or bid.bidder_org_id != actor.org_id:
        raise NotFound(f"no bid '{bid_id}' of yours")
    tender = get_tender_for(services.uow(actor), bid.tender_id)
    authorize(actor, Action.OPENING_ATTEND, _attendee_resource(services, tender))
    _require_after_deadline(services, tender)
    if bid.status != "live":
        raise Conflict(f"the bid is {bid.status}: it is not opened")
    with services.read_session() as session:
        key = _key(session, tender.id)
    if key.key_mode == "custodians":
        raise Conflict("this tender's bids are opened by the custodians; nothing to release")
    closes = window_closes_at(services, tender)
    if _tender_now(services, tender) > closes:
        raise RuleViolation(
            "opening.decryption-window",
            f"解密时限已于 {closes.isoformat()} 届满；{REVOKED_TEXT}（{ART31_SOURCE}）",
            closes_at=closes.isoformat(),
        )
    escrow_key = services.pki.platform_keys().escrow_key
    try:
        content_key = unwrap_with_key(
            escrow_key, escrowed, content_key_release_info(tender.id, bid.envelope_sha256)
        )
    except DecryptionFailed:
        raise BadRelease(
            "the released key cannot be read with the platform's escrow key for this envelope"
        ) from None
    path = services.blobs.local_path(bid.envelope_sha256)
    limit = services.rule_packs.get(tender.rule_pack_id).sealing.max_envelope_mb * 1024 * 1024
    with path.open("rb") as handle:
        parsed = container.read(handle, path.stat().st_size, max_bytes=limit)
        opens = container.check_content_key(handle, parsed, content_key)
    del content_key
    if not opens:
        raise BadRelease("the released key does not open this envelope")
    with uow:
        if _ensure_opening(uow, tender.id) != "decrypting":
            raise Conflict("the bids are opened already")
        now = uow.clock.now()
        uow.session.execute(
            delete(content_key_releases).where(content_key_releases.c.bid_id == bid_id)
        )
        uow.session.execute(
            insert(content_key_releases).values(
                bid_id=bid_id,
                tender_id=tender.id,
                escrowed=escrowed,
                released_at=now,
                address=actor.address,
            )
        )
        uow.record(
            ev.ContentKeyReleased(
                "bid", bid_id, now, tender_id=tender.id, bidder_org_id=bid.bidder_org_id
            )
        )
        uow.commit()


# -- the opening itself ------------------------------------------------------------------------


def open_bids(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Open every committed envelope (the host's 开标/解密). Needs k verified shares, or — in
    the bidder modes — the decryption window to have closed or every bidder's own key. Safe to
    repeat after a crash: nothing is written until every envelope was tried."""
    actor = uow.actor
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, Action.OPENING_HOST, tender_resource(tender))
    _require_after_deadline(services, tender)
    pack = services.rule_packs.get(tender.rule_pack_id)
    limit = pack.sealing.max_envelope_mb * 1024 * 1024
    with services.read_session() as session:
        if _opening_status(session, tender.id) != "decrypting":
            raise Conflict("the bids are opened already")
        key = _key(session, tender.id)
        committed = commitment_of(session, tender.id)
        releases = session.execute(
            select(share_releases.c.share_index, share_releases.c.escrowed).where(
                share_releases.c.tender_id == tender.id
            )
        ).all()
        own_keys = {
            r.bid_id: bytes(r.escrowed)
            for r in session.execute(
                select(content_key_releases.c.bid_id, content_key_releases.c.escrowed).where(
                    content_key_releases.c.tender_id == tender.id
                )
            )
        }
        live = session.execute(
            select(
                bids.c.id,
                bids.c.section_id,
                bids.c.bidder_org_id,
                bids.c.envelope_sha256,
                bids.c.received_at,
                organisations.c.uscc,
                organisations.c.name,
            )
            .join(organisations, organisations.c.id == bids.c.bidder_org_id)
            .where(bids.c.tender_id == tender.id, bids.c.status == "live")
            .order_by(bids.c.section_id, bids.c.received_at)
        ).all()
    if committed is None:
        raise Conflict("the deadline commitment is not made yet")
    committed_digests = {e["envelope_sha256"] for e in committed["entries"]}
    short = _short_sections(committed["bidders_by_section"], pack.sealing)
    window_closed = _tender_now(services, tender) > window_closes_at(services, tender)
    enough_shares = len(releases) >= key.threshold and key.key_mode != "bidder_only"
    every_own_key = all(b.id in own_keys for b in live if b.section_id not in short)
    if not enough_shares:
        if key.key_mode == "custodians":
            raise threshold.NotEnoughShares(
                f"{key.threshold} custodians must release their shares to open; "
                f"{len(releases)} have",
                needed=key.threshold,
                given=len(releases),
            )
        if not (window_closed or every_own_key):
            raise Conflict("the decryption window is still open and not every bidder has decrypted")

    keys = services.pki.platform_keys()
    scalar: int | None = None
    if enough_shares:
        shares = [
            threshold.Share.from_bytes(
                unwrap_with_key(
                    keys.escrow_key, bytes(r.escrowed), share_release_info(tender.id, r.share_index)
                )
            )
            for r in releases
        ]
        scalar = threshold.combine(shares, key.commitments, key.threshold)
        del shares
    outcomes: list[tuple[Any, Opened | NotOpened, str | None]] = []
    try:
        for bid in live:
            if bid.section_id in short:
                outcomes.append((bid, unopened(short[bid.section_id]), None))
                continue
            outcomes.append(
                _open_one(services, tender, bid, scalar, own_keys, committed_digests, limit)
            )
    finally:
        scalar = None  # the rebuilt opening key is dropped here, whatever happened
    used = sorted(r.share_index for r in releases)[: key.threshold] if enough_shares else []
    return _store_outcomes(uow, services, tender, outcomes, used)


def _short_sections(by_section: dict[str, int], rules: SealingRules) -> dict[str, str]:
    """Sections with fewer bidders than the minimum at the deadline, each with the reason its
    envelopes are not opened (the rule quoted)."""
    return {
        section_id: f"{rules.min_bidders_text}（{rules.min_bidders_source}；"
        f"《招标投标法实施条例》第四十四条：投标人少于3个的，不得开标）：本标段投标截止时"
        f"仅 {count} 个投标人，投标文件不予开启"
        for section_id, count in by_section.items()
        if count < rules.min_bidders
    }


def _open_one(
    services: Services,
    tender: Tender,
    bid: Any,
    scalar: int | None,
    own_keys: dict[str, bytes],
    committed_digests: set[str],
    limit: int,
) -> tuple[Any, Opened | NotOpened, str | None]:
    keys = services.pki.platform_keys()
    if bid.envelope_sha256 not in committed_digests:
        return bid, revoked("the envelope is not in the deadline commitment"), None
    escrowed = own_keys.get(bid.id)
    if escrowed is not None:
        content_key = unwrap_with_key(
            keys.escrow_key, escrowed, content_key_release_info(tender.id, bid.envelope_sha256)
        )

        def key_for(parsed: container.Parsed) -> bytes:
            return content_key

        decrypted_by = "bidder"
    elif scalar is not None:
        opening_scalar = scalar

        def key_for(parsed: container.Parsed) -> bytes:
            return container.content_key_with_opening_key(parsed, opening_scalar)

        decrypted_by = "custodians"
    else:
        return bid, revoked("the bidder did not decrypt its bid within the window"), None
    result = open_envelope(
        services.blobs.local_path(bid.envelope_sha256),
        expected_sha256=bid.envelope_sha256,
        tender_id=tender.id,
        section_id=bid.section_id,
        bidder_uscc=bid.uscc,
        content_key_for=key_for,
        max_bytes=limit,
    )
    if isinstance(result, Opened):
        try:
            signer = result.signature.signer
            _, holder = services.pki.verify(
                signer,
                purpose=Purpose.SIGNING,
                at=ensure_utc(bid.received_at),
                intermediates=[c for c in result.signature.certificates if c != signer],
            )
            require_organisation(holder, bid.uscc, bid.name)
        except InvalidInput as exc:
            return bid, revoked(f"the envelope's signature is not the bidder's: {exc}"), None
    return bid, result, decrypted_by


def _store_outcomes(
    uow: SqlUnitOfWork,
    services: Services,
    tender: Tender,
    outcomes: list[tuple[Any, Opened | NotOpened, str | None]],
    shares_used: list[int],
) -> dict[str, Any]:
    escrow = services.pki.platform_keys().escrow_certificate
    counts = {"opened": 0, "revoked": 0, "withdrawn": 0, "unopened": 0}
    with uow:
        if _ensure_opening(uow, tender.id) != "decrypting":
            raise Conflict("the bids are opened already")
        now = uow.clock.now()
        for bid, result, decrypted_by in outcomes:
            row: dict[str, Any] = {
                "bid_id": bid.id,
                "tender_id": tender.id,
                "section_id": bid.section_id,
                "bidder_org_id": bid.bidder_org_id,
                "envelope_sha256": bid.envelope_sha256,
                "opened_at": now,
            }
            if isinstance(result, Opened):
                row |= {
                    "outcome": "opened",
                    "decrypted_by": decrypted_by,
                    "form": result.form,
                    "fingerprint": result.fingerprint,
                    "documents": [
                        {"name": d.name, "size": d.size} for d in result.scanned.documents
                    ],
                    "signer_subject": result.signature.signer.subject_text,
                    "escrowed_content_key": wrap_for_certificate(
                        escrow,
                        result.content_key,
                        content_key_release_info(tender.id, bid.envelope_sha256),
                    ),
                }
            else:
                row |= {"outcome": result.outcome, "fault": result.fault, "reason": result.reason}
            counts[row["outcome"]] += 1
            uow.session.execute(insert(opened_bids).values(**row))
            faults.point("opening.outcome_stored")  # some bids recorded, the opening not
            uow.record(
                ev.BidOpened(
                    "bid",
                    bid.id,
                    now,
                    tender_id=tender.id,
                    section_id=bid.section_id,
                    bidder_org_id=bid.bidder_org_id,
                    envelope_sha256=bid.envelope_sha256,
                    outcome=row["outcome"],
                    fault=row.get("fault"),
                    reason=row.get("reason"),
                    price=(row.get("form") or {}).get("price"),
                )
            )
        # The escrowed shares and keys have done their work: erase them (SEALING.md).
        uow.session.execute(delete(share_releases).where(share_releases.c.tender_id == tender.id))
        uow.session.execute(
            delete(content_key_releases).where(content_key_releases.c.tender_id == tender.id)
        )
        uow.session.execute(
            update(openings)
            .where(openings.c.tender_id == tender.id)
            .values(
                status="opened", opened_at=now, opened_by=uow.actor.user_id, shares_used=shares_used
            )
        )
        uow.record(
            ev.BidsOpened(
                "tender", tender.id, now, tender_id=tender.id, shares_used=shares_used, **counts
            )
        )
        uow.commit()
    return {"tender_id": tender.id, **counts, "shares_used": shares_used}


# -- after the price reading -------------------------------------------------------------------


def make_statement(
    uow: SqlUnitOfWork, services: Services, tender_id: str, kind: str, text: str
) -> str:
    """A bidder confirms the price reading or objects to it (Implementing Regulations art. 44:
    objections are raised at the opening and answered there)."""
    actor = uow.actor
    if kind not in STATEMENT_KINDS:
        raise InvalidInput(f"a statement is one of {', '.join(STATEMENT_KINDS)}", field="kind")
    text = text.strip()
    if kind == "objection" and not text:
        raise InvalidInput("an objection needs its grounds", field="text")
    if len(text) > MAX_STATEMENT:
        raise InvalidInput(f"at most {MAX_STATEMENT} characters", field="text")
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, Action.OPENING_ATTEND, _attendee_resource(services, tender))
    assert actor.org_id is not None and actor.user_id is not None
    statement_id = new_id()
    with uow:
        if _ensure_opening(uow, tender.id) != "opened":
            raise Conflict("confirmations and objections are taken after the price reading")
        now = uow.clock.now()
        uow.session.execute(
            insert(opening_statements).values(
                id=statement_id,
                tender_id=tender.id,
                org_id=actor.org_id,
                user_id=actor.user_id,
                kind=kind,
                text=text,
                made_at=now,
                address=actor.address,
            )
        )
        uow.record(
            ev.OpeningStatementMade(
                "tender",
                tender.id,
                now,
                tender_id=tender.id,
                org_id=actor.org_id,
                kind=kind,
                text=text,
            )
        )
        uow.commit()
    return statement_id


def answer_objection(
    uow: SqlUnitOfWork, services: Services, statement_id: str, answer: str
) -> None:
    """The host answers an objection on the spot (当场作出答复)."""
    actor = uow.actor
    answer = answer.strip()
    if not answer or len(answer) > MAX_STATEMENT:
        raise InvalidInput(f"an answer is 1 to {MAX_STATEMENT} characters", field="answer")
    with services.read_session() as session:
        row = session.execute(
            select(opening_statements.c.tender_id, opening_statements.c.kind).where(
                opening_statements.c.id == statement_id
            )
        ).first()
    if row is None or row.kind != "objection":
        raise NotFound(f"no objection '{statement_id}'")
    tender = get_tender_for(services.uow(actor), row.tender_id)
    authorize(actor, Action.OPENING_HOST, tender_resource(tender))
    with uow:
        if _ensure_opening(uow, tender.id) != "opened":
            raise Conflict("the opening record is published: the opening is over")
        now = uow.clock.now()
        done = uow.session.execute(
            update(opening_statements)
            .where(opening_statements.c.id == statement_id, opening_statements.c.answer.is_(None))
            .values(answer=answer, answered_by=actor.user_id, answered_at=now)
        )
        if cast(CursorResult[Any], done).rowcount != 1:
            raise Conflict("this objection is answered already")
        uow.record(
            ev.ObjectionAnswered("tender", tender.id, now, tender_id=tender.id, answer=answer)
        )
        uow.commit()


def publish_record(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Close the opening: every objection answered, the record signed by the platform and
    timestamped, published, and the tender moved to evaluation — in one transaction."""
    actor = uow.actor
    tender = get_tender_for(services.uow(actor), tender_id)
    authorize(actor, Action.OPENING_HOST, tender_resource(tender))
    with services.read_session() as session:
        if _opening_status(session, tender.id) != "opened":
            raise Conflict("the record is published after the bids are opened, and only once")
        unanswered = session.execute(
            select(opening_statements.c.id).where(
                opening_statements.c.tender_id == tender.id,
                opening_statements.c.kind == "objection",
                opening_statements.c.answer.is_(None),
            )
        ).first()
        if unanswered is not None:
            raise Conflict("answer every objection before closing the opening")
        record = build_record(session, services, tender)
    signed = sign_record(services, record)
    with uow:
        if _ensure_opening(uow, tender.id) != "opened":
            raise Conflict("the record is published already")
        now = uow.clock.now()
        uow.session.execute(
            update(openings)
            .where(openings.c.tender_id == tender.id)
            .values(
                status="closed",
                closed_at=now,
                record=record,
                record_sha256=signed.sha256,
                record_signature=signed.signature,
                record_timestamp=signed.timestamp,
            )
        )
        uow.record(
            ev.OpeningRecordPublished(
                "tender", tender.id, now, tender_id=tender.id, sha256=signed.sha256
            )
        )
        advance_within(
            uow, tender.id, TenderStatus.EVALUATION, f"开标记录已发布（SHA-256 {signed.sha256}）"
        )
        uow.commit()
    return published_record(services, tender.id)


def published_record(services: Services, tender_id: str) -> dict[str, Any]:
    """The published opening record with its platform signature and timestamp token."""
    with services.read_session() as session:
        row = session.execute(select(openings).where(openings.c.tender_id == tender_id)).first()
    if row is None or row.status != "closed":
        raise NotFound(f"tender {tender_id} has no published opening record")
    return {
        "record": row.record,
        "sha256": row.record_sha256,
        "platform_signature": row.record_signature,
        "timestamp_token": row.record_timestamp,
    }


# -- evaluators --------------------------------------------------------------------------------


def _seat_of(session: Any, tender_id: str, user_id: str | None) -> tuple[str, str] | None:
    """The seat (committee_members id, pseudonym) a sitting member reads under: whether the
    user sits at all is :func:`~prex.experts.committee.sits_on_committee`'s to say; the seat
    is the latest sitting one (a later round's, after a committee was dissolved)."""
    if not sits_on_committee(session, tender_id, user_id):
        return None
    seats = session.execute(
        select(
            committee_members.c.id,
            committee_members.c.pseudonym,
            committee_members.c.status,
            committee_members.c.role,
            committee_members.c.replaces,
        )
        .join(experts_table, experts_table.c.id == committee_members.c.expert_id)
        .where(committee_members.c.tender_id == tender_id, experts_table.c.user_id == user_id)
        .order_by(committee_members.c.draw_order.desc())
    ).all()
    return next(
        ((str(s.id), str(s.pseudonym)) for s in seats if sitting(s.status, s.role, s.replaces)),
        None,
    )


def read_document(
    services: Services, actor: Actor, bid_id: str, name: str
) -> tuple[int, Iterator[memoryview]]:
    """An opened bid's document, decrypted as it is streamed: for the sitting members of the
    tender's committee, after opening. Every read is audited before a byte is sent
    (``BidDocumentRead``: the bid, the document and the reader's seat and pseudonym — not the
    expert's name), so a read the client breaks off is on the record too."""
    with services.read_session() as session:
        row = session.execute(
            select(
                opened_bids.c.tender_id,
                opened_bids.c.outcome,
                opened_bids.c.documents,
                opened_bids.c.envelope_sha256,
                opened_bids.c.escrowed_content_key,
            ).where(opened_bids.c.bid_id == bid_id)
        ).first()
    if row is None or row.outcome != "opened":
        raise NotFound(f"no opened bid '{bid_id}'")
    tender = get_tender_for(services.uow(actor), row.tender_id)
    authorize(actor, Action.BID_READ_OPENED, tender_resource(tender))
    with services.read_session() as session:
        seat = _seat_of(session, tender.id, actor.user_id)
    if seat is None:
        raise PermissionDenied(
            "only the sitting members of this tender's evaluation committee read its bids",
            tender_id=tender.id,
        )
    sizes = {d["name"]: int(d["size"]) for d in row.documents or []}
    if name not in sizes:
        raise NotFound(f"the bid has no document '{name[:80]}'")
    with services.uow(actor) as uow:
        uow.record(
            evaluation_events.BidDocumentRead(
                "tender",  # in the tender's audit trail, with the evaluation's other events
                tender.id,
                uow.clock.now(),
                tender_id=tender.id,
                bid_id=bid_id,
                document=name,
                member_id=seat[0],
                pseudonym=seat[1],
            )
        )
        uow.commit()
    keys = services.pki.platform_keys()
    content_key = unwrap_with_key(
        keys.escrow_key,
        bytes(row.escrowed_content_key),
        content_key_release_info(row.tender_id, row.envelope_sha256),
    )
    limit = services.rule_packs.get(tender.rule_pack_id).sealing.max_envelope_mb * 1024 * 1024
    path = services.blobs.local_path(row.envelope_sha256)

    def pieces() -> Iterator[memoryview]:
        with path.open("rb") as handle:
            parsed = container.read(handle, path.stat().st_size, max_bytes=limit)
            yield from container.extract_document(
                handle, parsed, content_key, f"documents/{name}", max_total=limit
            )

    return sizes[name], pieces()


def can_host(actor: Actor, tender: Tender) -> bool:
    return is_allowed(actor, Action.OPENING_HOST, tender_resource(tender))
