"""Releases of a tender up to its opening: publication, amendments, cancellation or failure,
and the bids read out in the published opening record (the bids extension)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prex.exchange.releases.mapping.common import (
    LANGUAGE,
    money,
    org_ref,
    party,
    release,
    rfc3339,
    status_reason,
)

# procurementMethod (closed codelist ``method``) and its details, per prex method.
METHODS = {
    "open": ("open", "公开招标 (open tender)"),
    "invited": ("limited", "邀请招标 (invited tender: the tenderer invites chosen bidders)"),
}
# mainProcurementCategory (closed codelist ``procurementCategory``) per transaction type.
CATEGORIES = {"engineering": "works", "procurement": "goods"}
DOCUMENT_TYPES = {
    "tender_documents": "biddingDocuments",
    "drawings": "technicalSpecifications",
    "clarification": "clarifications",
    "other": "tenderNotice",
}
# bidStatus (closed codelist of the bids extension) per opening outcome (E-bidding art. 31).
BID_STATUS = {"opened": "pending", "revoked": "withdrawn", "withdrawn": "withdrawn"}


def buyer_parties(tender: dict[str, Any]) -> list[dict[str, Any]]:
    """The tenderer is the buyer; the agency (or the tenderer itself) the procuring entity."""
    agency = tender.get("agency")
    if agency is None or agency["uscc"] == tender["tenderer"]["uscc"]:
        return [party(tender["tenderer"], ["buyer", "procuringEntity"])]
    return [party(tender["tenderer"], ["buyer"]), party(agency, ["procuringEntity"])]


def _procuring(tender: dict[str, Any]) -> dict[str, Any]:
    return org_ref(tender.get("agency") or tender["tenderer"])


def _lot(section: dict[str, Any], status: str) -> dict[str, Any]:
    lot: dict[str, Any] = {
        "id": section["id"],
        "title": section["name"],
        # The ceiling price (最高投标限价) is the lot's upper value when the tender sets one.
        "value": money(section["ceiling_price"] or section["budget"]),
        "status": status,
    }
    if section.get("duration_days"):
        lot["contractPeriod"] = {"durationInDays": section["duration_days"]}
    return lot


def _documents(tender: dict[str, Any], base_url: str, amendment_id: str | None) -> list[Any]:
    return [
        {
            "id": d["id"],
            "documentType": DOCUMENT_TYPES.get(d["kind"], "tenderNotice"),
            "title": d["filename"],
            "description": f"SHA-256 {d['sha256']}",
            "url": f"{base_url}/api/v1/tenders/{tender['id']}/documents/{d['id']}",
            "datePublished": rfc3339(d["uploaded_at"]),
            "format": d["media_type"],
            "language": LANGUAGE,
        }
        for d in tender["documents"]
        if d.get("amendment_id") == amendment_id
    ]


def tender_block(
    tender: dict[str, Any], *, status: str, deadline: str | None, base_url: str
) -> dict[str, Any]:
    """The ``tender`` section as published: title, method, category, period, value and lots."""
    method, details = METHODS[tender["method"]]
    block: dict[str, Any] = {
        "id": tender["id"],
        "title": tender["title"],
        "description": tender["description"],
        "status": status,
        "procuringEntity": _procuring(tender),
        "value": money(tender["total_budget"]),
        "procurementMethod": method,
        "procurementMethodDetails": details,
        "mainProcurementCategory": CATEGORIES[tender["transaction_type"]],
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": rfc3339(tender["documents_from"] or tender["published_at"]),
            "endDate": rfc3339(deadline or tender["bid_deadline"]),
        },
        "lots": [_lot(s, "active" if status == "active" else status) for s in tender["sections"]],
    }
    documents = _documents(tender, base_url, None)
    if documents:
        block["documents"] = documents
    return block


def tender_published(
    ocid: str,
    seq: int,
    at: datetime,
    tender: dict[str, Any],
    payload: dict[str, Any],
    base: str,
    replaces: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Tag ``tender``: the announcement, with planning (the project's budget); a re-tender
    (重新招标) names the ocids of the failed processes it replaces."""
    project = tender["project"]
    related = [
        {
            "id": str(n),
            "relationship": ["unsuccessfulProcess"],
            "scheme": "ocid",
            "identifier": earlier,
        }
        for n, earlier in enumerate(replaces, start=1)
    ]
    planning: dict[str, Any] = {
        "budget": {
            "id": project["deal_code"],
            "description": project["funding_source"],
            "amount": money(project["budget"]),
            "project": project["name"],
            "projectID": project["deal_code"],
        }
    }
    if project["approval_ref"]:
        planning["rationale"] = project["approval_ref"]
    return release(
        ocid,
        seq,
        at,
        ["tender"],
        parties=buyer_parties(tender),
        buyer=org_ref(tender["tenderer"]),
        planning=planning,
        tender=tender_block(
            tender, status="active", deadline=payload["bid_deadline"], base_url=base
        ),
        relatedProcesses=related or None,
    )


