"""Reading the platform's tables into the warehouse's Arrow tables (``schema``).

A read-only reporting adapter, like change-data capture: it reads other contexts' tables
directly, in a few set-based queries per batch of tenders, and never writes to them (decision
0014). A tender is always extracted whole — the tender, all its sections, all its bids with
what the opening, the evaluation and the award said of them — so that a refresh can replace a
tender's rows by key without knowing which of them changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import pyarrow as pa
from sqlalchemy import Connection, Text, and_, cast, select

from prex.analytics.warehouse.schema import BIDS, LOTS, ORGANISATIONS, TENDERS
from prex.award.orm import award_notices, contracts
from prex.bidding.orm import bid_bonds, bids
from prex.evaluation.orm import evaluation_marks, evaluations
from prex.experts.committee import sitting
from prex.experts.committee_orm import committee_draws, committee_members
from prex.identity.orm import organisations, users
from prex.opening.orm import opened_bids
from prex.tenders.orm import sections, tenders

# Tenders per set of queries: few round trips, and IN lists every database accepts.
BATCH = 500


def month_of(at: datetime) -> str:
    """The partition of a row: 'YYYY-MM' of a UTC time."""
    return f"{at.year:04d}-{at.month:02d}"


def _text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def _money(value: Any) -> Decimal | None:
    """Decimal yuan of a stored amount (fen column, or decimal text in JSON); None if absent or
    not an amount (a malformed document must not stop the refresh)."""
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(Decimal("0.01")) if amount.is_finite() else None


def _strings(value: Any) -> list[str] | None:
    """A list of strings as stored (entries of another type dropped); None if not a list."""
    if not isinstance(value, list):
        return None
    if all(isinstance(v, str) for v in value):
        return value
    return [v for v in value if isinstance(v, str)]


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


def batches(ids: Sequence[str], size: int = BATCH) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def extract_tenders(
    conn: Connection, tender_ids: Sequence[str], refresh: int
) -> dict[str, pa.Table]:
    """The ``tenders``, ``lots`` and ``bids`` rows of ``tender_ids`` (all of them, whatever
    changed), stamped with ``refresh``. Ids that name no tender are ignored."""
    parts: dict[str, list[pa.Table]] = {"tenders": [], "lots": [], "bids": []}
    for chunk in batches(sorted(set(tender_ids))):
        for name, table in _extract_batch(conn, chunk, refresh).items():
            parts[name].append(table)
    schemas = {"tenders": TENDERS, "lots": LOTS, "bids": BIDS}
    return {
        name: pa.concat_tables(tables) if tables else schemas[name].empty_table()
        for name, tables in parts.items()
    }


def all_tender_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(tenders.c.id).order_by(tenders.c.id)).scalars())


def _extract_batch(conn: Connection, ids: list[str], refresh: int) -> dict[str, pa.Table]:
    t = tenders
    rows = conn.execute(
        select(t, organisations.c.name.label("buyer_name"))
        .outerjoin(organisations, organisations.c.id == t.c.tenderer_org_id)
        .where(t.c.id.in_(ids))
    ).mappings()
    tender_rows = {r["id"]: r for r in rows}
    if not tender_rows:
        return {
            "tenders": TENDERS.empty_table(),
            "lots": LOTS.empty_table(),
            "bids": BIDS.empty_table(),
        }
    ids = sorted(tender_rows)
    awards = {
        (a.tender_id, a.section_id): a
        for a in conn.execute(select(award_notices).where(award_notices.c.tender_id.in_(ids)))
    }
    contract_values = {
        (c.tender_id, c.section_id): c.value
        for c in conn.execute(
            select(contracts.c.tender_id, contracts.c.section_id, contracts.c.value).where(
                contracts.c.tender_id.in_(ids)
            )
        )
    }
    first_award: dict[str, datetime] = {}
    for (tender_id, _), a in awards.items():
        if tender_id not in first_award or a.issued_at < first_award[tender_id]:
            first_award[tender_id] = a.issued_at
    month = {tid: month_of(r["published_at"] or r["created_at"]) for tid, r in tender_rows.items()}
    tender_table = _tenders_table(tender_rows, first_award, month, refresh)
    lot_rows = []
    for s in conn.execute(
        select(sections).where(sections.c.tender_id.in_(ids)).order_by(sections.c.id)
    ).mappings():
        tender = tender_rows[s["tender_id"]]
        award = awards.get((s["tender_id"], s["id"]))
        notice = award.notice if award is not None and isinstance(award.notice, dict) else {}
        lot_rows.append(
            {
                "lot_id": s["id"],
                "tender_id": s["tender_id"],
                "number": s["number"],
                "name": s["name"],
                "budget": s["budget"],
                "ceiling_price": s["ceiling_price"],
                "centre_id": tender["centre_id"],
                "region_code": tender["region_code"],
                "transaction_type": _text(tender["transaction_type"]),
                "method": _text(tender["method"]),
                "buyer_id": tender["tenderer_org_id"],
                "published_at": tender["published_at"],
                "winner_id": None if award is None else award.org_id,
                "winning_bid_id": None if award is None else award.bid_id,
                "award_amount": _money(notice.get("price")),
                "awarded_at": None if award is None else award.issued_at,
                "contract_value": _money(contract_values.get((s["tender_id"], s["id"]))),
                "month": month[s["tender_id"]],
                "refresh": refresh,
            }
        )
    winners = {a.bid_id for a in awards.values()}
    bid_table = _bids_table(conn, ids, month, winners, refresh)
    return {
        "tenders": tender_table,
        "lots": pa.Table.from_pylist(lot_rows, schema=LOTS),
        "bids": bid_table,
    }


def _tenders_table(
    rows: Mapping[str, Any],
    first_award: Mapping[str, datetime],
    month: Mapping[str, str],
    refresh: int,
) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "tender_id": tid,
                "deal_code": r["deal_code"],
                "centre_id": r["centre_id"],
                "region_code": r["region_code"],
                "transaction_type": _text(r["transaction_type"]),
                "method": _text(r["method"]),
                "buyer_id": r["tenderer_org_id"],
                "buyer_name": r["buyer_name"],
                "agency_id": r["agency_org_id"],
                "title": r["title"],
                "status": _text(r["status"]),
                "sandbox": bool(r["sandbox"]),
                "budget": r["total_budget"],
                "published_at": r["published_at"],
                "bid_deadline": r["bid_deadline"],
                "awarded_at": first_award.get(tid),
                "month": month[tid],
                "refresh": refresh,
            }
            for tid, r in sorted(rows.items())
        ],
        schema=TENDERS,
    )


def _qualification(conn: Connection, ids: list[str]) -> dict[str, bool]:
    """Whether each marked bid passed the committee's pass/fail review, by the rule of
    ``prex.evaluation.review``: a bid fails an item when strictly more than half of the sitting
    members of the current round who marked it failed it, and the review when it fails any item.
    Bids nobody marked are absent (unknown)."""
    m, cm, cd = evaluation_marks, committee_members, committee_draws
    votes: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = conn.execute(
        select(m.c.bid_id, m.c.item_id, m.c.passed, cm.c.status, cm.c.role, cm.c.replaces)
        .join(cm, cm.c.id == m.c.member_id)
        .join(cd, cd.c.tender_id == m.c.tender_id)
        .where(m.c.tender_id.in_(ids), cm.c.round == cd.c.round)
    )
    for r in rows:
        if not sitting(r.status, r.role, r.replaces):
            continue
        tally = votes[(r.bid_id, r.item_id)]
        tally[0] += 0 if r.passed else 1
        tally[1] += 1
    passed: dict[str, bool] = {}
    for (bid_id, _), (fails, marked) in votes.items():
        passed[bid_id] = passed.get(bid_id, True) and 2 * fails <= marked
    return passed


def _rankings(conn: Connection, ids: list[str]) -> dict[str, int]:
    """The committee's rank of each bid in a complete evaluation's frozen result."""
    ranks: dict[str, int] = {}
    for result in conn.execute(
        select(evaluations.c.result).where(
            evaluations.c.tender_id.in_(ids), evaluations.c.result.is_not(None)
        )
    ).scalars():
        for section in result.get("sections", []) if isinstance(result, dict) else []:
            for candidate in section.get("ranking", []):
                rank = _int(candidate.get("rank"))
                if isinstance(candidate.get("bid_id"), str) and rank is not None:
                    ranks[candidate["bid_id"]] = rank
    return ranks


def _json(text: str | None) -> dict[str, Any]:
    """A JSON object read as text (orjson: several times the speed of the driver's decoder);
    empty if absent or not an object."""
    if not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class _FingerprintColumns:
    """The machine fingerprint's columns (``prex.sealing.fingerprint``); nulls if absent."""

    NAMES = ("mac_hashes", "cpu_hash", "disk_hashes", "tool", "document_hashes", "creation_ids")

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in self.NAMES}

    def add(self, fp: dict[str, Any]) -> None:
        c = self.columns
        c["mac_hashes"].append(_strings(fp.get("mac_sha256")))
        c["cpu_hash"].append(_str(fp.get("cpu_sha256")))
        c["disk_hashes"].append(_strings(fp.get("disk_ids_sha256")))
        c["tool"].append(_str(fp.get("tool")))
        if not fp:
            c["document_hashes"].append(None)
            c["creation_ids"].append(None)
            return
        documents = [d for d in fp.get("documents") or () if isinstance(d, dict)]
        c["document_hashes"].append([d["sha256"] for d in documents if _str(d.get("sha256"))])
        c["creation_ids"].append(
            [i for d in documents for i in _strings(d.get("creation_ids_sha256")) or ()]
        )


