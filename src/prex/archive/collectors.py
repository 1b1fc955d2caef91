"""What goes into a dossier: a registry of sections, one small function per source context.

A section collector receives the :class:`Dossier` being built and adds members to it (JSON, raw
bytes, blobs), declares which members are detached signatures or timestamp tokens over which
other members (the verifier checks each), and names the objects whose audit entries belong to
the transaction (:meth:`Dossier.relate`). The audit section is not in the registry: it always
runs last, so that it sees every object the sections related.

Adding a section (for example the supervisor's complaint decisions) is one function and one
call, in the context that owns the data::

    from prex.archive.collectors import Dossier, register_section

    def collect_complaints(dossier: Dossier) -> None:
        for row in dossier.session.execute(select(complaints).where(...)):
            name = f"dossier/complaints/{row.id}.json"
            dossier.add_bytes(name, row.decision_bytes)
            dossier.add_signature(name, row.decision_signature)
            dossier.relate(row.id)

    register_section("complaints", collect_complaints)

What a collector must never add: key shares, escrowed content keys, sealed seeds, passwords —
anything that would open something. Only what the platform legally holds once the transaction
has ended (the archive is built only then: :class:`prex.archive.errors.TransactionNotEnded`).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import RowMapping, select
from sqlalchemy.orm import Session

from prex.archive.package import AUDIT_ENTRIES, DRAW, FileMember, Member
from prex.audit.chain import canonical_json
from prex.audit.orm import audit_log
from prex.award import orm as award_orm
from prex.award.awarding import answer_bytes, objection_bytes
from prex.award.reporting import dissent_bytes
from prex.bidding.orm import bid_bonds, bid_commitments, bids
from prex.bidding.submissions import receipt_core
from prex.envelope.container import canonical
from prex.evaluation import orm as evaluation_orm
from prex.experts.committee_orm import committee_draws, committee_members, committee_rounds
from prex.opening import orm as opening_orm
from prex.shared.blobs import FileBlobStore
from prex.shared.events import to_jsonable
from prex.tenders import orm as tenders_orm

# Columns never copied into a dossier, whatever table they are in: what would open a sealed
# thing (decision 0009), or bookkeeping of the platform itself.
WITHHELD = frozenset(
    {
        "sealed_share",
        "escrowed",
        "escrowed_content_key",
        "sealed_seed",
        "password_hash",
        "search_text",
        "version",
        "next_check",
    }
)


@dataclass
class Dossier:
    """A dossier being built: the members so far, the signature checks, the related objects."""

    tender: RowMapping
    session: Session
    blobs: FileBlobStore
    members: dict[str, Member] = field(default_factory=dict)
    # {"content": member, "signature": member} or {"content": member, "timestamp": member}
    checks: list[dict[str, str]] = field(default_factory=list)
    related: set[str] = field(default_factory=set)
    sections: list[str] = field(default_factory=list)

    @property
    def tender_id(self) -> str:
        return str(self.tender["id"])

    def add_bytes(self, name: str, data: bytes) -> str:
        if name in self.members:
            raise ValueError(f"the dossier already has a member {name!r}")
        self.members[name] = data
        return name

    def add_json(self, name: str, value: Any) -> str:
        """A readable JSON member (sorted keys, indented); rows lose their withheld columns."""
        text = json.dumps(
            to_jsonable(_clean(value)), sort_keys=True, indent=2, ensure_ascii=False, default=str
        )
        return self.add_bytes(name, (text + "\n").encode("utf-8"))

    def add_blob(self, name: str, sha256: str) -> str | None:
        """A file of the blob store by its digest, copied in when the archive is written (never
        held in memory); None when the store no longer has it (the index member still names
        the digest, so that the gap is visible)."""
        path = self.blobs.local_path(sha256)
        if not path.exists():
            return None
        if name in self.members:
            raise ValueError(f"the dossier already has a member {name!r}")
        self.members[name] = FileMember(path, sha256, path.stat().st_size)
        return name

    def add_signature(self, content: str, signature: bytes | str, name: str | None = None) -> str:
        """A detached CMS (or GB/T 35275) signature over the member ``content``."""
        der = base64.b64decode(signature) if isinstance(signature, str) else bytes(signature)
        added = self.add_bytes(name or f"{content}.p7s", der)
        self.checks.append({"content": content, "signature": added})
        return added

    def add_timestamp(self, content: str, token: bytes | str, name: str | None = None) -> str:
        """An RFC 3161 token whose imprint is the SHA-256 of the member ``content``."""
        der = base64.b64decode(token) if isinstance(token, str) else bytes(token)
        added = self.add_bytes(name or f"{content}.tsr", der)
        self.checks.append({"content": content, "timestamp": added})
        return added

    def relate(self, *object_ids: str | None) -> None:
        """Objects whose audit entries are part of this transaction's record."""
        self.related.update(i for i in object_ids if i)

    def rows(self, query: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self.session.execute(query).mappings()]


