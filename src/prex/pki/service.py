"""Use cases of the trust list, and :class:`Pki`, the validator wired to the database.

Trust-list changes go through the unit of work, so each leaves an audit entry. The validator
works on an in-memory snapshot of the trust list, reloaded whenever the list changes (one cheap
query per validation), and on CRLs kept in memory and in ``cached_crls``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from prex.db.uow import SqlUnitOfWork
from prex.identity.policy import SYSTEM, Action, authorize
from prex.pki import events as ev
from prex.pki.certs import Certificate, load_certificate, parse_certificates
from prex.pki.holder import Holder, holder_of, validate_profile
from prex.pki.orm import cached_crls, trusted_cas
from prex.pki.path import PathValidator, ValidatedPath
from prex.pki.platform import PlatformKeys, ensure_platform_keys, timestamp_authority
from prex.pki.revocation import (
    MAX_CRL_BYTES,
    BadCrl,
    MemoryCrlStore,
    ParsedCrl,
    RevocationChecker,
    http_fetch,
    newer,
    parse_crl,
    verify_crl,
)
from prex.pki.trust import (
    STATUS_MOVES,
    CaStatus,
    Purpose,
    TrustedCa,
    TrustList,
    parse_purposes,
)
from prex.pki.tsa import BadTimestamp, TimestampAuthority, verify_token
from prex.shared.errors import InvalidInput, InvalidTransition, NotFound
from prex.shared.ids import new_id

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.pki")


@dataclass(frozen=True)
class AddedCa:
    id: str
    subject: str
    fingerprint: str
    added: bool  # False: it was on the list already


def add_cas(
    uow: SqlUnitOfWork,
    data: bytes,
    *,
    purposes: Sequence[str] = (),
    profile: Sequence[str] = (),
    label: str = "",
) -> list[AddedCa]:
    """Add every CA certificate of a PEM, DER or PKCS#7 file; end-entity certificates are
    refused, certificates already listed are reported and left unchanged."""
    authorize(uow.actor, Action.CA_MANAGE)
    certificates = parse_certificates(data)
    chosen_purposes = [p.value for p in parse_purposes(list(purposes))]
    chosen_profile = list(validate_profile(list(profile)))
    for cert in certificates:
        if not cert.basic_constraints.ca:
            raise InvalidInput(
                f"'{cert.common_name}' is not a CA certificate (basicConstraints CA is false); "
                "only CA certificates go on the trust list",
                field="file",
            )
        _ = cert.public_key  # refuse unsupported keys now, not at the first login
    results: list[AddedCa] = []
    with uow:
        now = uow.clock.now()
        for cert in certificates:
            existing = uow.session.execute(
                select(trusted_cas.c.id).where(trusted_cas.c.fingerprint == cert.fingerprint)
            ).first()
            if existing is not None:
                results.append(AddedCa(existing.id, cert.subject_text, cert.fingerprint, False))
                continue
            ca_id = new_id()
            uow.session.execute(
                insert(trusted_cas).values(
                    id=ca_id,
                    fingerprint=cert.fingerprint,
                    subject=cert.subject_text,
                    subject_sha256=_sha256(cert.subject_der),
                    key_id=cert.subject_key_id.hex() if cert.subject_key_id else None,
                    key_kind=cert.public_key.kind,
                    self_signed=cert.self_issued,
                    der=cert.der,
                    not_before=cert.not_before,
                    not_after=cert.not_after,
                    status=CaStatus.ACTIVE.value,
                    status_reason="",
                    purposes=chosen_purposes,
                    profile=chosen_profile,
                    label=label[:200],
                    added_at=now,
                    changed_at=now,
                )
            )
            uow.record(
                ev.CaAdded(
                    "ca",
                    ca_id,
                    now,
                    fingerprint=cert.fingerprint,
                    subject=cert.subject_text,
                    purposes=chosen_purposes,
                    profile=chosen_profile,
                )
            )
            results.append(AddedCa(ca_id, cert.subject_text, cert.fingerprint, True))
        uow.commit()
    return results


def set_ca_status(uow: SqlUnitOfWork, ca_id: str, status: str, reason: str = "") -> None:
    """Suspend, re-activate or withdraw a CA; withdrawal is final."""
    authorize(uow.actor, Action.CA_MANAGE)
    try:
        target = CaStatus(status)
    except ValueError:
        raise InvalidInput(
            f"status is one of {', '.join(s.value for s in CaStatus)}", field="status"
        ) from None
    with uow:
        row = uow.session.execute(
            select(trusted_cas.c.status, trusted_cas.c.fingerprint)
            .where(trusted_cas.c.id == ca_id)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no CA '{ca_id}' on the trust list", ca_id=ca_id)
        current = CaStatus(row.status)
        if target not in STATUS_MOVES[current]:
            raise InvalidTransition("CA", ca_id, current.value, target.value)
        now = uow.clock.now()
        uow.session.execute(
            update(trusted_cas)
            .where(trusted_cas.c.id == ca_id)
            .values(status=target.value, status_reason=reason[:500], changed_at=now)
        )
        uow.record(
            ev.CaStatusChanged(
                "ca",
                ca_id,
                now,
                fingerprint=row.fingerprint,
                previous=current.value,
                status=target.value,
                reason=reason[:500],
            )
        )
        uow.commit()


def find_ca(trust: TrustList, ca_id: str) -> TrustedCa:
    """An entry by id or by a unique fingerprint prefix (what the CLI shows)."""
    entry = trust.by_id(ca_id)
    if entry is not None:
        return entry
    matches = [e for e in trust.entries if e.certificate.fingerprint.startswith(ca_id.lower())]
    if len(ca_id) >= 8 and len(matches) == 1:
        return matches[0]
    raise NotFound(f"no CA '{ca_id}' on the trust list", ca_id=ca_id)


def load_trust_list(session: object) -> TrustList:
    rows = session.execute(select(trusted_cas).order_by(trusted_cas.c.added_at)).all()  # type: ignore[attr-defined]
    return TrustList(
        [
            TrustedCa(
                id=row.id,
                certificate=load_certificate(row.der),
                status=CaStatus(row.status),
                purposes=tuple(Purpose(p) for p in row.purposes),
                profile=tuple(row.profile),
                label=row.label,
                status_reason=row.status_reason,
                added_at=row.added_at,
            )
            for row in rows
        ]
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class DatabaseCrlStore:
    """CRLs in memory, persisted in ``cached_crls`` (with an audit entry) when they change."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._memory = MemoryCrlStore()
        self._lock = threading.Lock()
        self._loaded: set[str] = set()

    def get(self, ca_fingerprint: str) -> ParsedCrl | None:
        with self._lock:
            if ca_fingerprint not in self._loaded:
                self._load(ca_fingerprint)
            return self._memory.get(ca_fingerprint)

    def _load(self, ca_fingerprint: str) -> None:
        with self._services.read_session() as session:
            row = session.execute(
                select(cached_crls.c.der).where(cached_crls.c.ca_fingerprint == ca_fingerprint)
            ).first()
        if row is not None:
            self._memory.put(ca_fingerprint, parse_crl(row.der), "database", None)
        self._loaded.add(ca_fingerprint)

    def put(self, ca_fingerprint: str, crl: ParsedCrl, source: str, url: str | None) -> None:
        with self._lock:
            current = self._memory.get(ca_fingerprint)
            if current is not None and not newer(crl, current):
                return
            self._memory.put(ca_fingerprint, crl, source, url)
        store_crl(self._services.uow(SYSTEM), ca_fingerprint, crl, source, url)

    def forget(self) -> None:
        with self._lock:
            self._memory = MemoryCrlStore()
            self._loaded.clear()


