"""Resumable uploads of sealed envelopes: a large bid survives a dropped connection or a server
restart (docs/envelope-format.md, "Resumable upload"; docs/decisions/0008-resumable-uploads.md).

A bidder *creates* an upload for a tender, declaring the envelope's length, its SHA-256 and an
idempotency key; *appends* bytes at the offset the server has (``PATCH`` with ``Upload-Offset``);
*asks* for the offset after an interruption; and when the last byte is in, the server runs the
very same :func:`~prex.bidding.submissions.receive_envelope` as the single-request upload and
answers with the receipt.

Where things are:

* the bytes received so far — ``<upload id>.upload`` in the blob store's spool folder: never in
  the blob store itself, never a bid, until the envelope has been checked;
* the upload's state (owner, declared length and digest, the committed offset, expiry) — a
  ``bid_uploads`` row, so that any server process, or the same one after a restart, resumes it;
* who is appending — an exclusive ``flock`` on the spool file, which the kernel releases when
  the process holding it dies (a killed server leaves no stale lock behind);
* the running SHA-256 — in the memory of the process that received the bytes, as a cache: when
  the next append or the completion comes to another process (or after a restart), the
  completion reads the file once more instead (see the decision record for the measurement).

Every byte below the committed offset is on disk (fsynced) and never changes again; the bytes of
an append are committed when it ends, every :data:`CHECKPOINT_BYTES` while it streams, and when
the client goes away mid-body. Bytes past the committed offset (a server killed mid-append) are
cut off by the next append.

Errors (all :class:`~prex.shared.errors.DomainError`)::

    UploadNotFound (404)        no such upload of your organisation
    UploadGone (410)            expired, abandoned or lost: create it again (same key)
    UploadOffsetMismatch (409)  Upload-Offset is not the server's offset (``offset`` says it)
    UploadBusy (409)            another request is appending to this upload right now
    IdempotencyKeyReused (409)  the key was used for another envelope or tender
    UploadTooLong (413)         the bytes would pass the declared length
    UploadDigestMismatch (422)  the bytes do not hash to the declared SHA-256 (upload discarded)
    UnsupportedUploadMedia (415) an append that is not application/offset+octet-stream
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from sqlalchemy import CursorResult, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.bidding.orm import bid_uploads
from prex.bidding.submissions import (
    _KEY,
    Received,
    _by_key,
    _check_open,
    receive_envelope,
)
from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import Action, Actor, Resource, authorize
from prex.shared.blobs import TooLarge
from prex.shared.clock import ensure_utc
from prex.shared.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from prex.shared.ids import new_id
from prex.tenders.model import Method
from prex.tenders.service import get_tender_for

if TYPE_CHECKING:
    from prex.bootstrap import Services

#: How long an upload lives after its last append (and a completed one after completion).
UPLOAD_TTL = timedelta(hours=24)
#: While one append streams, its bytes are committed (fsync, then the offset) this often.
CHECKPOINT_BYTES = 32 * 1024 * 1024
#: The media type of an append's body (as in tus 1.0).
OFFSET_MEDIA_TYPE = "application/offset+octet-stream"
SPOOL_SUFFIX = ".upload"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_READ = 1024 * 1024


class UploadStatus(StrEnum):
    RECEIVING = "receiving"  # bytes are being appended, or all are in and the check refused them
    COMPLETE = "complete"  # a bid was received under the upload's key: the receipt is known


class UploadNotFound(NotFound):
    slug = "upload-not-found"


class UploadGone(DomainError):
    """Expired, abandoned or its bytes lost: the client creates it again (with the same key)."""

    slug = "upload-gone"
    status = 410


class UploadOffsetMismatch(Conflict):
    slug = "upload-offset-mismatch"


class UploadBusy(Conflict):
    slug = "upload-busy"


class IdempotencyKeyReused(Conflict):
    slug = "idempotency-key-reused"


class UploadTooLong(InvalidInput):
    slug = "upload-too-long"
    status = 413


class UploadDigestMismatch(InvalidInput):
    slug = "upload-digest-mismatch"


class UnsupportedUploadMedia(InvalidInput):
    slug = "unsupported-media-type"
    status = 415


@dataclass(frozen=True)
class UploadState:
    """What a client may know of its upload (never anyone else's)."""

    id: str
    tender_id: str
    idempotency_key: str
    length: int
    offset: int
    sha256: str
    status: UploadStatus
    created_at: datetime
    expires_at: datetime
    receipt: dict[str, Any] | None  # once complete


# ---------------------------------------------------------------------------------------------
# The running digests: a per-process cache, never the truth
# ---------------------------------------------------------------------------------------------


class _Digests:
    """SHA-256 states of the uploads this process has been receiving, each with the committed
    offset it covers. A miss costs one read of the file at completion, nothing else."""

    def __init__(self, capacity: int = 512) -> None:
        self._items: OrderedDict[str, tuple[int, hashlib._Hash]] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def take(self, upload_id: str, offset: int) -> hashlib._Hash | None:
        with self._lock:
            found = self._items.pop(upload_id, None)
        if offset == 0:
            return hashlib.sha256()
        if found is None or found[0] != offset:
            return None
        return found[1]

    def keep(self, upload_id: str, offset: int, hasher: hashlib._Hash) -> None:
        with self._lock:
            self._items[upload_id] = (offset, hasher)
            self._items.move_to_end(upload_id)
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)

    def drop(self, upload_id: str) -> None:
        with self._lock:
            self._items.pop(upload_id, None)


