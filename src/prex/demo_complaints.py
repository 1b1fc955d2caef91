"""The demo's complaint (投诉): a bidder complains to the supervisor about the result of the
Hangzhou tender in publicity, with an evidence document, signed with its organisation
certificate (``demo-pki/bidder1``); the supervisor accepts it and suspends the tender. A
newcomer sees the suspension on the tender page, the complaint at ``/complaints`` (signed in as
``supervisor``), and any move of the tender refused naming it — until it is decided there,
signed with ``demo-pki/supervisor.pem`` (bound to that account; docs/complaints.md)."""

from __future__ import annotations

from prex.bootstrap import Services
from prex.complaints import service
from prex.complaints.model import Subject
from prex.demo_award import Cast
from prex.pki.demo import bind_person, issue_person, resident_id

TEXT = (
    "第一中标候选人的项目经理同时在其他在建项目任职，不符合招标文件资格条件，"
    "评标委员会未予否决，请求责令重新评审。"
)
EVIDENCE = "在建项目项目经理备案信息截图（演示）".encode()
SUSPENSION = "投诉涉及中标候选人资格，处理期间暂停招标投标活动。"


def seed_complaint(cast: Cast, tender_id: str, complainant: str = "bidder1") -> str:
    """File, accept and suspend; returns the complaint's id."""
    services: Services = cast.services
    actor = cast.actor(complainant)
    evidence = service.store_evidence(
        services,
        actor,
        filename="项目经理备案信息.txt",
        media_type="text/plain",
        chunks=[EVIDENCE],
    )
    known = service.complaint_known_on(services, actor, tender_id, Subject.RESULT)
    data = service.complaint_bytes(
        tender_id, None, Subject.RESULT.value, known, "", TEXT, [evidence["sha256"]]
    )
    filed = service.file_complaint(
        services.uow(actor),
        services,
        service.FileComplaint(
            tender_id=tender_id,
            subject=Subject.RESULT,
            text=TEXT,
            evidence=[service.EvidenceItem(**evidence)],
            signature=cast.sign(complainant, data),
        ),
    )
    supervisor = cast.actor("supervisor")
    # The supervisor's own personal certificate, bound, to sign the decision with.
    cert, key = issue_person(cast.pki, "supervisor", "王监督", resident_id(900), cast.now)
    bind_person(services, supervisor, cert, key)
    service.accept_complaint(services.uow(supervisor), services, filed["id"])
    service.suspend_tender(services.uow(supervisor), services, filed["id"], SUSPENSION)
    return str(filed["id"])
