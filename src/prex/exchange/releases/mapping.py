"""prex's public facts as OCDS 1.1 releases: pure functions from plain snapshots to release dicts.

One release per public event (see ``docs/ocds.md`` for the table): a tender's publication,
amendments and cancellation, its published opening record (the bids extension), the published
candidates and the award notice, the contract; a listing's announcement, cancellation and result.
The snapshots are built by :mod:`prex.exchange.releases.sources`, which is where secrecy is
decided (nothing sealed, no expert, no reserve, no listing bidder but the buyer); these functions
only shape what they are given. No database, no clock, no settings: the caller passes the ocid
prefix and the event's seq and time.

Parties carry every role known so far in each release, because the merge replaces a party's
``roles`` array wholesale: a bidder who wins is ``tenderer`` *and* ``supplier``.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from prex.shared.clock import ensure_utc

# org-id.guide lists no scheme for the unified social credit code (its only Chinese register,
# CN-SAIC, covers enterprises, not the public bodies whose codes start with 1); DOMAIN.md asks
# for the USCC, so prex uses this one constant until a scheme is registered.
IDENTIFIER_SCHEME = "CN-USCC"
CURRENCY = "CNY"
LANGUAGE = "zh"

# procurementMethod (closed codelist ``method``) and its details, per prex method.
METHODS = {
    "open": ("open", "公开招标 (open tender)"),
    "invited": ("limited", "邀请招标 (invited tender: the tenderer invites chosen bidders)"),
}
LISTING_METHODS = {
    "listing": ("open", "挂牌出让 (listing with a timed bidding round)"),
    "auction": ("open", "拍卖出让 (English ascending auction)"),
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


def rfc3339(value: datetime | str) -> str:
    """An instant as RFC 3339 in UTC with a ``Z``."""
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return ensure_utc(instant).isoformat().replace("+00:00", "Z")


def money(amount: Decimal | str | None) -> dict[str, Any] | None:
    """A Value in CNY (OCDS amounts are JSON numbers; two places are exact in a double)."""
    if amount is None:
        return None
    return {"amount": float(Decimal(str(amount)).quantize(Decimal("0.01"))), "currency": CURRENCY}


def ocid_for(prefix: str, deal_code: str) -> str:
    """``ocds-<prefix>-<unified deal code>`` (a listing's public code stands for its deal code)."""
    return f"ocds-{prefix}-{deal_code}"


def party_id(uscc: str) -> str:
    return f"{IDENTIFIER_SCHEME}-{uscc}"


def org_ref(org: dict[str, Any]) -> dict[str, Any]:
    """An OrganizationReference to a snapshot organisation (``name``, ``uscc``)."""
    return {"id": party_id(org["uscc"]), "name": org["name"]}


def party(org: dict[str, Any], roles: list[str]) -> dict[str, Any]:
    return {
        **org_ref(org),
        "identifier": {"scheme": IDENTIFIER_SCHEME, "id": org["uscc"], "legalName": org["name"]},
        "roles": roles,
    }


def release(
    ocid: str, seq: int, at: datetime | str, tags: list[str], **sections: Any
) -> dict[str, Any]:
    """The release envelope; its id ``<ocid>-<outbox seq>`` is unique and never changes."""
    return {
        "ocid": ocid,
        "id": f"{ocid}-{seq}",
        "date": rfc3339(at),
        "tag": tags,
        "initiationType": "tender",
        "language": LANGUAGE,
        **{k: v for k, v in sections.items() if v is not None},
    }


# -- tenders ------------------------------------------------------------------------------------


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
    block["statusDetails"] = reason
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


def _award(
    section_id: str, candidate: dict[str, Any], status: str, date: str, title: str
) -> dict[str, Any]:
    org = {"name": candidate["bidder_name"], "uscc": candidate["bidder_uscc"]}
    return {
        "id": f"{section_id}-{candidate['rank']}",
        "title": title,
        "status": status,
        "date": date,
        "value": money(candidate["price"]),
        "suppliers": [org_ref(org)],
        "relatedLots": [section_id],
    }


def candidates_published(
    ocid: str,
    seq: int,
    at: datetime,
    tender: dict[str, Any],
    sections: list[dict[str, Any]],
    evaluated: list[dict[str, str]],
) -> dict[str, Any]:
    """Tag ``award``: the winning candidates in publicity (中标候选人公示), one ``pending`` award
    per candidate and section, ranked, and each bid's verdict; the losing bidders stay
    tenderers only."""
    awards, parties = [], buyer_parties(tender)
    seen: set[str] = set()
    for s in sections:
        for c in s["candidates"]:
            title = f"{s['section_name']}：第{c['rank']}中标候选人"
            awards.append(_award(s["section_id"], c, "pending", rfc3339(at), title))
            if c["bidder_uscc"] not in seen:
                seen.add(c["bidder_uscc"])
                org = {"name": c["bidder_name"], "uscc": c["bidder_uscc"]}
                parties.append(party(org, ["tenderer", "supplier"]))
    return release(
        ocid, seq, at, ["award"], parties=parties, awards=awards, bids=verdicts(evaluated)
    )


def award_notified(
    ocid: str,
    seq: int,
    at: datetime,
    tender: dict[str, Any],
    section: dict[str, Any],
    notice: dict[str, Any],
) -> dict[str, Any]:
    """Tag ``award``: the award notice (中标通知书) of one lot; the chosen candidate's award is
    ``active`` (dated at the notice), the other candidates' ``unsuccessful``."""
    awards, parties = [], buyer_parties(tender)
    for c in section["candidates"]:
        won = c["rank"] == notice["rank"]
        title = f"{section['section_name']}：{'中标人' if won else '未中标候选人'}"
        awards.append(
            _award(
                section["section_id"],
                c,
                "active" if won else "unsuccessful",
                rfc3339(notice["issued_at"] if won else at),
                title,
            )
        )
        org = {"name": c["bidder_name"], "uscc": c["bidder_uscc"]}
        parties.append(party(org, ["tenderer", "supplier"] if won else ["tenderer"]))
    return release(ocid, seq, at, ["award"], parties=parties, awards=awards)


def contract_signed(
    ocid: str, seq: int, at: datetime, tender: dict[str, Any], contract: dict[str, Any]
) -> dict[str, Any]:
    """Tag ``contract``: recorded and signed by the tenderer (``pending``), then countersigned
    by the winner (``active``)."""
    section_id = contract["section_id"]
    supplier = contract["supplier"]
    block = {
        "id": section_id,
        "awardID": f"{section_id}-{contract['rank']}",
        "title": f"{contract['section_name']} 合同",
        "status": "active" if contract["countersigned"] else "pending",
        "value": money(contract["value"]),
        "period": {
            "startDate": rfc3339(f"{contract['starts_on']}T00:00:00+08:00"),
            "endDate": rfc3339(f"{contract['ends_on']}T23:59:59+08:00"),
        },
        "dateSigned": rfc3339(f"{contract['signed_on']}T00:00:00+08:00"),
        "relatedLots": [section_id],
    }
    parties = buyer_parties(tender) + [party(supplier, ["tenderer", "supplier"])]
    return release(ocid, seq, at, ["contract"], parties=parties, contracts=[block])


# -- listings -----------------------------------------------------------------------------------


LISTING_KINDS = {
    "land_use": "国有建设用地使用权出让 (land-use right)",
    "mining": "矿业权出让 (mining right)",
    "equity": "国有产权转让 (state-owned property right)",
}


def _eligibility(conditions: str) -> str:
    """Who may bid, from the listing's conditions (JSON with ``eligibility``, or plain text)."""
    try:
        parsed = json.loads(conditions)
    except ValueError:
        return conditions
    return str(parsed.get("eligibility", "")) if isinstance(parsed, dict) else conditions


def _listing_tender(listing: dict[str, Any], status: str) -> dict[str, Any]:
    method, details = LISTING_METHODS.get(listing["method"], ("open", listing["method"]))
    block = {
        "id": listing["id"],
        "title": listing["title"],
        "description": f"{LISTING_KINDS.get(listing['kind'], listing['kind'])} {listing['code']}",
        "status": status,
        "procuringEntity": org_ref(listing["seller"]),
        # A sale: the start price is the least the seller accepts to hear (the reserve stays
        # sealed and is never published here).
        "minValue": money(listing["start_price"]),
        "procurementMethod": method,
        "procurementMethodDetails": details,
        "submissionMethod": ["electronicSubmission"],
        "tenderPeriod": {
            "startDate": rfc3339(listing["opens_at"]),
            "endDate": rfc3339(listing["listing_ends_at"]),
        },
    }
    eligibility = _eligibility(listing["conditions"])
    if eligibility:
        block["eligibilityCriteria"] = eligibility
    return block


def _seller(listing: dict[str, Any]) -> dict[str, Any]:
    # The seller offers the asset and receives the price.
    return party(listing["seller"], ["procuringEntity", "payee"])


def listing_announced(ocid: str, seq: int, at: datetime, listing: dict[str, Any]) -> dict[str, Any]:
    """Tag ``tender``: the listing's announcement (出让公告)."""
    return release(
        ocid,
        seq,
        at,
        ["tender"],
        parties=[_seller(listing)],
        tender=_listing_tender(listing, "active"),
    )


def listing_ended(
    ocid: str, seq: int, at: datetime, listing: dict[str, Any], *, status: str, reason: str
) -> dict[str, Any]:
    """Tag ``tenderCancellation`` (终止) or ``tenderUpdate`` (流拍: unsuccessful)."""
    block = _listing_tender(listing, status)
    block["statusDetails"] = reason
    tag = "tenderCancellation" if status == "cancelled" else "tenderUpdate"
    return release(ocid, seq, at, [tag], parties=[_seller(listing)], tender=block)


def listing_sold(
    ocid: str, seq: int, at: datetime, listing: dict[str, Any], confirmation: dict[str, Any]
) -> dict[str, Any]:
    """Tag ``award``: the confirmation of the deal (成交确认书): the buyer and the price. The
    other bidders are never published."""
    buyer = confirmation["buyer"]
    award = {
        "id": f"{listing['id']}-deal",
        "title": "成交确认书",
        "status": "active",
        "date": rfc3339(confirmation["closed_at"]),
        "value": money(confirmation["price"]),
        "suppliers": [org_ref(buyer)],
    }
    block = _listing_tender(listing, "complete")
    block.pop("tenderPeriod")
    return release(
        ocid,
        seq,
        at,
        ["award"],
        parties=[_seller(listing), party(buyer, ["tenderer", "supplier"])],
        tender=block,
        awards=[award],
    )