_digests = _Digests()


# ---------------------------------------------------------------------------------------------
# Create, look up, abandon
# ---------------------------------------------------------------------------------------------


def spool_file(services: Services, upload_id: str) -> Path:
    """Where the bytes of an upload in progress lie."""
    return services.blobs.spool_dir / f"{upload_id}{SPOOL_SUFFIX}"


def create_upload(
    uow: SqlUnitOfWork,
    services: Services,
    *,
    tender_id: str,
    idempotency_key: str,
    length: int,
    sha256: str,
) -> tuple[UploadState, bool]:
    """Start an upload of an envelope of ``length`` bytes hashing to ``sha256`` for the actor's
    organisation; ``(state, created)``. The same key again gives the upload already under way
    (or, once received, the completed upload and its receipt): a client that lost everything but
    the envelope resumes by creating again."""
    actor = uow.actor
    authorize(actor, Action.BID_SUBMIT, Resource("tender", tender_id))
    if not _KEY.fullmatch(idempotency_key):
        raise InvalidInput(
            "the Idempotency-Key header is 8–100 letters, digits or . _ : -",
            field="Idempotency-Key",
        )
    org_id = actor.org_id
    if org_id is None or actor.user_id is None:
        raise PermissionDenied("only a member of a bidding organisation may submit a bid")
    sha256 = sha256.lower()
    if not _SHA256.fullmatch(sha256):
        raise InvalidInput("sha256 is 64 hexadecimal digits", field="sha256")
    if length < 1:
        raise InvalidInput("an envelope has at least one byte", field="length")
    now = services.clock.now()

    def same(row_tender: str, row_length: int, row_sha: str) -> None:
        if (row_tender, row_length, row_sha) != (tender_id, length, sha256):
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different envelope or tender",
                idempotency_key=idempotency_key,
            )

    existing = _row_by_key(services, org_id, idempotency_key)
    if existing is not None and ensure_utc(existing.expires_at) <= now:
        _discard(services, existing.id)
        existing = None
    if existing is not None:
        same(existing.tender_id, int(existing.length), existing.sha256)
        return _state(services, existing), False
    earlier = _by_key(services, org_id, idempotency_key)
    if earlier is not None:  # received before (single request, or an upload swept since)
        same(earlier["tender_id"], int(earlier["envelope_bytes"]), earlier["envelope_sha256"])
        row, _ = _insert(
            services, actor, tender_id, idempotency_key, length, sha256, now, bid=earlier
        )
        return _state(services, row), False

    tender = get_tender_for(services.uow(actor), tender_id)
    if tender.method is Method.INVITED and org_id not in tender.invitee_org_ids:
        raise PermissionDenied("only the invited bidders may bid in an invited tender (邀请招标)")
    _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(services.clock).now())
    limit = services.rule_packs.get(tender.rule_pack_id).sealing.max_envelope_mb * 1024 * 1024
    if length > limit:
        raise TooLarge(
            f"an envelope for this tender is at most {limit} bytes; this one is {length}",
            field="length",
            limit=limit,
        )
    row, inserted = _insert(
        services, actor, tender_id, idempotency_key, length, sha256, now, bid=None
    )
    if inserted:
        spool_file(services, row.id).touch(mode=0o600)
    return _state(services, row), inserted


