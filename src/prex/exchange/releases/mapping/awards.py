"""Releases of a tender's result: the candidates in publicity, the award notice, the contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prex.exchange.releases.mapping.common import money, org_ref, party, release, rfc3339
from prex.exchange.releases.mapping.tenders import buyer_parties, verdicts


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
