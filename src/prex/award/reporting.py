"""Use cases around the evaluation report: drawn up by the centre once the evaluation is
complete, signed by every sitting member, then published by the tenderer (or the centre): the
candidates' publicity starts, or — every bid rejected — the tender fails (《招标投标法》第四十二条).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from prex.award import acts
from prex.award import events as ev
from prex.award.access import report_row, resource, tender_for
from prex.award.orm import evaluation_reports, report_refusals, report_signatures
from prex.award.report import build, has_candidates, report_bytes
from prex.db.uow import SqlUnitOfWork
from prex.evaluation import room as rooms
from prex.evaluation.rounds import current_round
from prex.experts.committee import sits_on_committee
from prex.experts.committee_orm import committee_members
from prex.experts.orm import experts as experts_table
from prex.identity.policy import Action, Actor, Role, is_allowed
from prex.shared.clock import iso_utc
from prex.shared.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from prex.tenders.model import TenderStatus
from prex.tenders.service import advance_within, get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

DEEMED_TO_AGREE = (
    "评标委员会成员拒绝在评标报告上签字又不书面说明其不同意见和理由的，视为同意评标结果"
    "（《招标投标法实施条例》第五十三条）"
)
MAX_DISSENT = 4000
ALL_REJECTED = (
    "评标委员会经评审，认为所有投标都不符合招标文件要求的，可以否决所有投标。依法必须进行招标的"
    "项目的所有投标被否决的，招标人应当依照本法重新招标（《招标投标法》第四十二条）"
)


def draw_up(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Make the report (JSON and PDF) of a complete evaluation; once per evaluation round (a
    decision to redo the evaluation moves the round's report aside, :mod:`prex.award.rounds`)."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_MANAGE)
    with services.read_session() as session:
        report, pdf = build(session, tender)
    blob = services.blobs.put([pdf], max_bytes=len(pdf) + 1)
    data = report_bytes(report)
    digest = hashlib.sha256(data).hexdigest()
    with uow:
        if uow.session.execute(
            select(evaluation_reports.c.tender_id).where(
                evaluation_reports.c.tender_id == tender.id
            )
        ).first():
            raise Conflict(f"the report of tender {tender.id} is drawn up already")
        now = uow.clock.now()
        uow.session.execute(
            insert(evaluation_reports).values(
                tender_id=tender.id,
                report=report,
                sha256=digest,
                pdf_sha256=blob.sha256,
                created_at=now,
            )
        )
        uow.record(
            ev.ReportDrawnUp("tender", tender.id, now, sha256=digest, pdf_sha256=blob.sha256)
        )
        uow.commit()
    return {"tender_id": tender.id, "sha256": digest, "pdf_sha256": blob.sha256}


def _member_of(session: Any, tender_id: str, user_id: str | None) -> Any:
    room = rooms.load(session, tender_id)
    member = next((m for m in room.members if user_id and m.user_id == user_id), None)
    if member is None:
        raise PermissionDenied(
            f"only a sitting member of the committee of tender {tender_id} signs its report",
            tender_id=tender_id,
        )
    return session.execute(
        select(committee_members.c.id, committee_members.c.pseudonym, experts_table.c.id_digest)
        .join(experts_table, experts_table.c.id == committee_members.c.expert_id)
        .where(committee_members.c.id == member.id)
    ).one()


def dissent_bytes(report_sha256: str, dissent: str) -> bytes:
    """What a dissenting member signs besides the report: its reasons, bound to the report."""
    return acts.act_bytes("report-dissent", report_sha256=report_sha256, dissent=dissent)


def sign(
    uow: SqlUnitOfWork,
    services: Services,
    tender_id: str,
    signature: str,
    *,
    dissent: str = "",
    dissent_signature: str | None = None,
) -> dict[str, Any]:
    """A sitting member signs the report with a personal certificate whose ID number is the
    expert's (the registry keeps only its keyed digest, which the certificate's holder has).
    A member who disagrees signs too, and states and signs its reasons (``dissent``)."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_SCORE)
    der = acts.signature_der(signature)
    dissent = dissent.strip()
    if len(dissent) > MAX_DISSENT:
        raise InvalidInput(f"a dissent is at most {MAX_DISSENT} characters", field="dissent")
    if bool(dissent) != bool(dissent_signature):
        raise InvalidInput(
            "a dissent comes with its own signature, and a dissent signature with a dissent",
            field="dissent_signature",
        )
    with services.read_session() as session:
        row = report_row(session, tender.id)
        member = _member_of(session, tender.id, uow.actor.user_id)
    who = f"committee member {member.pseudonym}"
    verdict = acts.verify_person(
        services, report_bytes(row.report), der, id_digest=member.id_digest, who=who
    )
    dissent_der = None
    if dissent_signature:
        dissent_der = acts.signature_der(dissent_signature)
        acts.verify_person(
            services,
            dissent_bytes(row.sha256, dissent),
            dissent_der,
            id_digest=member.id_digest,
            who=who,
        )
    with uow:
        report_row(uow.session, tender.id, lock=True)
        if member.id in _answered(uow.session, tender.id):
            raise Conflict(f"{member.pseudonym} has signed the report already (or refused to)")
        now = uow.clock.now()
        uow.session.execute(
            insert(report_signatures).values(
                tender_id=tender.id,
                member_id=member.id,
                signature=der,
                scheme=acts.scheme_name(verdict),
                certificate_sha256=verdict.check.signer.fingerprint,
                signed_at=now,
                dissent=dissent or None,
                dissent_signature=dissent_der,
            )
        )
        uow.record(
            ev.ReportSigned(
                "tender",
                tender.id,
                now,
                member_id=member.id,
                scheme=acts.scheme_name(verdict),
                certificate_sha256=verdict.check.signer.fingerprint,
                dissent=dissent,
            )
        )
        uow.commit()
    return {
        "tender_id": tender.id,
        "member": member.pseudonym,
        "scheme": acts.scheme_name(verdict),
        "dissent": dissent or None,
    }