def _insert(
    services: Services,
    actor: Actor,
    tender_id: str,
    key: str,
    length: int,
    sha256: str,
    now: datetime,
    *,
    bid: dict[str, Any] | None,
) -> tuple[Any, bool]:
    """Insert the upload row (completed at once when ``bid`` was received under the key
    before); ``(row, True)``, or on a concurrent insert of the same key ``(the winner, False)``."""
    assert actor.org_id is not None and actor.user_id is not None
    values = {
        "id": new_id(),
        "tender_id": tender_id,
        "org_id": actor.org_id,
        "created_by": actor.user_id,
        "idempotency_key": key,
        "length": length,
        "sha256": sha256,
        "received": length if bid else 0,
        "created_at": now,
        "updated_at": now,
        "expires_at": now + UPLOAD_TTL,
    }
    inserted = True
    with services.writer_session() as session:
        try:
            session.execute(insert(bid_uploads).values(**values))
            session.commit()
        except IntegrityError:
            session.rollback()
            inserted = False
    row = _row_by_key(services, actor.org_id, key)
    assert row is not None
    if (row.tender_id, int(row.length), row.sha256) != (tender_id, length, sha256):
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different envelope or tender",
            idempotency_key=key,
        )
    return row, inserted and row.id == values["id"]


def _row_by_key(services: Services, org_id: str, key: str) -> Any:
    with services.read_session() as session:
        return session.execute(
            select(bid_uploads).where(
                bid_uploads.c.org_id == org_id, bid_uploads.c.idempotency_key == key
            )
        ).first()


def _owned(services: Services, actor: Actor, upload_id: str) -> Any:
    """The actor's organisation's upload (anyone else's does not exist), not expired."""
    authorize(actor, Action.BID_SUBMIT, Resource("upload", upload_id))
    with services.read_session() as session:
        row = session.execute(select(bid_uploads).where(bid_uploads.c.id == upload_id)).first()
    if row is None or actor.org_id is None or row.org_id != actor.org_id:
        raise UploadNotFound(f"no upload '{upload_id}' of yours", upload_id=upload_id)
    if ensure_utc(row.expires_at) <= services.clock.now():
        raise UploadGone(
            f"upload {upload_id} expired; create it again with the same Idempotency-Key",
            upload_id=upload_id,
        )
    return row


def _receipt_of(services: Services, row: Any) -> dict[str, Any] | None:
    """The receipt, once the upload's envelope was received under its key. The bids table is
    the only record of that: an upload is complete when all its bytes are in and a bid with its
    key and digest exists — whether the request that made the bid lived to answer or not."""
    if row.received != row.length:
        return None
    earlier = _by_key(services, row.org_id, row.idempotency_key)
    if earlier is None or earlier["envelope_sha256"] != row.sha256:
        return None
    return earlier


def _state(services: Services, row: Any) -> UploadState:
    receipt = _receipt_of(services, row)
    return UploadState(
        id=row.id,
        tender_id=row.tender_id,
        idempotency_key=row.idempotency_key,
        length=int(row.length),
        offset=int(row.length) if receipt else int(row.received),
        sha256=row.sha256,
        status=UploadStatus.COMPLETE if receipt else UploadStatus.RECEIVING,
        created_at=ensure_utc(row.created_at),
        expires_at=ensure_utc(row.expires_at),
        receipt=receipt,
    )


def upload_state(services: Services, actor: Actor, upload_id: str) -> UploadState:
    """The upload's offset (and receipt once complete), for its own organisation only."""
    return _state(services, _owned(services, actor, upload_id))


def abandon_upload(services: Services, actor: Actor, upload_id: str) -> None:
    """Delete an upload and its bytes (tus "termination"); a bid it became stays."""
    row = _owned(services, actor, upload_id)
    lock = _Lock.try_take(spool_file(services, row.id))
    if lock is False:
        raise UploadBusy(f"upload {upload_id} is being appended to", upload_id=upload_id)
    try:
        _discard(services, row.id)
    finally:
        if lock is not True:
            lock.release()


def _discard(services: Services, upload_id: str) -> None:
    with services.writer_session() as session:
        session.execute(delete(bid_uploads).where(bid_uploads.c.id == upload_id))
        session.commit()
    spool_file(services, upload_id).unlink(missing_ok=True)
    _digests.drop(upload_id)