def store_crl(
    uow: SqlUnitOfWork, ca_fingerprint: str, crl: ParsedCrl, source: str, url: str | None
) -> bool:
    """Keep ``crl`` unless a newer one is stored already; True when it was stored.

    Two processes that fetch a CA's first CRL at the same moment both find no row to lock, and
    the second insert collides: it then runs again and compares with the row the first stored."""
    try:
        return _store_crl(uow, ca_fingerprint, crl, source, url)
    except IntegrityError:
        return _store_crl(uow, ca_fingerprint, crl, source, url)


def _store_crl(
    uow: SqlUnitOfWork, ca_fingerprint: str, crl: ParsedCrl, source: str, url: str | None
) -> bool:
    with uow:
        now = uow.clock.now()
        row = uow.session.execute(
            select(cached_crls.c.der)
            .where(cached_crls.c.ca_fingerprint == ca_fingerprint)
            .with_for_update()
        ).first()
        if row is not None and not newer(crl, parse_crl(row.der)):
            return False
        number = None if crl.number is None else str(crl.number)
        values = {
            "crl_number": number,
            "this_update": crl.this_update,
            "next_update": crl.next_update,
            "der": crl.der,
            "source": source,
            "url": url,
            "stored_at": now,
        }
        if row is None:
            uow.session.execute(insert(cached_crls).values(ca_fingerprint=ca_fingerprint, **values))
        else:
            uow.session.execute(
                update(cached_crls)
                .where(cached_crls.c.ca_fingerprint == ca_fingerprint)
                .values(**values)
            )
        uow.record(
            ev.CrlStored(
                "ca",
                ca_fingerprint[:26],
                now,
                ca_fingerprint=ca_fingerprint,
                crl_number=number,
                this_update=crl.this_update.isoformat(),
                next_update=None if crl.next_update is None else crl.next_update.isoformat(),
                source=source,
                url=url,
            )
        )
        uow.commit()
    return True