Collector = Callable[[Dossier], None]


@dataclass(frozen=True)
class Section:
    name: str
    collect: Collector


SECTIONS: list[Section] = []


def register_section(name: str, collect: Collector) -> None:
    """Add a section (once per name; registering a name again replaces it, so that a module
    imported twice does no harm)."""
    for n, section in enumerate(SECTIONS):
        if section.name == name:
            SECTIONS[n] = Section(name, collect)
            return
    SECTIONS.append(Section(name, collect))


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if k not in WITHHELD}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _where_tender(table: Any, tender_id: str) -> Any:
    return select(table).where(table.c.tender_id == tender_id)


# -- tenders: the tender, its project, announcements, documents, clarifications, enquiries -----


def collect_tender(dossier: Dossier) -> None:
    t = tenders_orm
    tender_id = dossier.tender_id
    dossier.add_json("dossier/tender/tender.json", dict(dossier.tender))
    project = dossier.rows(
        select(t.projects).where(t.projects.c.id == dossier.tender["project_id"])
    )
    dossier.add_json("dossier/tender/project.json", project[0] if project else None)
    dossier.add_json(
        "dossier/tender/sections.json",
        dossier.rows(_where_tender(t.sections, tender_id).order_by(t.sections.c.number)),
    )
    announcements = dossier.rows(
        _where_tender(t.announcements, tender_id).order_by(
            t.announcements.c.published_at, t.announcements.c.id
        )
    )
    for n, row in enumerate(announcements, 1):
        dossier.add_json(f"dossier/tender/announcements/{n:03d}-{row['kind']}.json", row)
    documents = dossier.rows(
        _where_tender(t.documents, tender_id).order_by(t.documents.c.uploaded_at, t.documents.c.id)
    )
    for row in documents:
        row["member"] = dossier.add_blob(
            f"dossier/tender/documents/{row['id']}-{row['filename']}", row["sha256"]
        )
    dossier.add_json("dossier/tender/documents.json", documents)
    amendments = dossier.rows(
        _where_tender(t.amendments, tender_id).order_by(t.amendments.c.number)
    )
    dossier.add_json("dossier/tender/amendments.json", amendments)
    enquiries = dossier.rows(
        _where_tender(t.enquiries, tender_id).order_by(t.enquiries.c.asked_at, t.enquiries.c.id)
    )
    dossier.add_json("dossier/tender/enquiries.json", enquiries)
    interests = dossier.rows(
        _where_tender(t.interests, tender_id).order_by(t.interests.c.obtained_at)
    )
    dossier.add_json("dossier/tender/documents-obtained.json", interests)
    dossier.relate(tender_id, dossier.tender["project_id"])
    for group in (announcements, documents, amendments, enquiries):
        dossier.relate(*(r["id"] for r in group))


# -- bidding: the sealed envelopes (ciphertext), their receipts, the deadline's commitment ------


def collect_bids(dossier: Dossier) -> None:
    tender_id = dossier.tender_id
    rows = dossier.rows(_where_tender(bids, tender_id).order_by(bids.c.received_at, bids.c.id))
    for row in rows:
        base = f"dossier/bids/{row['id']}"
        row["envelope_member"] = dossier.add_blob(f"{base}/envelope.bin", row["envelope_sha256"])
        receipt = dict(row["receipt"])
        content = dossier.add_bytes(f"{base}/receipt.json", receipt_core(receipt))
        if receipt.get("platform_signature"):
            dossier.add_signature(content, receipt["platform_signature"])
        if receipt.get("timestamp_token"):
            dossier.add_timestamp(content, receipt["timestamp_token"])
        row.pop("receipt")
        row.pop("idempotency_key")
        dossier.add_json(f"{base}/bid.json", row)
    commitment = dossier.rows(_where_tender(bid_commitments, tender_id))
    dossier.add_json("dossier/bids/commitment.json", commitment[0] if commitment else None)
    bonds = dossier.rows(_where_tender(bid_bonds, tender_id).order_by(bid_bonds.c.id))
    dossier.add_json("dossier/bids/bonds.json", bonds)
    dossier.relate(*(r["id"] for r in rows), *(r["id"] for r in bonds))


# -- opening: the signed and timestamped record, the outcome of each envelope, statements -------