class _Lock:
    """An exclusive, non-blocking ``flock`` on a spool file, released by the kernel if the
    process dies."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle

    @classmethod
    def try_take(cls, path: Path) -> _Lock | bool:
        """The lock; ``True`` when there is no file to lock; ``False`` when someone holds it."""
        try:
            handle = path.open("r+b")
        except FileNotFoundError:
            return True
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        return cls(handle)

    def release(self) -> None:
        self.handle.close()  # closing the last descriptor releases the lock


# ---------------------------------------------------------------------------------------------
# Append
# ---------------------------------------------------------------------------------------------


def begin_append(
    services: Services, actor: Actor, upload_id: str, offset: int, body_length: int | None
) -> Appender | dict[str, Any]:
    """Take the upload for one append at ``offset``: an :class:`Appender` holding its lock, or,
    when the upload is already complete and ``offset`` is its length, the receipt."""
    row = _owned(services, actor, upload_id)
    length = int(row.length)
    receipt = _receipt_of(services, row)
    if receipt is not None:
        if offset != length or body_length:
            raise UploadOffsetMismatch(
                f"upload {upload_id} is complete at offset {length}", offset=length
            )
        return receipt
    if offset != int(row.received):  # a quick answer; checked again under the lock
        raise UploadOffsetMismatch(
            f"the upload is at offset {row.received}, not {offset}", offset=int(row.received)
        )
    if body_length is not None and offset + body_length > length:
        raise UploadTooLong(
            f"{body_length} bytes at offset {offset} pass the declared length {length}",
            field="body",
            length=length,
        )
    tender = get_tender_for(services.uow(actor), row.tender_id)
    _check_open(tender.status, ensure_utc(tender.bid_deadline), tender.clock(services.clock).now())

    path = spool_file(services, upload_id)
    flags = os.O_RDWR | (os.O_CREAT if offset == 0 else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileNotFoundError:  # completed meanwhile (its file moved to the blob store), or lost
        again = _receipt_of(services, _owned(services, actor, upload_id))
        if again is not None:
            if offset == length and not body_length:
                return again
            raise UploadOffsetMismatch(
                f"upload {upload_id} is complete at offset {length}", offset=length
            ) from None
        _discard(services, upload_id)
        raise UploadGone(
            f"the bytes of upload {upload_id} are lost; create it again with the same "
            "Idempotency-Key",
            upload_id=upload_id,
        ) from None
    handle = os.fdopen(fd, "r+b")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadBusy(
                f"upload {upload_id} is being appended to by another request",
                upload_id=upload_id,
            ) from None
        with services.read_session() as session:  # the truth, now that nobody else writes
            current = session.execute(
                select(bid_uploads.c.received).where(bid_uploads.c.id == upload_id)
            ).first()
        if current is None:
            raise UploadGone(f"upload {upload_id} was abandoned or expired", upload_id=upload_id)
        if int(current.received) != offset:
            raise UploadOffsetMismatch(
                f"the upload is at offset {current.received}, not {offset}",
                offset=int(current.received),
            )
        os.ftruncate(fd, offset)  # bytes past the committed offset were never acknowledged
        handle.seek(offset)
        return Appender(services, row, handle, _digests.take(upload_id, offset))
    except BaseException:
        handle.close()
        raise


class Appender:
    """One append to an upload, holding its lock: bytes go to the spool file at the committed
    offset and into the running digest; :meth:`commit` makes them durable and moves the offset;
    :meth:`complete` turns the finished upload into a bid. Always :meth:`close` it."""

    def __init__(
        self, services: Services, row: Any, handle: BinaryIO, hasher: hashlib._Hash | None
    ) -> None:
        self.services = services
        self.upload_id: str = row.id
        self.tender_id: str = row.tender_id
        self.key: str = row.idempotency_key
        self.length = int(row.length)
        self.sha256: str = row.sha256
        self.offset = self.committed = int(row.received)
        self._handle = handle
        self._hasher = hasher
        self._done = False  # received as a bid, or discarded

    @property
    def path(self) -> Path:
        return spool_file(self.services, self.upload_id)

    @property
    def checkpoint_due(self) -> bool:
        return self.offset - self.committed >= CHECKPOINT_BYTES

    @property
    def finished(self) -> bool:
        return self.committed == self.length

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.offset + len(chunk) > self.length:
            raise UploadTooLong(
                f"the body passes the declared length of {self.length} bytes",
                field="body",
                length=self.length,
            )
        self._handle.write(chunk)
        self.offset += len(chunk)
        if self._hasher is not None:
            self._hasher.update(chunk)

    def commit(self) -> None:
        """Make the bytes written so far durable, then move the committed offset to them."""
        if self.offset == self.committed:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())
        now = self.services.clock.now()
        with self.services.writer_session() as session:
            moved = session.execute(
                update(bid_uploads)
                .where(
                    bid_uploads.c.id == self.upload_id,
                    bid_uploads.c.received == self.committed,
                )
                .values(received=self.offset, updated_at=now, expires_at=now + UPLOAD_TTL)
            )
            session.commit()
        # Not moved: swept or abandoned meanwhile (we hold the lock, so nobody else appended).
        if cast(CursorResult[Any], moved).rowcount != 1:
            raise UploadGone(
                f"upload {self.upload_id} was abandoned or expired", upload_id=self.upload_id
            )
        self.committed = self.offset

    def complete(self, uow: SqlUnitOfWork) -> Received:
        """Check the digest of the finished upload and receive it as a bid, exactly as the
        single-request upload is received. A refused envelope stays (complete, not a bid) so
        that the check can be retried by an empty append; bytes that do not hash to the
        declared digest are discarded."""
        assert self.finished
        digest = self._digest()
        if digest != self.sha256:
            self._done = True
            _discard(self.services, self.upload_id)
            raise UploadDigestMismatch(
                f"the {self.length} bytes received hash to {digest}, not to the declared "
                f"{self.sha256}; the upload is discarded",
                field="sha256",
                received_sha256=digest,
            )
        received = receive_envelope(
            uow,
            self.services,
            tender_id=self.tender_id,
            idempotency_key=self.key,
            upload=self.path,
            digest=(self.sha256, self.length),
        )
        self._done = True
        self.path.unlink(missing_ok=True)  # moved into the blob store, unless a replay
        return received

    def _digest(self) -> str:
        if self._hasher is not None:
            return self._hasher.hexdigest()
        # Another process (or this one before a restart) received earlier bytes: read them.
        hasher = hashlib.sha256()
        self._handle.seek(0)
        while piece := self._handle.read(_READ):
            hasher.update(piece)
        return hasher.hexdigest()

    def close(self) -> None:
        """Release the lock; keep the running digest if it covers exactly the committed bytes."""
        if self._hasher is not None and self.offset == self.committed and not self._done:
            _digests.keep(self.upload_id, self.committed, self._hasher)
        else:
            _digests.drop(self.upload_id)
        self._handle.close()


# ---------------------------------------------------------------------------------------------
# The sweep (run by `prex worker`)
# ---------------------------------------------------------------------------------------------


def sweep_uploads(services: Services, *, limit: int = 100) -> int:
    """Remove expired uploads with their bytes, and spool files nobody has touched for
    :data:`UPLOAD_TTL` that belong to no live upload (a single-request upload whose server was
    killed mid-body leaves one). Files being written (locked) are left alone. Returns how many
    uploads and files were removed."""
    now = services.clock.now()
    removed = 0
    with services.read_session() as session:
        expired = (
            session.execute(
                select(bid_uploads.c.id)
                .where(bid_uploads.c.expires_at <= now)
                .order_by(bid_uploads.c.expires_at)
                .limit(limit)
            )
            .scalars()
            .all()
        )
    for upload_id in expired:
        lock = _Lock.try_take(spool_file(services, upload_id))
        if lock is False:
            continue
        try:
            with services.writer_session() as session:
                gone = session.execute(
                    delete(bid_uploads).where(
                        bid_uploads.c.id == upload_id, bid_uploads.c.expires_at <= now
                    )
                )
                session.commit()
            if cast(CursorResult[Any], gone).rowcount:
                spool_file(services, upload_id).unlink(missing_ok=True)
                _digests.drop(upload_id)
                removed += 1
        finally:
            if lock is not True:
                lock.release()
    removed += _sweep_orphans(services, now)
    return removed


def _sweep_orphans(services: Services, now: datetime) -> int:
    stale_before = (now - UPLOAD_TTL).timestamp()
    removed = 0
    for path in services.blobs.spool_dir.iterdir():
        try:
            if not path.is_file() or path.stat().st_mtime > stale_before:
                continue
        except FileNotFoundError:
            continue
        if path.suffix == SPOOL_SUFFIX:
            with services.read_session() as session:
                live = session.execute(
                    select(bid_uploads.c.id).where(bid_uploads.c.id == path.stem)
                ).first()
            if live is not None:
                continue
        lock = _Lock.try_take(path)
        if lock is False:
            continue
        path.unlink(missing_ok=True)
        if lock is not True:
            lock.release()
        removed += 1
    return removed