class Pki:
    """The platform's certificate validator: trust list, CRL cache, OCSP, settings."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.crls = DatabaseCrlStore(services)
        self.revocation = RevocationChecker(
            self.crls, http_fetch(services.settings.pki_fetch_timeout)
        )
        self._snapshot: tuple[tuple[object, ...], TrustList] | None = None
        self._signatures: dict[tuple[str, str], bool] = {}
        self._platform_keys: PlatformKeys | None = None
        self._tsa: TimestampAuthority | None = None
        self.crl_attempts: dict[str, datetime] = {}  # CA fingerprint → last refresh attempt
        self._lock = threading.Lock()

    def trust_list(self) -> TrustList:
        """The current trust list; reloaded only when an entry was added or changed."""
        with self.services.read_session() as session:
            # The list is short (tens of CAs): compare the mutable columns themselves, which,
            # unlike a timestamp, cannot miss two changes within one clock tick.
            version = tuple(
                tuple(row)
                for row in session.execute(
                    select(
                        trusted_cas.c.id,
                        trusted_cas.c.status,
                        trusted_cas.c.status_reason,
                        trusted_cas.c.purposes,
                        trusted_cas.c.profile,
                        trusted_cas.c.label,
                    ).order_by(trusted_cas.c.id)
                ).all()
            )
            with self._lock:
                if self._snapshot is not None and self._snapshot[0] == version:
                    return self._snapshot[1]
            trust = load_trust_list(session)
        with self._lock:
            self._snapshot = (version, trust)
        return trust

    def validator(self, trust: TrustList | None = None) -> PathValidator:
        settings = self.services.settings
        return PathValidator(
            trust or self.trust_list(),
            self.revocation,
            refuse_unknown_revocation=settings.revocation_unavailable == "refuse",
            max_chain=settings.pki_max_chain,
            signature_cache=self._signatures,
        )

    def verify(
        self,
        certificate: Certificate,
        *,
        purpose: Purpose,
        at: datetime | None = None,
        intermediates: Sequence[Certificate] = (),
        now: datetime | None = None,
    ) -> tuple[ValidatedPath, Holder]:
        """Validate the path and read the holder through the issuing CA's profile."""
        path = self.validator().validate(
            certificate,
            purpose=purpose,
            now=now or self.services.clock.now(),
            at=at,
            intermediates=intermediates,
        )
        return path, holder_of(certificate, path.issuing_ca.profile)

    def platform_keys(self) -> PlatformKeys:
        if self._platform_keys is None:
            keys = ensure_platform_keys(self.services.settings, self.services.clock)
            if keys.created:
                with self.services.uow(SYSTEM) as uow:
                    uow.record(
                        ev.PlatformKeysCreated(
                            "platform",
                            "keys",
                            uow.clock.now(),
                            ca_fingerprint=keys.ca_certificate.fingerprint,
                            tsa_fingerprint=keys.tsa_certificate.fingerprint,
                            key_dir=str(self.services.settings.resolved_key_dir),
                        )
                    )
                    uow.commit()
            self._platform_keys = keys
        return self._platform_keys

    def issue_timestamp(self, uow: SqlUnitOfWork, request_der: bytes) -> bytes:
        """Answer an RFC 3161 request; a granted token is recorded in the audit trail (serial,
        imprint, time, requester) so that the platform can account for every token it issued."""
        authorize(uow.actor, Action.TIMESTAMP_ISSUE)
        reply = self.timestamp_authority().respond(request_der)
        try:
            info = verify_token(reply, certificates=(self.platform_keys().tsa_certificate,))
        except BadTimestamp:
            return reply  # a rejection: nothing was issued
        with uow:
            uow.record(
                ev.TimestampIssued(
                    "timestamp",
                    f"{info.serial:x}"[:26],
                    uow.clock.now(),
                    serial=f"{info.serial:x}",
                    hash_algorithm=info.hash_algorithm,
                    message_imprint=info.message_imprint.hex(),
                    gen_time=info.gen_time.isoformat(),
                )
            )
            uow.commit()
        return reply

    def timestamp_authority(self) -> TimestampAuthority:
        """The platform TSA, built once (it pre-encodes its certificate's parts)."""
        if self._tsa is None:
            self._tsa = timestamp_authority(self.platform_keys(), self.services.clock)
        return self._tsa

    def import_crl(self, uow: SqlUnitOfWork, data: bytes) -> tuple[TrustedCa, ParsedCrl, bool]:
        """Import a CRL file offline; it must be signed by a CA on the trust list."""
        authorize(uow.actor, Action.CA_MANAGE)
        crl = parse_crl(data)
        trust = self.trust_list()
        issuers = trust.issuers_named(crl.issuer_der)
        if not issuers:
            raise BadCrl("the CRL's issuer is not on the trust list")
        problems: list[str] = []
        for entry in issuers:
            try:
                verify_crl(crl, entry.certificate)
            except BadCrl as exc:
                problems.append(exc.message)
                continue
            stored = store_crl(uow, entry.certificate.fingerprint, crl, "imported", None)
            self.crls.forget()
            return entry, crl, stored
        raise BadCrl("; ".join(problems))