def collect_opening(dossier: Dossier) -> None:
    o, tender_id = opening_orm, dossier.tender_id
    found = dossier.rows(_where_tender(o.openings, tender_id))
    if not found:
        return
    opening = found[0]
    record = opening.pop("record")
    if record is not None:
        content = dossier.add_bytes("dossier/opening/record.json", canonical(record))
        if opening.get("record_signature"):
            dossier.add_signature(content, opening.pop("record_signature"))
        if opening.get("record_timestamp"):
            dossier.add_timestamp(content, opening.pop("record_timestamp"))
    dossier.add_json("dossier/opening/opening.json", opening)
    dossier.add_json(
        "dossier/opening/opened-bids.json",
        dossier.rows(_where_tender(o.opened_bids, tender_id).order_by(o.opened_bids.c.bid_id)),
    )
    dossier.add_json(
        "dossier/opening/statements.json",
        dossier.rows(
            _where_tender(o.opening_statements, tender_id).order_by(
                o.opening_statements.c.made_at, o.opening_statements.c.id
            )
        ),
    )
    dossier.add_json(
        "dossier/opening/check-ins.json",
        dossier.rows(
            _where_tender(o.opening_checkins, tender_id).order_by(
                o.opening_checkins.c.checked_in_at
            )
        ),
    )


# -- experts: the verifiable draw (spec, seed digest, record with the revealed seed) -----------


def collect_draw(dossier: Dossier) -> None:
    tender_id = dossier.tender_id
    draws = dossier.rows(_where_tender(committee_draws, tender_id))
    if not draws:
        return
    dossier.add_json(DRAW, draws[0])
    dossier.add_json(
        "dossier/committee/dissolved-rounds.json",
        dossier.rows(_where_tender(committee_rounds, tender_id).order_by(committee_rounds.c.round)),
    )
    members = dossier.rows(
        _where_tender(committee_members, tender_id).order_by(committee_members.c.draw_order)
    )
    dossier.add_json("dossier/committee/members.json", members)
    dossier.relate(*(m["id"] for m in members))


# -- evaluation: the method, every mark and score, justifications, explanations, the result ----


def collect_evaluation(dossier: Dossier) -> None:
    e, tender_id = evaluation_orm, dossier.tender_id
    found = dossier.rows(_where_tender(e.evaluations, tender_id))
    if not found:
        return
    dossier.add_json("dossier/evaluation/evaluation.json", found[0])
    for name, table, order in (
        (
            "marks",
            e.evaluation_marks,
            (e.evaluation_marks.c.member_id, e.evaluation_marks.c.bid_id),
        ),
        (
            "scores",
            e.evaluation_scores,
            (e.evaluation_scores.c.member_id, e.evaluation_scores.c.bid_id),
        ),
        ("justifications", e.evaluation_justifications, (e.evaluation_justifications.c.member_id,)),
        ("explanations", e.evaluation_explanations, (e.evaluation_explanations.c.bid_id,)),
    ):
        rows = dossier.rows(_where_tender(table, tender_id).order_by(*order))
        dossier.add_json(f"dossier/evaluation/{name}.json", rows)


# -- award: the signed report, objections and answers, award notices, contracts ---------------


