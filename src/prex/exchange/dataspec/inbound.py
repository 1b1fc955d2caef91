"""Receiving records from the platforms below (this instance acting as the province).

A platform is registered first (:func:`register_platform`): its PLATFORM_CODE, credit code and
signing certificate, which must chain to a CA on this instance's trust list. A push
(:func:`receive_records`) is accepted only if its detached CMS signature verifies over the exact
body, the signer's path validates for signing, and the signer is the registered platform — its
registered certificate, or one naming its credit code (a renewed certificate). Then each record
is checked on its own, in the order sent: schema and codes, its idempotency key, its version
(never older than the one stored), its parent; an accepted record is stored, a refused one is
not, and the answer says which with a stable code. Re-sending a stored record answers
``duplicate`` and stores nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prex.audit.chain import canonical_json
from prex.db.uow import SqlUnitOfWork
from prex.exchange.dataspec.errors import MalformedBatch, UnknownPlatform
from prex.exchange.dataspec.events import PlatformRegistered, UpstreamRecordsReceived
from prex.exchange.dataspec.orm import upstream_platforms, upstream_records
from prex.exchange.dataspec.outbound import idempotency_key
from prex.exchange.dataspec.schemas import DATASETS, Dataset, validate_record
from prex.identity.policy import Action, authorize
from prex.identity.uscc import validate_uscc
from prex.pki.certs import parse_certificates
from prex.pki.cms import SignatureCheck, verify_detached
from prex.pki.holder import Holder, holder_of
from prex.pki.path import ValidatedPath
from prex.pki.trust import Purpose
from prex.shared.errors import Conflict, DomainError, InvalidInput

if TYPE_CHECKING:
    from prex.bootstrap import Services

MAX_RECORDS = 1000


@dataclass(frozen=True)
class RegisteredPlatform:
    code: str
    name: str
    credit_code: str
    certificate_sha256: str


def _holder(path: ValidatedPath) -> Holder | None:
    """The organisation the certificate names through its CA's profile, if any."""
    try:
        holder = holder_of(path.end_entity, path.issuing_ca.profile)
    except DomainError:
        return None
    return holder if holder.kind == "organisation" else None


def register_platform(
    services: Services,
    uow: SqlUnitOfWork,
    *,
    code: str,
    name: str,
    certificate_pem: bytes,
    credit_code: str | None = None,
) -> RegisteredPlatform:
    """Allow platform ``code`` to push here, signing with this certificate (PEM or DER, the
    leaf first, its chain after it)."""
    authorize(uow.actor, Action.CA_MANAGE)
    code = code.strip()
    if not code or len(code) > 40:
        raise InvalidInput("a platform code has 1–40 characters", field="code")
    certificates = parse_certificates(certificate_pem)
    leaf = certificates[0]
    path = services.pki.validator().validate(
        leaf, purpose=Purpose.SIGNING, now=uow.clock.now(), intermediates=certificates[1:]
    )
    holder = _holder(path)
    if credit_code is None and holder is None:
        raise InvalidInput(
            "the certificate names no credit code: give the platform's with --credit-code",
            field="credit_code",
        )
    chosen = validate_uscc(credit_code or (holder.code if holder else ""), field="credit_code")
    if holder is not None and holder.code != chosen:
        raise InvalidInput(
            f"the certificate names {holder.code}, not the credit code {chosen}",
            field="credit_code",
        )
    with uow:
        if uow.session.execute(
            select(upstream_platforms.c.code).where(upstream_platforms.c.code == code)
        ).first():
            raise Conflict(f"platform {code} is registered already", platform_code=code)
        uow.session.execute(
            insert(upstream_platforms).values(
                code=code,
                name=name.strip() or code,
                credit_code=chosen,
                certificate_sha256=leaf.fingerprint,
                certificate=leaf.der,
                active=True,
                added_at=uow.clock.now(),
            )
        )
        uow.record(
            PlatformRegistered(
                "platform", code, uow.clock.now(), credit_code=chosen, fingerprint=leaf.fingerprint
            )
        )
        uow.commit()
    return RegisteredPlatform(code, name.strip() or code, chosen, leaf.fingerprint)


def list_platforms(session: Session) -> list[RegisteredPlatform]:
    return [
        RegisteredPlatform(r.code, r.name, r.credit_code, r.certificate_sha256)
        for r in session.execute(select(upstream_platforms).order_by(upstream_platforms.c.code))
    ]


def _parse(body: bytes) -> tuple[str, list[Any]]:
    try:
        batch = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedBatch("the body is not JSON") from exc
    if not isinstance(batch, dict) or not isinstance(batch.get("platform_code"), str):
        raise MalformedBatch("the body is {platform_code, records: [...]}")
    records = batch.get("records")
    if not isinstance(records, list) or len(records) > MAX_RECORDS:
        raise MalformedBatch(f"records is a list of at most {MAX_RECORDS}")
    return batch["platform_code"], records