def tender_amended(
    ocid: str, seq: int, at: datetime, tender: dict[str, Any], payload: dict[str, Any], base: str
) -> dict[str, Any] | None:
    """Tag ``tenderAmendment``: a clarification or amendment, and the deadline it sets."""
    amendment = next((a for a in tender["amendments"] if a["id"] == payload["amendment_id"]), None)
    if amendment is None:
        return None
    block = tender_block(tender, status="active", deadline=payload["new_deadline"], base_url=base)
    block["documents"] = block.get("documents", []) + _documents(tender, base, amendment["id"])
    kind = "澄清 (clarification)" if amendment["kind"] == "clarification" else "修改 (amendment)"
    block["amendments"] = [
        {
            "id": amendment["id"],
            "date": rfc3339(amendment["issued_at"]),
            "rationale": f"{kind} {amendment['number']}",
            "description": amendment["text"],
        }
    ]
    return release(ocid, seq, at, ["tenderAmendment"], parties=buyer_parties(tender), tender=block)


def tender_status(
    ocid: str,
    seq: int,
    at: datetime,
    tender: dict[str, Any],
    *,
    status: str,
    reason: str,
    base: str,
    evaluated: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Tag ``tenderCancellation`` (cancelled) or ``tenderUpdate`` (failed: 流标, with the
    evaluation's verdicts when every bid was rejected)."""
    block = tender_block(tender, status=status, deadline=None, base_url=base)
    block["amendments"] = status_reason(seq, at, status, reason)
    tag = "tenderCancellation" if status == "cancelled" else "tenderUpdate"
    return release(
        ocid,
        seq,
        at,
        [tag],
        parties=buyer_parties(tender),
        tender=block,
        bids=verdicts(evaluated or []),
    )


def opening_published(
    ocid: str, seq: int, at: datetime, tender: dict[str, Any], record: dict[str, Any]
) -> dict[str, Any]:
    """Tag ``tenderUpdate``: the signed opening record's bids (bids extension), read out at
    opening: tenderer by credit code, price, outcome; and per lot the bids counted."""
    details, bidders = [], {}
    for bid in record["bids"]:
        org = {"name": bid["bidder_name"], "uscc": bid["bidder_uscc"]}
        bidders[org["uscc"]] = org
        detail: dict[str, Any] = {
            "id": bid_id(bid["section_id"], bid["envelope_sha256"]),
            "date": rfc3339(record["opened_at"]),
            "status": BID_STATUS.get(bid["outcome"], "pending"),
            "tenderers": [org_ref(org)],
            "relatedLots": [bid["section_id"]],
        }
        if bid["outcome"] == "opened" and bid.get("price") is not None:
            detail["value"] = money(bid["price"])
        details.append(detail)
    statistics = []
    for section in tender["sections"]:
        counted = [b for b in record["bids"] if b["section_id"] == section["id"]]
        statistics.append(
            {
                "id": f"{section['id']}-bids",
                "measure": "bids",
                "value": len(counted),
                "date": rfc3339(record["opened_at"]),
                "relatedLot": section["id"],
            }
        )
        statistics.append(
            {
                "id": f"{section['id']}-electronicBids",
                "measure": "electronicBids",
                "value": len(counted),
                "relatedLot": section["id"],
            }
        )
    parties = buyer_parties(tender) + [party(o, ["tenderer"]) for o in bidders.values()]
    return release(
        ocid,
        seq,
        at,
        ["tenderUpdate"],
        parties=parties,
        tender={"id": tender["id"], "status": "active"},
        bids={"details": details, "statistics": statistics},
    )


def bid_id(section_id: str, envelope_sha256: str) -> str:
    """A bid's id in the releases: its lot and the start of its envelope's digest (the
    commitment published at the deadline), stable from the opening to the result."""
    return f"{section_id}-{envelope_sha256[:16]}"


def verdicts(evaluated: list[dict[str, str]]) -> dict[str, Any] | None:
    """The evaluation's verdict on each bid (``valid`` / ``disqualified``), to update the bids
    read out at opening; None when there is none to publish."""
    if not evaluated:
        return None
    return {
        "details": [
            {"id": bid_id(e["section_id"], e["envelope_sha256"]), "status": e["status"]}
            for e in evaluated
        ]
    }