def collect_award(dossier: Dossier) -> None:
    a, tender_id = award_orm, dossier.tender_id
    found = dossier.rows(_where_tender(a.evaluation_reports, tender_id))
    if found:
        report = found[0]
        content = dossier.add_bytes("dossier/award/report.json", canonical_json(report["report"]))
        dossier.add_blob("dossier/award/report.pdf", report["pdf_sha256"])
        report.pop("report")
        dossier.add_json("dossier/award/report-meta.json", report)
        signatures = dossier.rows(
            _where_tender(a.report_signatures, tender_id).order_by(a.report_signatures.c.member_id)
        )
        for row in signatures:
            member = row["member_id"]
            dossier.add_signature(content, row.pop("signature"), f"{content}.{member}.p7s")
            dissent_signature = row.pop("dissent_signature")
            if row["dissent"] is not None and dissent_signature is not None:
                dissent = dossier.add_bytes(
                    f"dossier/award/dissent.{member}.json",
                    dissent_bytes(report["sha256"], row["dissent"]),
                )
                dossier.add_signature(dissent, dissent_signature)
        dossier.add_json("dossier/award/report-signatures.json", signatures)
        dossier.add_json(
            "dossier/award/report-refusals.json",
            dossier.rows(_where_tender(a.report_refusals, tender_id)),
        )
    objections = dossier.rows(
        _where_tender(a.result_objections, tender_id).order_by(a.result_objections.c.filed_at)
    )
    for row in objections:
        base = f"dossier/award/objections/{row['id']}"
        text = dossier.add_bytes(f"{base}/objection.json", objection_bytes(tender_id, row["text"]))
        dossier.add_signature(text, row.pop("signature"))
        answer_signature = row.pop("answer_signature")
        if row["answer"] is not None and answer_signature is not None:
            answer = dossier.add_bytes(
                f"{base}/answer.json", answer_bytes(row["id"], row["answer"])
            )
            dossier.add_signature(answer, answer_signature)
        dossier.add_json(f"{base}/objection-meta.json", row)
    dossier.relate(*(r["id"] for r in objections))
    for row in dossier.rows(
        _where_tender(a.award_notices, tender_id).order_by(a.award_notices.c.section_id)
    ):
        base = f"dossier/award/notices/{row['section_id']}"
        notice = dossier.add_bytes(f"{base}/notice.json", canonical(row.pop("notice")))
        dossier.add_signature(notice, row.pop("signature"))
        dossier.add_timestamp(notice, row.pop("timestamp"))
        dossier.add_json(f"{base}/notice-meta.json", row)
    for row in dossier.rows(
        _where_tender(a.contracts, tender_id).order_by(a.contracts.c.section_id)
    ):
        base = f"dossier/award/contracts/{row['section_id']}"
        contract = dossier.add_bytes(f"{base}/contract.json", canonical_json(row.pop("contract")))
        dossier.add_signature(contract, row.pop("buyer_signature"), f"{contract}.buyer.p7s")
        supplier = row.pop("supplier_signature")
        if supplier is not None:
            dossier.add_signature(contract, supplier, f"{contract}.supplier.p7s")
        dossier.add_json(f"{base}/contract-meta.json", row)


# -- audit: the transaction's entries, each checkable against its hash and its neighbours -------


def collect_superseded_rounds(dossier: Dossier) -> None:
    """Evaluation rounds a complaint decision closed (``award.rounds``): each round's snapshot,
    and its report as the members signed it with their signatures, so that the verifier checks
    the old round's signatures too. What the current round replaced stays in the record."""
    table = evaluation_orm.evaluation_rounds
    for row in dossier.rows(
        select(table).where(table.c.tender_id == dossier.tender_id).order_by(table.c.round)
    ):
        base = f"dossier/award/rounds/{row['round']}"
        report = row["report"]
        if report is not None:
            content = dossier.add_bytes(f"{base}/report.json", canonical_json(report["report"]))
            for signature in row["signatures"]:
                member = signature["member_id"]
                dossier.add_signature(content, signature["signature"], f"{content}.{member}.p7s")
        dossier.add_json(f"{base}/round.json", row)
        dossier.relate(row["complaint_id"])


def audit_entries(dossier: Dossier) -> list[dict[str, Any]]:
    """Every audit entry of an object the sections related, in chain order. An entry carries
    every field its hash covers, so the verifier recomputes the hash and, where two included
    entries are neighbours in the chain, checks that the later one's ``prev_hash`` is the
    earlier one's hash. Entries of other transactions are never included (they would tell this
    dossier's readers who bid elsewhere); the ``prev_hash`` of an entry whose predecessor is not
    included anchors it to the platform's chain (``prex audit verify``)."""
    ids = sorted(dossier.related)
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):  # keep IN lists short for every database
        chunk = ids[start : start + 500]
        for row in dossier.session.execute(
            select(audit_log).where(audit_log.c.object_id.in_(chunk))
        ).mappings():
            found[int(row["seq"])] = dict(row)
    return [found[seq] for seq in sorted(found)]


def collect_audit(dossier: Dossier) -> None:
    entries = audit_entries(dossier)
    for entry in entries:
        entry["at"] = entry["at"].isoformat(timespec="microseconds")
    dossier.add_bytes(
        AUDIT_ENTRIES,
        (json.dumps(entries, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    )


def collect(dossier: Dossier, sections: Iterable[Section] | None = None) -> Dossier:
    """Run every registered section, then the audit section."""
    for section in SECTIONS if sections is None else sections:
        section.collect(dossier)
        dossier.sections.append(section.name)
    collect_audit(dossier)
    dossier.sections.append("audit")
    return dossier


register_section("tender", collect_tender)
register_section("bids", collect_bids)
register_section("opening", collect_opening)
register_section("committee", collect_draw)
register_section("evaluation", collect_evaluation)
register_section("award", collect_award)
register_section("superseded rounds", collect_superseded_rounds)


def _register_owned_sections() -> None:
    """Sections kept in the context that owns their data (imported here, after the registry
    exists, so that the import cannot go round in a circle)."""
    from prex.complaints.dossier import collect_complaints

    register_section("complaints", collect_complaints)


_register_owned_sections()
