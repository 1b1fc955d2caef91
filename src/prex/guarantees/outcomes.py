"""Release and claim of accepted guarantees, following the tender's outcome.

The statutory rules:

* **release** — the tenderer returns the bid bonds of the winner and of the unsuccessful
  bidders at the latest 5 days after the written contract is signed
  (《招标投标法实施条例》第五十七条; for government procurement 《政府采购法实施条例》第三十三条
  and 《政府采购货物和服务招标投标管理办法》第三十八条). prex releases as soon as the
  contract of the section is countersigned (event ``ContractCountersigned``), well within the
  5 days; a tender that fails (``TenderStatusChanged`` to ``failed``) or is cancelled
  (``TenderCancelled``) releases every guarantee at once.
* **claim** — a winner that refuses to sign the contract or gives up the award forfeits its
  bond (第七十四条); a bidder that withdraws its bid after the deadline may forfeit it
  (第三十五条). prex has no act in which a winner declines, and bids cannot be withdrawn after
  the deadline here, so a claim is an explicit act of the beneficiary (the tenderer or its
  agency) or of the centre, citing one of these grounds (:func:`claim_guarantee`).

Both end in a **notice** signed by the platform's signing key (``bid-guarantee-release`` /
``bid-guarantee-claim``, canonical JSON, ``prex.guarantees.model.notice_bytes``), stored with the
guarantee, status ``releasing`` / ``claiming``. The worker then tells the provider
(:func:`settle_due`): an installed provider's ``release`` / ``claim`` answers with a receipt; a
guarantee a bank's client issued is settled by serving the notice to that client
(``GET /api/v1/guarantees/requests?status=released``).

Crash safety: the outbox consumer decides outcomes and moves its cursor in one transaction
(``prex.audit.consumers``); a decision is taken only from ``accepted``, so a replayed event does
nothing. Settling calls the provider outside any transaction and then records the receipt only
if the guarantee is still due; a crash in between repeats the call, which the protocol requires
to be idempotent (the conformance kit checks it).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from prex.audit.consumers import advance, claim_batch
from prex.award.access import organisation, tender_for
from prex.award.orm import award_notices
from prex.db.uow import SqlUnitOfWork
from prex.guarantees import events as ev
from prex.guarantees.errors import GuaranteeNotFound, GuaranteeStateConflict
from prex.guarantees.model import (
    CLAIM_ACT,
    CLAIM_BASIS,
    RELEASE_ACT,
    RELEASE_BASIS,
    ClaimReason,
    GuaranteeStatus,
    notice_bytes,
)
from prex.guarantees.orm import guarantees
from prex.guarantees.provider import GuaranteeProvider, Notice
from prex.identity.policy import SYSTEM, Action
from prex.pki.cms import sign_detached
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict, InvalidInput
from prex.tenders.model import TenderStatus

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.guarantees")
CONSUMER = "guarantee-outcomes"
DUE = (GuaranteeStatus.RELEASING.value, GuaranteeStatus.CLAIMING.value)


def decide_within(
    uow: SqlUnitOfWork, services: Services, row: Any, kind: str, reason: str, basis: str
) -> bool:
    """Decide release or claim of one accepted guarantee inside the caller's unit of work: the
    platform signs the notice; the status moves to releasing/claiming. False when the guarantee
    is no longer accepted (decided before: nothing to do)."""
    status = GuaranteeStatus.RELEASING if kind == "release" else GuaranteeStatus.CLAIMING
    now = uow.clock.now()
    data = notice_bytes(
        RELEASE_ACT if kind == "release" else CLAIM_ACT,
        guarantee_id=row.id,
        guarantee_number=row.guarantee_number,
        guarantor_uscc=row.guarantor_uscc,
        document_sha256=row.document_sha256,
        reason=reason,
        basis=basis,
        amount=row.amount,
        decided_at=now,
    )
    keys = services.pki.platform_keys()
    signature = sign_detached(data, keys.signing_certificate, keys.signing_key, signing_time=now)
    moved = uow.session.execute(
        update(guarantees)
        .where(guarantees.c.id == row.id, guarantees.c.status == GuaranteeStatus.ACCEPTED.value)
        .values(
            status=status.value,
            outcome_kind=kind,
            outcome_reason=reason,
            notice=data,
            notice_signature=signature,
            decided_at=now,
        )
    )
    if not moved.rowcount:  # type: ignore[attr-defined]
        return False
    uow.record(
        ev.GuaranteeOutcomeDecided(
            "guarantee",
            row.id,
            now,
            tender_id=row.tender_id,
            kind=kind,
            reason=reason,
            basis=basis,
            notice_sha256=hashlib.sha256(data).hexdigest(),
        )
    )
    return True


def _release_all(
    uow: SqlUnitOfWork, services: Services, tender_id: str, section_id: str | None, reason: str
) -> int:
    query = select(guarantees).where(
        guarantees.c.tender_id == tender_id,
        guarantees.c.status == GuaranteeStatus.ACCEPTED.value,
    )
    if section_id is not None:
        query = query.where(guarantees.c.section_id == section_id)
    rows = uow.session.execute(query.order_by(guarantees.c.id)).all()
    return sum(
        decide_within(uow, services, r, "release", reason, RELEASE_BASIS[reason]) for r in rows
    )


def _outcome_of(event: Any) -> tuple[str | None, str] | None:
    """(section or None for the whole tender, release reason) of an outcome event, or None."""
    payload = event["payload"] or {}
    name = event["event"]
    if name == "ContractCountersigned":
        return str(payload.get("section_id")), "contract-signed"
    if name == "TenderCancelled":
        return None, "tender-cancelled"
    if name == "TenderStatusChanged" and payload.get("status") == TenderStatus.FAILED.value:
        return None, "tender-failed"
    return None


def consume_outcomes(services: Services, *, batch: int = 500) -> int:
    """Outbox consumer: release the accepted guarantees a contract, a failure or a
    cancellation frees; returns how many releases it decided."""
    decided = 0
    with services.uow(SYSTEM) as uow:
        events = claim_batch(uow.session, CONSUMER, batch)
        if not events:
            return 0
        for event in events:
            outcome = _outcome_of(event)
            if outcome is not None and event["object_type"] == "tender":
                section_id, reason = outcome
                decided += _release_all(uow, services, event["object_id"], section_id, reason)
        advance(uow.session, CONSUMER, events)
        uow.commit()
    return decided


def claim_guarantee(
    uow: SqlUnitOfWork, services: Services, guarantee_id: str, reason: str, facts: str
) -> dict[str, Any]:
    """The beneficiary (tenderer, agency) or the centre claims an accepted guarantee on a
    statutory ground; the worker then tells the provider."""
    try:
        ground = ClaimReason(reason)
    except ValueError:
        raise InvalidInput(
            f"a claim cites one of {', '.join(r.value for r in ClaimReason)}", field="reason"
        ) from None
    facts = " ".join(facts.split())
    if not 1 <= len(facts) <= 2000:
        raise InvalidInput("state the facts of the claim (1–2000 characters)", field="facts")
    with services.read_session() as session:
        row = session.execute(select(guarantees).where(guarantees.c.id == guarantee_id)).first()
    if row is None:
        raise GuaranteeNotFound(f"no guarantee {guarantee_id}")
    tender = tender_for(services, uow.actor, row.tender_id, Action.GUARANTEE_CLAIM)
    if tender.status in (TenderStatus.DRAFT, TenderStatus.PUBLISHED):
        raise Conflict("a bid guarantee is claimed only after the bid deadline")
    if ground is ClaimReason.CONTRACT_REFUSED:
        with services.read_session() as session:
            awarded = session.execute(
                select(award_notices.c.org_id).where(
                    award_notices.c.tender_id == row.tender_id,
                    award_notices.c.section_id == row.section_id,
                )
            ).scalar_one_or_none()
            applicant = organisation(session, row.applicant_org_id)
        if awarded != row.applicant_org_id:
            raise Conflict(
                f"{applicant.name} was not awarded section {row.section_id}: 第七十四条 applies "
                "to the winner only"
            )
    basis = f"{CLAIM_BASIS[ground]}；事实：{facts}"
    with uow:
        current = uow.session.execute(
            select(guarantees).where(guarantees.c.id == guarantee_id).with_for_update()
        ).one()
        if current.status != GuaranteeStatus.ACCEPTED.value:
            raise GuaranteeStateConflict(
                f"guarantee {guarantee_id} is {current.status}: only an accepted one is claimed",
                status=current.status,
            )
        decide_within(uow, services, current, "claim", ground.value, basis)
        uow.commit()
    from prex.guarantees.service import guarantee_view

    return guarantee_view(services, uow.actor, guarantee_id)


def _notice(row: Any) -> Notice:
    return Notice(
        kind=row.outcome_kind,
        guarantee_number=row.guarantee_number,
        document_sha256=row.document_sha256,
        reason=row.outcome_reason,
        basis=str(json.loads(row.notice)["basis"]),
        amount=row.amount,
        data=row.notice,
        signature=row.notice_signature,
    )


def settle_due(services: Services, *, limit: int = 100) -> int:
    """Tell the providers of the decided guarantees; record their receipts. Returns how many
    were settled. A provider that fails is retried on the next pass (attempts, last_error)."""
    from prex.guarantees.service import load_provider

    with services.read_session() as session:
        rows = session.execute(
            select(guarantees)
            .where(guarantees.c.status.in_(DUE))
            .order_by(guarantees.c.decided_at, guarantees.c.id)
            .limit(limit)
        ).all()
    providers: dict[str, GuaranteeProvider] = {}
    settled = 0
    for row in rows:
        notice = _notice(row)
        receipt: dict[str, Any]
        try:
            if row.provider is None:  # a bank's client reads the notice from the API
                receipt = {"reference": f"served-{row.id}", "served": True}
            else:
                if row.provider not in providers:
                    providers[row.provider] = load_provider(services, row.provider)
                provider = providers[row.provider]
                answer = (provider.release if row.outcome_kind == "release" else provider.claim)(
                    notice
                )
                receipt = {"reference": answer.reference, "at": ensure_utc(answer.at).isoformat()}
        except Exception as exc:  # an outside module's fault must not stop the worker's pass
            log.warning("guarantee %s: provider %s failed: %s", row.id, row.provider, exc)
            with services.uow(SYSTEM) as uow:
                uow.session.execute(
                    update(guarantees)
                    .where(guarantees.c.id == row.id)
                    .values(attempts=guarantees.c.attempts + 1, last_error=str(exc)[:500])
                )
                uow.commit()
            continue
        settled += _record_receipt(services, row, receipt)
    return settled


def _record_receipt(services: Services, row: Any, receipt: dict[str, Any]) -> int:
    final = GuaranteeStatus.RELEASED if row.outcome_kind == "release" else GuaranteeStatus.CLAIMED
    with services.uow(SYSTEM) as uow:
        now = uow.clock.now()
        moved = uow.session.execute(
            update(guarantees)
            .where(guarantees.c.id == row.id, guarantees.c.status == row.status)
            .values(
                status=final.value,
                receipt=receipt,
                settled_at=now,
                attempts=guarantees.c.attempts + 1,
                last_error=None,
            )
        )
        if not moved.rowcount:  # type: ignore[attr-defined]
            return 0  # another worker recorded it first
        uow.record(
            ev.GuaranteeSettled(
                "guarantee",
                row.id,
                now,
                tender_id=row.tender_id,
                kind=row.outcome_kind,
                reference=str(receipt["reference"]),
            )
        )
        uow.commit()
    return 1


def run_guarantees(services: Services) -> int:
    """The worker's step: decide the outcomes the outbox brings, then settle what is due."""
    consume_outcomes(services)
    return settle_due(services)