#: Refresh a fetched CRL this long before its nextUpdate, and retry a failed fetch this often.
CRL_REFRESH_MARGIN = timedelta(hours=1)
CRL_RETRY_INTERVAL = timedelta(minutes=10)


def refresh_due_crls(services: Services) -> int:
    """Fetch again every cached CRL that came from a distribution point and is about to expire,
    so that validation rarely waits on the network; returns how many were renewed."""
    pki = services.pki
    now = services.clock.now()
    with services.read_session() as session:
        due = session.execute(
            select(cached_crls.c.ca_fingerprint, cached_crls.c.url).where(
                cached_crls.c.url.is_not(None),
                cached_crls.c.next_update.is_not(None),
                cached_crls.c.next_update <= now + CRL_REFRESH_MARGIN,
            )
        ).all()
    if not due:
        return 0
    trust = pki.trust_list()
    by_fingerprint = {e.certificate.fingerprint: e for e in trust.entries}
    renewed = 0
    for row in due:
        entry = by_fingerprint.get(row.ca_fingerprint)
        last = pki.crl_attempts.get(row.ca_fingerprint)
        if entry is None or (last is not None and now - last < CRL_RETRY_INTERVAL):
            continue
        pki.crl_attempts[row.ca_fingerprint] = now
        try:
            crl = parse_crl(pki.revocation.fetch(row.url, None, MAX_CRL_BYTES))
            verify_crl(crl, entry.certificate)
        except (OSError, httpx.HTTPError, InvalidInput) as exc:
            log.warning(
                "CRL refresh of %s from %s failed: %s", entry.label or entry.id, row.url, exc
            )
            continue
        if store_crl(services.uow(SYSTEM), row.ca_fingerprint, crl, "fetched", row.url):
            renewed += 1
    if renewed:
        pki.crls.forget()
    return renewed