def record_refusal(
    uow: SqlUnitOfWork, services: Services, tender_id: str, pseudonym: str, note: str
) -> dict[str, Any]:
    """The centre records that a sitting member would not sign and gave no written reason: the
    member is deemed to agree (实施条例 第五十三条), and publication no longer waits for it."""
    tender = tender_for(services, uow.actor, tender_id, Action.EVALUATION_MANAGE)
    note = note.strip()
    if not note or len(note) > MAX_DISSENT:
        raise InvalidInput(f"note is 1 to {MAX_DISSENT} characters", field="note")
    with uow:
        row = report_row(uow.session, tender.id, lock=True)
        if row.outcome is not None:
            raise Conflict(f"the result of tender {tender.id} is published already")
        room = rooms.load(uow.session, tender.id)
        member = next((m for m in room.members if m.pseudonym == pseudonym), None)
        if member is None:
            raise NotFound(f"no sitting member '{pseudonym[:40]}' on this committee")
        if member.id in _answered(uow.session, tender.id):
            raise Conflict(f"{pseudonym} has signed the report already (or refused to)")
        now = uow.clock.now()
        uow.session.execute(
            insert(report_refusals).values(
                tender_id=tender.id,
                member_id=member.id,
                note=note,
                recorded_at=now,
                recorded_by=uow.actor.user_id,
            )
        )
        uow.record(
            ev.ReportSignatureRefused("tender", tender.id, now, member_id=member.id, note=note)
        )
        uow.commit()
    return {"tender_id": tender.id, "member": pseudonym, "deemed": DEEMED_TO_AGREE}


def _answered(session: Any, tender_id: str) -> set[str]:
    """Members who signed the report or were recorded as refusing to."""
    signed = session.execute(
        select(report_signatures.c.member_id).where(report_signatures.c.tender_id == tender_id)
    ).scalars()
    refused = session.execute(
        select(report_refusals.c.member_id).where(report_refusals.c.tender_id == tender_id)
    ).scalars()
    return {*signed, *refused}


def _unsigned(session: Any, tender_id: str) -> list[str]:
    room = rooms.load(session, tender_id)
    answered = _answered(session, tender_id)
    return [m.pseudonym for m in room.members if m.id not in answered]


def publish(uow: SqlUnitOfWork, services: Services, tender_id: str) -> dict[str, Any]:
    """Once every sitting member has signed: publicity of the candidates for the rule pack's
    period (tender → publicity), or, with no candidate in any section, the tender fails."""
    tender = tender_for(services, uow.actor, tender_id, Action.RESULT_PUBLISH)
    pack = services.rule_packs.get(tender.rule_pack_id)
    with uow:
        row = report_row(uow.session, tender.id, lock=True)
        if row.outcome is not None:
            raise Conflict(f"the result of tender {tender.id} is published already")
        missing = _unsigned(uow.session, tender.id)
        if missing:
            raise Conflict(
                "the report is not signed by every sitting member: waiting for "
                + ", ".join(missing),
                tender_id=tender.id,
                missing=missing,
            )
        now = uow.clock.now()
        if has_candidates(row.report):
            until = pack.earliest("publicity.min-days", now)
            values = {"outcome": "candidates", "publicity_from": now, "publicity_until": until}
            note = f"中标候选人公示至 {until.isoformat()}"
            advance_within(uow, tender.id, TenderStatus.PUBLICITY, note)
            uow.record(
                ev.CandidatesPublished(
                    "tender",
                    tender.id,
                    now,
                    report_sha256=row.sha256,
                    publicity_until=until.isoformat(),
                )
            )
        else:
            values = {"outcome": "failed", "publicity_from": now}
            advance_within(uow, tender.id, TenderStatus.FAILED, ALL_REJECTED)
            uow.record(
                ev.EvaluationFailed(
                    "tender", tender.id, now, report_sha256=row.sha256, reason=ALL_REJECTED
                )
            )
        uow.session.execute(
            update(evaluation_reports)
            .where(evaluation_reports.c.tender_id == tender.id)
            .values(**values)
        )
        uow.commit()
    return {
        "tender_id": tender.id,
        **{k: iso_utc(v) if isinstance(v, datetime) else v for k, v in values.items()},
    }