def _bids_table(
    conn: Connection,
    ids: list[str],
    month: Mapping[str, str],
    winners: set[str],
    refresh: int,
) -> pa.Table:
    """One query for every envelope with its bidder, submitter, opening and bond; the columns
    built as lists (no dict per row) and JSON read as text."""
    b, o, u, ob, bb = bids, organisations, users, opened_bids, bid_bonds
    received = conn.execute(
        select(
            b.c.id,
            b.c.tender_id,
            b.c.section_id,
            b.c.bidder_org_id,
            o.c.uscc,
            o.c.name,
            b.c.status,
            b.c.received_at,
            b.c.address,
            b.c.submitted_by,
            u.c.email,
            o.c.contact_email,
            ob.c.outcome,
            cast(ob.c.form, Text),
            cast(ob.c.fingerprint, Text),
            bb.c.kind,
            bb.c.payer_account_number,
            bb.c.payer_account_name,
        )
        .join(o, o.c.id == b.c.bidder_org_id)
        .outerjoin(u, u.c.id == b.c.submitted_by)
        .outerjoin(ob, ob.c.bid_id == b.c.id)
        .outerjoin(
            bb,
            and_(
                bb.c.tender_id == b.c.tender_id,
                bb.c.section_id == b.c.section_id,
                bb.c.bidder_org_id == b.c.bidder_org_id,
            ),
        )
        .where(b.c.tender_id.in_(ids))
        .order_by(b.c.id)
    ).all()
    if not received:
        return BIDS.empty_table()
    qualified = _qualification(conn, ids)
    ranks = _rankings(conn, ids)
    complete = set(
        conn.execute(
            select(evaluations.c.tender_id).where(
                evaluations.c.tender_id.in_(ids), evaluations.c.result.is_not(None)
            )
        ).scalars()
    )
    (
        bid_ids,
        tender_ids,
        lot_ids,
        bidder_ids,
        usccs,
        names,
        statuses,
        received_at,
        addresses,
        submitters,
        submitter_emails,
        bidder_emails,
        outcomes,
        forms,
        fingerprints,
        bond_kinds,
        accounts,
        account_names,
    ) = (list(column) for column in zip(*received, strict=True))
    opened = [outcome == "opened" for outcome in outcomes]
    prices, durations, managers, passed, form_bond_kinds = [], [], [], [], []
    phones: list[str | None] = []
    prints = _FingerprintColumns()
    for n, bid_id in enumerate(bid_ids):
        form = _json(forms[n]) if opened[n] else {}
        prices.append(_money(form.get("price")))
        durations.append(_int(form.get("duration_days")))
        managers.append(_text(form.get("project_manager")))
        phones.append(_text(form.get("contact_phone")))  # the bid form's 联系电话, if given
        bond = form.get("bond")
        form_bond_kinds.append(_str(bond.get("kind")) if isinstance(bond, dict) else None)
        prints.add(_json(fingerprints[n]) if opened[n] else {})
        verdict = qualified.get(bid_id)
        if verdict is None and opened[n] and tender_ids[n] in complete and bid_id in ranks:
            # A method without review items passes every opened bid; a complete evaluation
            # ranks every valid one.
            verdict = True
        passed.append(verdict)
    columns: dict[str, list[Any]] = {
        "bid_id": bid_ids,
        "tender_id": tender_ids,
        "lot_id": lot_ids,
        "bidder_id": bidder_ids,
        "bidder_uscc": usccs,
        "bidder_name": names,
        "status": statuses,
        "received_at": received_at,
        "upload_ip": addresses,
        "opened": opened,
        "price": prices,
        "duration_days": durations,
        "project_manager": managers,
        "qualified": passed,
        "rank": [ranks.get(i) for i in bid_ids],
        "won": [i in winners for i in bid_ids],
        **prints.columns,
        "submitter_id": submitters,
        "submitter_email": submitter_emails,
        "bidder_email": bidder_emails,
        "contact_phone": phones,
        "bond_kind": [k or f for k, f in zip(bond_kinds, form_bond_kinds, strict=True)],
        "bond_account": accounts,
        "bond_account_name": account_names,
        "month": [month[t] for t in tender_ids],
        "refresh": [refresh] * len(bid_ids),
    }
    return pa.Table.from_pydict(columns, schema=BIDS)


def extract_organisations(
    conn: Connection, org_ids: Iterable[str] | None, refresh: int
) -> pa.Table:
    """The ``organisations`` rows of ``org_ids`` (every organisation when None)."""
    o = organisations
    query = select(o.c.id, o.c.uscc, o.c.name, o.c.division_code, o.c.centre_id).order_by(o.c.id)
    found: list[Any] = []
    if org_ids is None:
        found = list(conn.execute(query))
    else:
        for chunk in batches(sorted(set(org_ids))):
            found += conn.execute(query.where(o.c.id.in_(chunk))).all()
    return pa.Table.from_pylist(
        [
            {
                "org_id": r.id,
                "uscc": r.uscc,
                "name": r.name,
                "division_code": r.division_code,
                "centre_id": r.centre_id,
                "refresh": refresh,
            }
            for r in found
        ],
        schema=ORGANISATIONS,
    )
