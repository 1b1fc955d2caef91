"""Use cases after the result is published: objections during the candidates' publicity (the
process is suspended until each is answered), the award notice signed by the platform, the
contract signed by the tenderer and countersigned by the winner, and the re-tender of a tender
whose bids were all rejected.

Refusals: ``RuleViolation`` quoting the rule pack's period (an objection after publicity, an
award before it ends or while an objection is unanswered, a contract off the award's terms),
``Conflict`` (the wrong status; an act done already), ``PermissionDenied`` (not a bidder, not
the winner, not the tenderer), and the signature checks' own refusals (``prex.award.acts``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from prex.audit.chain import canonical_json
from prex.award import acts
from prex.award import events as ev
from prex.award.access import organisation, report_row, require_bidder, tender_for
from prex.award.orm import award_notices, contracts, result_objections
from prex.bidding.orm import bids
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import Action
from prex.opening.record import sign_record
from prex.shared.clock import ensure_utc, iso_utc
from prex.shared.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from prex.shared.ids import new_id
from prex.tenders.model import Tender, TenderStatus
from prex.tenders.service import CreateTender, advance_within, create_tender

if TYPE_CHECKING:
    from prex.bootstrap import Services

NOTICE_FORMAT = "prex-award-notice"
CONTRACT_FORMAT = "prex-contract"
MAX_TEXT = 4000
#: 《招标投标法》第四十六条: the contract within 30 days of the award notice, on its terms.
CONTRACT_DAYS = 30
CONTRACT_RULE = (
    "招标人和中标人应当自中标通知书发出之日起三十日内，按照招标文件和中标人的投标文件订立书面"
    "合同（《招标投标法》第四十六条）"
)
SUBSTITUTE_RULE = (
    "排名第一的中标候选人放弃中标、因不可抗力不能履行合同或者被查实存在影响中标结果的违法行为"
    "的，招标人可以按照评标委员会提出的中标候选人名单排序依次确定其他中标候选人为中标人"
    "（《招标投标法实施条例》第五十五条）"
)


def _text(value: str, field: str) -> str:
    value = value.strip()
    if not value or len(value) > MAX_TEXT:
        raise InvalidInput(f"{field} is 1 to {MAX_TEXT} characters", field=field)
    return value


def objection_bytes(tender_id: str, text: str) -> bytes:
    """What a bidder signs to object: ``{"act":"result-objection","tender_id":…,"text":…}``."""
    return acts.act_bytes("result-objection", tender_id=tender_id, text=text)


def answer_bytes(objection_id: str, answer: str) -> bytes:
    return acts.act_bytes("result-objection-answer", objection_id=objection_id, answer=answer)


# -- objections ---------------------------------------------------------------------------------


def file_objection(
    uow: SqlUnitOfWork, services: Services, tender_id: str, text: str, signature: str
) -> dict[str, Any]:
    tender = tender_for(services, uow.actor, tender_id, Action.RESULT_OBJECT)
    text = _text(text, "text")
    der = acts.signature_der(signature)
    pack = services.rule_packs.get(tender.rule_pack_id)
    now = services.clock.now()
    with services.read_session() as session:
        row = report_row(session, tender.id)
        org = organisation(session, uow.actor.org_id)
        require_bidder(session, tender.id, org.id)
    period = pack.period("result-objection.answer-days")
    if (
        tender.status is not TenderStatus.PUBLICITY
        or row.publicity_until is None
        or now >= ensure_utc(row.publicity_until)
    ):
        raise RuleViolation(
            "result-objection.during-publicity",
            f"objections to the result are taken only during the candidates' publicity: "
            f"{period.quote()}",
            tender_id=tender.id,
        )
    acts.verify_organisation(
        services, objection_bytes(tender.id, text), der, uscc=org.uscc, name=org.name
    )
    objection_id = new_id()
    due = pack.earliest("result-objection.answer-days", now)
    with uow:
        uow.session.execute(
            insert(result_objections).values(
                id=objection_id,
                tender_id=tender.id,
                org_id=org.id,
                text=text,
                signature=der,
                filed_at=uow.clock.now(),
                answer_due=due,
            )
        )
        uow.record(
            ev.ResultObjectionFiled(
                "tender",
                tender.id,
                uow.clock.now(),
                objection_id=objection_id,
                org_id=org.id,
                answer_due=due.isoformat(),
            )
        )
        uow.commit()
    return {"id": objection_id, "tender_id": tender.id, "answer_due": due.isoformat()}


def answer_objection(
    uow: SqlUnitOfWork, services: Services, objection_id: str, answer: str, signature: str
) -> dict[str, Any]:
    with services.read_session() as session:
        found = session.execute(
            select(result_objections.c.tender_id).where(result_objections.c.id == objection_id)
        ).first()
    if found is None:
        raise NotFound(f"no objection '{objection_id}'")
    tender = tender_for(services, uow.actor, found.tender_id, Action.RESULT_ANSWER)
    answer = _text(answer, "answer")
    der = acts.signature_der(signature)
    with services.read_session() as session:
        org = organisation(session, uow.actor.org_id)
    acts.verify_organisation(
        services, answer_bytes(objection_id, answer), der, uscc=org.uscc, name=org.name
    )
    with uow:
        row = uow.session.execute(
            select(result_objections)
            .where(result_objections.c.id == objection_id)
            .with_for_update()
        ).one()
        if row.answered_at is not None:
            raise Conflict(f"objection {objection_id} is answered already")
        now = uow.clock.now()
        uow.session.execute(
            update(result_objections)
            .where(result_objections.c.id == objection_id)
            .values(
                answer=answer,
                answer_signature=der,
                answered_at=now,
                answered_by=uow.actor.user_id,
            )
        )
        uow.record(ev.ResultObjectionAnswered("tender", tender.id, now, objection_id=objection_id))
        uow.commit()
    return {"id": objection_id, "answered_at": now.isoformat()}


def _unanswered(session: Any, tender_id: str) -> list[Any]:
    return list(
        session.execute(
            select(result_objections.c.id, result_objections.c.answer_due).where(
                result_objections.c.tender_id == tender_id,
                result_objections.c.answered_at.is_(None),
            )
        )
    )


# -- the award notice ---------------------------------------------------------------------------


def _candidate(report: dict[str, Any], section_id: str, bid_id: str | None, reason: str) -> Any:
    section = next((s for s in report["sections"] if s["section_id"] == section_id), None)
    if section is None or not section["candidates"]:
        raise NotFound(f"section {section_id} has no candidate to award")
    ranked = [c for c in section["ranking"] if c["bid_id"] in section["candidates"]]
    chosen = (
        ranked[0] if bid_id is None else next((c for c in ranked if c["bid_id"] == bid_id), None)
    )
    if chosen is None:
        raise InvalidInput(
            f"bid {bid_id} is not a candidate of section {section_id}", field="bid_id"
        )
    if chosen is not ranked[0] and not reason.strip():
        raise RuleViolation(
            "award.first-candidate",
            f"the award goes to the first candidate unless a reason is given: {SUBSTITUTE_RULE}",
            section_id=section_id,
        )
    return section, chosen


def issue_award(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    section_id: str,
    *,
    bid_id: str | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """The award notice of one section, once publicity is over and no objection is open;
    signed by the platform and timestamped. The tender is awarded when every section with
    candidates has its notice."""
    tender = tender_for(services, uow.actor, tender_id, Action.AWARD_ISSUE)
    pack = services.rule_packs.get(tender.rule_pack_id)
    tender.require_not_suspended("issue the award notice")
    if tender.status is not TenderStatus.PUBLICITY:
        raise Conflict(f"tender {tender.id} is {tender.status.value}: awards follow publicity")
    now = services.clock.now()
    with services.read_session() as session:
        row = report_row(session, tender.id)
        open_objections = _unanswered(session, tender.id)
        org_of_bid = _bid_orgs(session, tender.id)
    if now < ensure_utc(row.publicity_until):
        raise RuleViolation(
            "publicity.min-days",
            f"{pack.period('publicity.min-days').quote()}: publicity ends "
            f"{ensure_utc(row.publicity_until).isoformat()}",
            tender_id=tender.id,
        )
    if open_objections:
        raise RuleViolation(
            "result-objection.suspends",
            f"{len(open_objections)} objection(s) unanswered: "
            f"{pack.period('result-objection.answer-days').quote()}",
            tender_id=tender.id,
            objections=[o.id for o in open_objections],
        )
    section, chosen = _candidate(row.report, section_id, bid_id, reason)
    notice = {
        "format": NOTICE_FORMAT,
        "version": 1,
        "tender": {"id": tender.id, "deal_code": tender.deal_code, "title": tender.title},
        "section": {"id": section_id, "name": section["section_name"]},
        "winner": {"name": chosen["bidder_name"], "uscc": chosen["bidder_uscc"]},
        "bid_id": chosen["bid_id"],
        "rank": chosen["rank"],
        "price": chosen["price"],
        "reason": reason.strip(),
        "report_sha256": row.sha256,
        "publicity": [
            ensure_utc(row.publicity_from).isoformat(),
            ensure_utc(row.publicity_until).isoformat(),
        ],
        "issued_at": now.isoformat(),
    }
    signed = sign_record(services, notice)
    with uow:
        report_row(uow.session, tender.id, lock=True)
        if uow.session.execute(
            select(award_notices.c.bid_id).where(
                award_notices.c.tender_id == tender.id, award_notices.c.section_id == section_id
            )
        ).first():
            raise Conflict(f"section {section_id} is awarded already")
        if _unanswered(uow.session, tender.id):
            raise Conflict("an objection was filed meanwhile; answer it first")
        uow.session.execute(
            insert(award_notices).values(
                tender_id=tender.id,
                section_id=section_id,
                bid_id=chosen["bid_id"],
                org_id=org_of_bid[chosen["bid_id"]],
                notice=notice,
                sha256=signed.sha256,
                signature=signed.signature,
                timestamp=signed.timestamp,
                issued_at=now,
            )
        )
        uow.record(
            ev.AwardNoticeIssued(
                "tender",
                tender.id,
                now,
                section_id=section_id,
                bid_id=chosen["bid_id"],
                org_id=org_of_bid[chosen["bid_id"]],
                sha256=signed.sha256,
            )
        )
        awarded = set(
            uow.session.execute(
                select(award_notices.c.section_id).where(award_notices.c.tender_id == tender.id)
            ).scalars()
        )
        if {s["section_id"] for s in row.report["sections"] if s["candidates"]} <= awarded:
            advance_within(uow, tender.id, TenderStatus.AWARDED, f"中标人：{chosen['bidder_name']}")
        uow.commit()
    return {"notice": notice, **signed.__dict__}


def _bid_orgs(session: Any, tender_id: str) -> dict[str, str]:
    return dict(
        session.execute(
            select(bids.c.id, bids.c.bidder_org_id).where(bids.c.tender_id == tender_id)
        ).all()
    )


# -- the contract -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractTerms:
    value: Decimal  # yuan
    signed_on: date
    starts_on: date
    ends_on: date


def contract_document(notice: dict[str, Any], buyer: Any, terms: ContractTerms) -> dict[str, Any]:
    """The contract both parties sign, in canonical JSON: ``prex.audit.chain.canonical_json``."""
    return {
        "format": CONTRACT_FORMAT,
        "version": 1,
        "tender": notice["tender"],
        "section": notice["section"],
        "buyer": {"name": buyer.name, "uscc": buyer.uscc},
        "supplier": notice["winner"],
        "award_notice_sha256": None,  # filled by the caller from the stored notice
        "value": format(terms.value, "f"),
        "currency": "CNY",
        "signed_on": terms.signed_on.isoformat(),
        "starts_on": terms.starts_on.isoformat(),
        "ends_on": terms.ends_on.isoformat(),
    }


def _notice(session: Any, tender_id: str, section_id: str) -> Any:
    row = session.execute(
        select(award_notices).where(
            award_notices.c.tender_id == tender_id, award_notices.c.section_id == section_id
        )
    ).first()
    if row is None:
        raise NotFound(f"section {section_id} of tender {tender_id} has no award notice")
    return row


def contract_to_sign(
    services: Services,
    tender: Tender,
    section_id: str,
    buyer_org_id: str | None,
    terms: ContractTerms,
) -> tuple[dict[str, Any], bytes]:
    """The contract the tenderer is about to sign, and its bytes (checked against the award)."""
    with services.read_session() as session:
        notice = _notice(session, tender.id, section_id)
        buyer = organisation(session, buyer_org_id)
    if buyer.id != tender.tenderer_org_id:
        raise PermissionDenied("the contract is signed by the tenderer itself (招标人)")
    if Decimal(notice.notice["price"]) != terms.value:
        raise RuleViolation(
            "contract.award-terms",
            f"{CONTRACT_RULE}: the awarded price is {notice.notice['price']}, the contract says "
            f"{terms.value}",
            section_id=section_id,
        )
    if not terms.starts_on <= terms.ends_on:
        raise InvalidInput("the contract ends before it starts", field="ends_on")
    if terms.signed_on < ensure_utc(notice.issued_at).date():
        raise InvalidInput("the contract is signed after the award notice", field="signed_on")
    document = contract_document(notice.notice, buyer, terms)
    document["award_notice_sha256"] = notice.sha256
    return document, canonical_json(document)


def record_contract(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    section_id: str,
    terms: ContractTerms,
    signature: str,
) -> dict[str, Any]:
    tender = tender_for(services, uow.actor, tender_id, Action.CONTRACT_RECORD)
    tender.require_not_suspended("record the contract")
    if tender.status is not TenderStatus.AWARDED:
        raise Conflict(f"tender {tender.id} is {tender.status.value}: contracts follow the award")
    der = acts.signature_der(signature)
    document, data = contract_to_sign(services, tender, section_id, uow.actor.org_id, terms)
    acts.verify_organisation(
        services, data, der, uscc=document["buyer"]["uscc"], name=document["buyer"]["name"]
    )
    with services.read_session() as session:
        notice = _notice(session, tender.id, section_id)
    late = terms.signed_on > ensure_utc(notice.issued_at).date() + timedelta(days=CONTRACT_DAYS)
    digest = hashlib.sha256(data).hexdigest()
    with uow:
        if uow.session.execute(
            select(contracts.c.sha256).where(
                contracts.c.tender_id == tender.id, contracts.c.section_id == section_id
            )
        ).first():
            raise Conflict(f"the contract of section {section_id} is recorded already")
        now = uow.clock.now()
        uow.session.execute(
            insert(contracts).values(
                tender_id=tender.id,
                section_id=section_id,
                contract=document,
                sha256=digest,
                value=document["value"],
                signed_on=terms.signed_on,
                starts_on=terms.starts_on,
                ends_on=terms.ends_on,
                late=late,
                buyer_signature=der,
                recorded_at=now,
            )
        )
        uow.record(
            ev.ContractRecorded(
                "tender",
                tender.id,
                now,
                section_id=section_id,
                sha256=digest,
                value=document["value"],
                late=late,
            )
        )
        uow.commit()
    return {"section_id": section_id, "sha256": digest, "late": late, "contract": document}


def countersign_contract(
    uow: SqlUnitOfWork, services: Services, tender_id: str, section_id: str, signature: str
) -> dict[str, Any]:
    """The winner countersigns the recorded contract; the tender is complete when every
    awarded section's contract carries both signatures."""
    tender = tender_for(services, uow.actor, tender_id, Action.CONTRACT_COUNTERSIGN)
    tender.require_not_suspended("countersign the contract")
    der = acts.signature_der(signature)
    with services.read_session() as session:
        notice = _notice(session, tender.id, section_id)
        org = organisation(session, uow.actor.org_id)
        row = session.execute(
            select(contracts).where(
                contracts.c.tender_id == tender.id, contracts.c.section_id == section_id
            )
        ).first()
    if org.id != notice.org_id:
        raise PermissionDenied("only the awarded bidder countersigns the contract")
    if row is None:
        raise NotFound(f"the contract of section {section_id} is not recorded yet")
    acts.verify_organisation(
        services, canonical_json(row.contract), der, uscc=org.uscc, name=org.name
    )
    with uow:
        current = uow.session.execute(
            select(contracts.c.countersigned_at)
            .where(contracts.c.tender_id == tender.id, contracts.c.section_id == section_id)
            .with_for_update()
        ).one()
        if current.countersigned_at is not None:
            raise Conflict(f"the contract of section {section_id} is countersigned already")
        now = uow.clock.now()
        uow.session.execute(
            update(contracts)
            .where(contracts.c.tender_id == tender.id, contracts.c.section_id == section_id)
            .values(supplier_signature=der, countersigned_at=now)
        )
        uow.record(
            ev.ContractCountersigned(
                "tender", tender.id, now, section_id=section_id, sha256=row.sha256
            )
        )
        awarded = set(
            uow.session.execute(
                select(award_notices.c.section_id).where(award_notices.c.tender_id == tender.id)
            ).scalars()
        )
        signed = set(
            uow.session.execute(
                select(contracts.c.section_id).where(
                    contracts.c.tender_id == tender.id, contracts.c.countersigned_at.is_not(None)
                )
            ).scalars()
        ) | {section_id}
        if awarded <= signed:
            advance_within(uow, tender.id, TenderStatus.COMPLETE, "合同已签订")
        uow.commit()
    return {"section_id": section_id, "sha256": row.sha256, "countersigned_at": now.isoformat()}