def _readable_row(services: Services, actor: Actor, tender_id: str, *, published: bool) -> Any:
    """The report's row. ``published``: for everyone, once the result is published. Otherwise
    for the sitting members, the tender's parties and the centre, before and after."""
    if published:
        get_tender_for(services.uow(actor), tender_id)  # drafts stay hidden
        with services.read_session() as session:
            row = report_row(session, tender_id)
        if row.outcome is None:
            raise NotFound(f"the result of tender {tender_id} is not published yet")
        return row
    tender = tender_for(services, actor, tender_id, Action.REPORT_READ)
    with services.read_session() as session:
        row = report_row(session, tender.id)
    only_sitting_experts(services, actor, tender)
    return row


def only_sitting_experts(services: Services, actor: Actor, tender: Any) -> None:
    """Of the experts, only the committee's sitting members read a report before publication
    (the policy lets the expert role in; the award context narrows it to the tender)."""
    if Role.EXPERT in actor.roles:
        others = dataclasses.replace(actor, roles=actor.roles - {Role.EXPERT})
        with services.read_session() as session:
            member = sits_on_committee(session, tender.id, actor.user_id)
        if not member and not is_allowed(others, Action.REPORT_READ, resource(tender)):
            raise PermissionDenied(
                f"{actor.label} is not a sitting member of the committee of tender {tender.id}",
                tender_id=tender.id,
            )


def check_result_readable(services: Services, actor: Actor, tender_id: str) -> None:
    """Whether ``actor`` may see the evaluation's result (candidates, prices, totals).

    No one may disclose the candidates before the tenderer publishes them (招标投标法 第四十四条;
    the publicity of 实施条例 第五十四条): from publication on the result is everyone's; before,
    only those who may read the report see it, and to anyone else it does not exist yet."""
    with services.read_session() as session:
        row = session.execute(
            select(evaluation_reports.c.outcome).where(evaluation_reports.c.tender_id == tender_id)
        ).first()
    if row is not None and row.outcome is not None:
        return
    try:
        only_sitting_experts(
            services, actor, tender_for(services, actor, tender_id, Action.REPORT_READ)
        )
    except (PermissionDenied, AuthenticationFailed):
        raise NotFound(f"the result of tender {tender_id} is not published yet") from None


def report_of(
    services: Services, actor: Actor, tender_id: str, *, published: bool = False
) -> dict[str, Any]:
    """The report, its SHA-256, the bytes to sign (base64) and who signed it."""
    row = _readable_row(services, actor, tender_id, published=published)
    with services.read_session() as session:
        room = rooms.load(session, tender_id)
        signatures = {
            s.member_id: s
            for s in session.execute(
                select(report_signatures).where(report_signatures.c.tender_id == tender_id)
            )
        }
        refusals = {
            r.member_id: r
            for r in session.execute(
                select(report_refusals).where(report_refusals.c.tender_id == tender_id)
            )
        }
        round_no = current_round(session, tender_id)
    return {
        "tender_id": tender_id,
        "round": round_no,
        "sha256": row.sha256,
        "pdf_sha256": row.pdf_sha256,
        "outcome": row.outcome,
        "publicity_from": iso_utc(row.publicity_from),
        "publicity_until": iso_utc(row.publicity_until),
        "report": row.report,
        "to_sign": base64.b64encode(report_bytes(row.report)).decode(),
        "signatures": [
            _signature_view(m.pseudonym, signatures.get(m.id), refusals.get(m.id))
            for m in room.members
        ],
    }


def _signature_view(pseudonym: str, signed: Any, refused: Any) -> dict[str, Any]:
    """One member's answer to the report: signed (with any dissent), refused, or nothing yet."""
    return {
        "member": pseudonym,
        "signed": signed is not None,
        "scheme": signed.scheme if signed else None,
        "signed_at": iso_utc(signed.signed_at) if signed else None,
        "signature": acts.signature_text(signed.signature) if signed else None,
        "dissent": signed.dissent if signed else None,
        "dissent_signature": acts.signature_text(signed.dissent_signature) if signed else None,
        "refused": None
        if refused is None
        else {
            "note": refused.note,
            "recorded_at": iso_utc(refused.recorded_at),
            "deemed": DEEMED_TO_AGREE,
        },
    }


def report_pdf(
    services: Services, actor: Actor, tender_id: str, *, published: bool = False
) -> bytes:
    row = _readable_row(services, actor, tender_id, published=published)
    if not services.blobs.exists(row.pdf_sha256):
        raise NotFound("the report's PDF is missing from the blob store")
    with services.blobs.open(row.pdf_sha256) as handle:
        return handle.read()
