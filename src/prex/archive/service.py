"""Use cases of the archive: build a tender's archive, list and download archives, the worker's
consumer that archives every transaction when it ends, and the retention sweep.

Building reads every section (:mod:`prex.archive.collectors`) in one read transaction, packs
the members, writes the manifest, signs it with the platform's signing key (detached CMS, the
platform CA's chain included in the file), has the platform TSA timestamp the signature, and
stores the file in the blob store; the archive row and the ``ArchiveBuilt`` audit entry are
written in one unit of work afterwards. A crash before that leaves the row ``pending`` (and at
worst an unreferenced blob): the next worker pass builds it again.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, insert, select, update

from prex.archive import events as ev
from prex.archive.collectors import Dossier, collect
from prex.archive.errors import ArchiveNotFound, TransactionNotEnded
from prex.archive.orm import archives
from prex.archive.package import (
    CA_CERTIFICATE,
    FORMAT,
    MANIFEST,
    SIGNATURE,
    SIGNING_CERTIFICATE,
    TIMESTAMP,
    TSA_CERTIFICATE,
    VERSION,
    Member,
    listing,
    manifest_bytes,
    pack_to,
)
from prex.audit.consumers import advance, claim_batch, ensure_cursor
from prex.audit.orm import audit_head
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import (
    SYSTEM,
    Action,
    Actor,
    Resource,
    authorize,
    is_allowed,
    widest_scope,
)
from prex.identity.policy import Scope as PolicyScope
from prex.pki.cms import sign_detached
from prex.shared.blobs import BlobRef
from prex.shared.errors import NotFound
from prex.shared.ids import new_id
from prex.tenders.model import TERMINAL_STATUSES
from prex.tenders.orm import tenders

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.archive")
CONSUMER = "archive"
ENDINGS = frozenset(s.value for s in TERMINAL_STATUSES)


@dataclass(frozen=True)
class Built:
    archive_id: str
    sha256: str
    size: int
    members: int
    retain_until: date


def archive_resource(row: Any) -> Resource:
    parties = frozenset(o for o in (row.tenderer_org_id, row.agency_org_id) if o)
    return Resource("archive", row.id, centre_id=row.centre_id, party_org_ids=parties)


def retain_until(built_at: datetime, years: int) -> date:
    """The last day of the retention period: the same day ``years`` later (28 February for a
    29 February that the later year lacks)."""
    start = built_at.date()
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


# -- requesting ------------------------------------------------------------------------------


def _tender_row(session: Any, tender_id: str) -> Any:
    row = session.execute(select(tenders).where(tenders.c.id == tender_id)).mappings().first()
    if row is None:
        raise NotFound(f"no tender '{tender_id}'", tender_id=tender_id)
    return row


def _pending_row(tender: Any, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tender_id": tender["id"],
        "deal_code": tender["deal_code"],
        "title": tender["title"][:300],
        "centre_id": tender["centre_id"],
        "tenderer_org_id": tender["tenderer_org_id"],
        "agency_org_id": tender["agency_org_id"],
        "ending": str(tender["status"]),
        "status": "pending",
        "requested_at": now,
    }


def queue_ended(services: Services, *, batch: int = 500) -> int:
    """The outbox consumer: a pending archive for every tender that has just ended (once per
    tender). The rows and the cursor move in one transaction."""
    with services.writer_session() as session:
        ensure_cursor(session, CONSUMER)
    with services.writer_session() as session:
        events = claim_batch(session, CONSUMER, batch)
        if not events:
            return 0
        # A tender ends as a side effect of many acts (the countersigned contract, the failed
        # report, the cancellation …), so every event on a tender makes it a candidate and its
        # status, read now, decides.
        candidates = {str(e["object_id"]) for e in events if e["object_type"] == "tender"}
        queued = 0
        for tender_id in sorted(candidates):
            tender = session.execute(select(tenders).where(tenders.c.id == tender_id)).mappings()
            row = tender.first()
            if row is None or str(row["status"]) not in ENDINGS:
                continue
            known = session.execute(
                select(archives.c.id).where(archives.c.tender_id == tender_id).limit(1)
            ).first()
            if known is None:
                session.execute(insert(archives).values(**_pending_row(row, services.clock.now())))
                queued += 1
        advance(session, CONSUMER, events)
        session.commit()
    return queued


def build_pending(services: Services, *, limit: int = 20) -> int:
    """Build the pending archives (the worker, after :func:`queue_ended`); a failure is noted on
    the row and retried on the next pass."""
    with services.read_session() as session:
        pending = list(
            session.execute(
                select(archives.c.id)
                .where(archives.c.status == "pending")
                # rows that failed before go last, so that they never hold up fresh ones
                .order_by(archives.c.last_error.is_not(None), archives.c.requested_at)
                .limit(limit)
            ).scalars()
        )
    built = 0
    for archive_id in pending:
        try:
            build_queued(services, services.uow(SYSTEM), archive_id)
            built += 1
        except Exception as exc:  # keep the others going; the row says why
            log.exception("archive %s could not be built", archive_id)
            with services.writer_session() as session:
                session.execute(
                    update(archives)
                    .where(archives.c.id == archive_id)
                    .values(last_error=f"{type(exc).__name__}: {exc}"[:2000])
                )
                session.commit()
    return built


def run_archiving(services: Services) -> int:
    """One worker pass: queue what ended, build what is pending; returns archives built."""
    queue_ended(services)
    return build_pending(services)


def build_archive(uow: SqlUnitOfWork, services: Services, tender_id: str) -> Built:
    """Build (or build again) the archive of an ended tender, on request (``prex archive
    build``, ``POST …/archives``)."""
    with services.writer_session() as session:
        tender = _tender_row(session, tender_id)
        resource = Resource(
            "tender",
            tender_id,
            centre_id=tender["centre_id"],
            party_org_ids=frozenset(
                o for o in (tender["tenderer_org_id"], tender["agency_org_id"]) if o
            ),
        )
        authorize(uow.actor, Action.ARCHIVE_BUILD, resource)
        if str(tender["status"]) not in ENDINGS:
            raise TransactionNotEnded(tender_id, str(tender["status"]))
        row = _pending_row(tender, services.clock.now())
        session.execute(insert(archives).values(**row))
        session.commit()
    return build_queued(services, uow, row["id"])


# -- building --------------------------------------------------------------------------------


def build_queued(services: Services, uow: SqlUnitOfWork, archive_id: str) -> Built:
    """Build the file of an archive row (pending) and complete the row, as ``uow.actor``."""
    keys = services.pki.platform_keys()
    built_at = services.clock.now()
    years = services.settings.archive_retention_years
    until = retain_until(built_at, years)
    with services.read_session() as session:
        row = session.execute(select(archives).where(archives.c.id == archive_id)).first()
        if row is None:
            raise ArchiveNotFound(archive_id)
        tender = _tender_row(session, row.tender_id)
        if str(tender["status"]) not in ENDINGS:
            raise TransactionNotEnded(row.tender_id, str(tender["status"]))
        dossier = collect(Dossier(tender=tender, session=session, blobs=services.blobs))
        head = session.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    members = dict(dossier.members)
    members[CA_CERTIFICATE] = keys.ca_certificate.pem().encode()
    members[SIGNING_CERTIFICATE] = keys.signing_certificate.pem().encode()
    members[TSA_CERTIFICATE] = keys.tsa_certificate.pem().encode()
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "archive_id": archive_id,
        "platform_code": services.settings.platform_code,
        "platform_name": services.settings.platform_name,
        "tender_id": row.tender_id,
        "deal_code": row.deal_code,
        "title": str(tender["title"]),
        "ending": str(tender["status"]),
        "built_at": built_at.isoformat(),
        "retention_years": years,
        "retain_until": until.isoformat(),
        "audit_head": {"seq": int(head.seq), "hash": head.hash} if head else None,
        "sections": dossier.sections,
        "signatures": dossier.checks,
        "members": listing(members),
    }
    data = manifest_bytes(manifest)
    signature = sign_detached(
        data,
        keys.signing_certificate,
        keys.signing_key,
        chain=[keys.ca_certificate],
        signing_time=built_at,
    )
    token = services.pki.timestamp_authority().stamp(hashlib.sha256(signature).digest())
    members[MANIFEST], members[SIGNATURE], members[TIMESTAMP] = data, signature, token
    blob = _store(services, members)
    with uow:
        # Only a pending row is completed: a second worker that built the same archive at the
        # same time finds it built, records nothing, and leaves only an unused blob behind.
        done = uow.session.execute(
            update(archives)
            .where(archives.c.id == archive_id, archives.c.status == "pending")
            .values(
                status="built",
                sha256=blob.sha256,
                size=blob.size,
                members=len(members),
                built_at=built_at,
                retain_until=until,
                last_error=None,
            )
        )
        if cast(CursorResult[Any], done).rowcount != 1:
            return Built(archive_id, blob.sha256, blob.size, len(members), until)
        uow.record(
            ev.ArchiveBuilt(
                "archive",
                archive_id,
                built_at,
                tender_id=row.tender_id,
                deal_code=row.deal_code,
                sha256=blob.sha256,
                size=blob.size,
                members=len(members),
                retain_until=until.isoformat(),
            )
        )
        uow.commit()
    return Built(archive_id, blob.sha256, blob.size, len(members), until)


def _store(services: Services, members: dict[str, Member]) -> BlobRef:
    """Write the file beside the blobs (documents and envelopes streamed in, not held in
    memory), hash it, and keep it in the blob store under its SHA-256."""
    spool = services.blobs.spool_path()
    try:
        with spool.open("wb") as out:
            pack_to(out, members)
        digest, size = hashlib.sha256(), 0
        with spool.open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
        return services.blobs.adopt(spool, digest.hexdigest(), size)
    finally:
        spool.unlink(missing_ok=True)


# -- reading ---------------------------------------------------------------------------------


def archive_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "tender_id": row.tender_id,
        "deal_code": row.deal_code,
        "title": row.title,
        "ending": row.ending,
        "status": row.status,
        "sha256": row.sha256,
        "size": row.size,
        "members": row.members,
        "built_at": row.built_at,
        "retain_until": row.retain_until.isoformat() if row.retain_until else None,
        "expired_at": row.expired_at,
        "filename": filename_of(row),
    }


def filename_of(row: Any) -> str:
    return f"{row.deal_code or row.tender_id}-{row.id}.zip"


def list_archives(
    services: Services, actor: Actor, *, tender_id: str | None = None
) -> list[dict[str, Any]]:
    """The archives the actor may read, newest first (operators and supervisors: their centre;
    the tenderer and its agency: their own tenders)."""
    scope = widest_scope(actor, Action.ARCHIVE_READ)
    if scope is None:
        authorize(actor, Action.ARCHIVE_READ)
    query = select(archives).order_by(archives.c.requested_at.desc(), archives.c.id)
    if tender_id is not None:
        query = query.where(archives.c.tender_id == tender_id)
    if scope is not PolicyScope.ANY:
        # Narrowed in SQL to what any of the actor's roles could reach (its centre, its
        # organisation's tenders); the policy then decides row by row.
        query = query.where(
            (archives.c.centre_id == actor.centre_id)
            | (archives.c.tenderer_org_id == actor.org_id)
            | (archives.c.agency_org_id == actor.org_id)
        )
    with services.read_session() as session:
        rows = session.execute(query.limit(1000)).all()
    return [archive_view(r) for r in rows if scope is PolicyScope.ANY or _allowed(actor, r)]


def _allowed(actor: Actor, row: Any) -> bool:
    return is_allowed(actor, Action.ARCHIVE_READ, archive_resource(row))


def get_archive(services: Services, actor: Actor, archive_id: str) -> dict[str, Any]:
    with services.read_session() as session:
        row = session.execute(select(archives).where(archives.c.id == archive_id)).first()
    if row is None:
        raise ArchiveNotFound(archive_id)
    authorize(actor, Action.ARCHIVE_READ, archive_resource(row))
    return archive_view(row)


def archive_file(services: Services, actor: Actor, archive_id: str) -> dict[str, Any]:
    """The archive's row, checked readable and built, for streaming its blob."""
    view = get_archive(services, actor, archive_id)
    if view["status"] != "built" or view["sha256"] is None:
        raise NotFound(f"archive '{archive_id}' is not built yet", archive_id=archive_id)
    return view


# -- retention -------------------------------------------------------------------------------


def sweep_expired(uow: SqlUnitOfWork) -> list[dict[str, Any]]:
    """Mark the archives whose retention period has ended (once each, audited) and return them.
    Nothing is deleted: disposing of an archive is a decision for the archivists."""
    if uow.actor != SYSTEM:
        authorize(uow.actor, Action.ARCHIVE_BUILD)
    now = uow.clock.now()
    with uow:
        rows = uow.session.execute(
            select(archives).where(
                archives.c.status == "built",
                archives.c.expired_at.is_(None),
                archives.c.retain_until < now.date(),
            )
        ).all()
        for row in rows:
            uow.session.execute(
                update(archives).where(archives.c.id == row.id).values(expired_at=now)
            )
            uow.record(
                ev.ArchiveExpired(
                    "archive",
                    row.id,
                    now,
                    tender_id=row.tender_id,
                    retain_until=row.retain_until.isoformat(),
                )
            )
        uow.commit()
    return [archive_view(r) | {"expired_at": now} for r in rows]
