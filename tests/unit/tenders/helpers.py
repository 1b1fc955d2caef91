"""Pure-domain builders for tender unit tests (no database)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from prex.shared.clock import FixedClock
from prex.shared.ids import new_id
from prex.tenders.model import (
    DocumentKind,
    EvaluationMethod,
    Project,
    Tender,
    TenderDocument,
    TransactionType,
    sections_from,
)
from prex.tenders.rules import RulePack, RulePackRegistry

PACKS = RulePackRegistry.bundled()


def project(
    clock: FixedClock,
    *,
    ttype: TransactionType = TransactionType.ENGINEERING,
    sandbox: bool = False,
) -> Project:
    return Project.register(
        clock=clock,
        deal_code="D" * 33,
        name="测试项目",
        transaction_type=ttype,
        centre_id="C",
        region_code="330100",
        tenderer_org_id="T",
        agency_org_id="A",
        budget=Decimal("100.00"),
        funding_source="",
        approval_ref="",
        sandbox=sandbox,
    )


def draft(
    clock: FixedClock,
    pack: RulePack | None = None,
    *,
    deadline: timedelta = timedelta(days=30),
    documents_until: timedelta = timedelta(days=10),
    sandbox: bool = False,
    acceleration: int = 1,
    **fields: Any,
) -> Tender:
    pack = pack or PACKS.get("engineering-open")
    now = clock.now()
    values: dict[str, Any] = {
        "title": "测试招标",
        "description": "招标公告正文",
        "qualification": "",
        "evaluation_method": EvaluationMethod.LOWEST_PRICE,
        "bid_deadline": now + deadline,
        "documents_from": None,
        "documents_until": now + documents_until,
        "opening_place": "",
        "invitee_org_ids": [],
    }
    values.update(fields)
    tender = Tender.create(
        project=project(clock, ttype=TransactionType(pack.transaction_type), sandbox=sandbox),
        pack=pack,
        clock=clock,
        sections=sections_from([{"name": "一标段", "budget": Decimal("100.00")}]),
        acceleration=acceleration,
        **values,
    )
    tender.attach_document(clock, document(now))
    return tender


def document(now: datetime, kind: DocumentKind = DocumentKind.TENDER_DOCUMENTS) -> TenderDocument:
    return TenderDocument(
        id=new_id(),
        kind=kind,
        filename=f"{new_id()}.pdf",
        sha256="a" * 64,
        size=10,
        media_type="application/pdf",
        uploaded_at=now,
    )