def _authenticate(services: Services, check: SignatureCheck, code: str) -> None:
    with services.read_session() as session:
        platform = session.execute(
            select(upstream_platforms).where(
                upstream_platforms.c.code == code, upstream_platforms.c.active
            )
        ).first()
    if platform is None:
        raise UnknownPlatform(f"platform {code} is not registered here", platform_code=code)
    path = services.pki.validator().validate(
        check.signer,
        purpose=Purpose.SIGNING,
        now=services.clock.now(),
        intermediates=[c for c in check.certificates if c != check.signer],
    )
    holder = _holder(path)
    if check.signer.fingerprint != platform.certificate_sha256 and (
        holder is None or holder.code != platform.credit_code
    ):
        raise UnknownPlatform(
            f"the push is signed by '{check.signer.subject_text}', which is not platform "
            f"{code}'s certificate",
            platform_code=code,
        )


def _refused(item: dict[str, Any], code: str, message: str) -> dict[str, Any]:
    return {**item, "status": "refused", "code": code, "message": message}


def _one(session: Session, platform: str, entry: Any, now: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return _refused({}, "invalid-field", "a record entry is an object")
    given_key = entry.get("idempotency_key")
    item: dict[str, Any] = {"idempotency_key": given_key, "dataset": entry.get("dataset")}
    dataset: Dataset | None = DATASETS.get(str(entry.get("dataset")))
    if dataset is None:
        return _refused(item, "unknown-dataset", f"no dataset {entry.get('dataset')!r}")
    record, version = entry.get("record"), entry.get("version")
    if not isinstance(record, dict) or not isinstance(version, int) or version < 1:
        return _refused(item, "invalid-field", "record is an object, version an integer ≥ 1")
    problems = validate_record(dataset, record)
    if record.get("PLATFORM_CODE") != platform:
        message = f"PLATFORM_CODE is not the pushing platform {platform}"
        return _refused(item, "invalid-field", message)
    if problems:
        item["fields"] = [p.field for p in problems]
        return _refused(item, "invalid-field", "; ".join(p.message for p in problems))
    key = dataset.key_of(record)
    item |= {"record_key": key, "version": version}
    if given_key != idempotency_key(dataset.name, key, version):
        return _refused(item, "bad-idempotency-key", "expected dataset:key:version")
    digest = hashlib.sha256(canonical_json(record)).hexdigest()
    stored = session.execute(
        select(upstream_records.c.content_sha256).where(
            upstream_records.c.platform_code == platform,
            upstream_records.c.idempotency_key == given_key,
        )
    ).first()
    if stored is not None:
        if stored.content_sha256 == digest:
            return {**item, "status": "duplicate"}
        return _refused(item, "conflict", "this key was stored with other content")
    latest = session.execute(
        select(func.max(upstream_records.c.version)).where(
            upstream_records.c.platform_code == platform,
            upstream_records.c.dataset == dataset.name,
            upstream_records.c.record_key == key,
        )
    ).scalar_one_or_none()
    if latest is not None and latest >= version:
        return _refused(item, "out-of-order", f"version {latest} of this record is here already")
    if dataset.parents:
        parent = session.execute(
            select(upstream_records.c.dataset).where(
                upstream_records.c.platform_code == platform,
                upstream_records.c.dataset.in_(dataset.parents),
                upstream_records.c.record_key == str(record.get(dataset.parent_key)),
            )
        ).first()
        if parent is None:
            return _refused(
                item,
                "missing-parent",
                f"{dataset.name} needs its {' or '.join(dataset.parents)} "
                f"{record.get(dataset.parent_key)} first",
            )
    session.execute(
        insert(upstream_records).values(
            platform_code=platform,
            dataset=dataset.name,
            record_key=key,
            version=version,
            deal_code=str(record.get("UNIFIED_DEAL_CODE", "")),  # "" for a credit record
            idempotency_key=given_key,
            content_sha256=digest,
            record=record,
            received_at=now,
        )
    )
    return {**item, "status": "accepted"}


def receive_records(
    services: Services, uow: SqlUnitOfWork, body: bytes, signature: bytes
) -> dict[str, Any]:
    """Authenticate a signed batch, then accept or refuse each record; the answer per record."""
    check = verify_detached(body, signature)  # before anything else is read from the body
    code, entries = _parse(body)
    _authenticate(services, check, code)
    with uow:
        now = uow.clock.now()
        results = [_one(uow.session, code, entry, now) for entry in entries]
        counts = {
            s: sum(1 for r in results if r["status"] == s)
            for s in ("accepted", "duplicate", "refused")
        }
        if counts["accepted"] or counts["refused"]:
            uow.record(UpstreamRecordsReceived("platform", code, now, **counts))
        try:
            uow.commit()
        except IntegrityError as exc:  # the same records pushed twice at once
            raise Conflict(
                "a concurrent push stored some of these records meanwhile; send the batch again "
                "(stored records will be answered as duplicates)",
                platform_code=code,
            ) from exc
    return {"platform_code": code, **counts, "results": results}


def stored_records(
    session: Session, platform: str | None = None, dataset: str | None = None
) -> list[dict[str, Any]]:
    """What was accepted, newest version last (for operators and tests)."""
    query = select(upstream_records).order_by(
        upstream_records.c.platform_code,
        upstream_records.c.dataset,
        upstream_records.c.record_key,
        upstream_records.c.version,
    )
    if platform:
        query = query.where(upstream_records.c.platform_code == platform)
    if dataset:
        query = query.where(upstream_records.c.dataset == dataset)
    return [dict(r) for r in session.execute(query).mappings()]