# -- re-tender ----------------------------------------------------------------------------------


def retender(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    *,
    bid_deadline: datetime,
    documents_until: datetime,
) -> dict[str, Any]:
    """A failed tender's re-tender (重新招标): a new draft of the same project with the same
    sections, method and rule pack; its dates are the caller's and are checked on publishing."""
    tender = tender_for(services, uow.actor, tender_id, Action.TENDER_CREATE)
    if tender.status is not TenderStatus.FAILED:
        raise Conflict(
            f"tender {tender.id} is {tender.status.value}: only a failed tender is re-tendered"
        )
    command = CreateTender(
        project_id=tender.project_id,
        title=tender.title
        if tender.title.endswith("（重新招标）")
        else f"{tender.title}（重新招标）",
        description=tender.description,
        qualification=tender.qualification,
        evaluation_method=tender.evaluation_method,
        bid_deadline=bid_deadline,
        documents_until=documents_until,
        sections=[
            {
                "name": s.name,
                "budget": s.budget,
                "ceiling_price": s.ceiling_price,
                "qualification": s.qualification,
                "duration_days": s.duration_days,
            }
            for s in tender.sections
        ],
        method=tender.method.value,
        rule_pack_id=tender.rule_pack_id,
        opening_place=tender.opening_place,
        invitee_org_ids=tuple(tender.invitee_org_ids),
    )
    new = create_tender(
        services.uow(uow.actor),
        services.rule_packs,
        command,
        sandbox_acceleration=tender.acceleration,
    )
    with uow:
        uow.record(ev.TenderRetendered("tender", tender.id, uow.clock.now(), new_tender_id=new.id))
        uow.commit()
    return {"tender_id": tender.id, "retender_id": new.id, "status": new.status.value}


# -- reading ------------------------------------------------------------------------------------


def published_of(services: Services, tender_id: str) -> dict[str, Any]:
    """What everyone sees once the result is published: the candidates (or the failure), the
    publicity window, the objections' state, the award notices and contracts with signatures."""
    with services.read_session() as session:
        row = report_row(session, tender_id)
        if row.outcome is None:
            raise NotFound(f"the result of tender {tender_id} is not published yet")
        objections = list(
            session.execute(
                select(result_objections)
                .where(result_objections.c.tender_id == tender_id)
                .order_by(result_objections.c.filed_at)
            )
        )
        notices = list(
            session.execute(select(award_notices).where(award_notices.c.tender_id == tender_id))
        )
        signed = list(session.execute(select(contracts).where(contracts.c.tender_id == tender_id)))
    report = row.report
    return {
        "tender_id": tender_id,
        "outcome": row.outcome,
        "report_sha256": row.sha256,
        "publicity_from": iso_utc(row.publicity_from),
        "publicity_until": iso_utc(row.publicity_until),
        "sections": [
            {
                "section_id": s["section_id"],
                "section_name": s["section_name"],
                "candidates": [
                    {k: c[k] for k in ("rank", "bidder_name", "bidder_uscc", "price", "total")}
                    for c in s["ranking"]
                    if c["bid_id"] in s["candidates"]
                ],
                "rejected": [
                    {"bidder_name": r["bidder_name"], "reason": r["reason"]} for r in s["rejected"]
                ],
            }
            for s in report["sections"]
        ],
        "objections": [
            {
                "id": o.id,
                "filed_at": iso_utc(o.filed_at),
                "answer_due": iso_utc(o.answer_due),
                "answered_at": iso_utc(o.answered_at),
                "answer": o.answer,
            }
            for o in objections
        ],
        "awards": [
            {
                "section_id": n.section_id,
                "notice": n.notice,
                "sha256": n.sha256,
                "signature": n.signature,
                "timestamp": n.timestamp,
            }
            for n in notices
        ],
        "contracts": [
            {
                "section_id": c.section_id,
                "contract": c.contract,
                "sha256": c.sha256,
                "late": c.late,
                "buyer_signature": acts.signature_text(c.buyer_signature),
                "supplier_signature": acts.signature_text(c.supplier_signature),
                "countersigned_at": iso_utc(c.countersigned_at),
            }
            for c in signed
        ],
    }


def published_or_none(services: Services, tender_id: str) -> dict[str, Any] | None:
    """:func:`published_of`, or None before the result is published (for the portal page)."""
    try:
        return published_of(services, tender_id)
    except NotFound:
        return None
