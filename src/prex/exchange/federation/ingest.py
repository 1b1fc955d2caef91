"""Storing a page of a source's releases, validated, and compiling the records they touch.

Everything here runs inside the caller's transaction, which also moves the source's cursor: a
page is stored whole with its cursor or not at all, so a restart resumes exactly where the last
commit left off. A release is identified by its ``ocid`` and ``id`` within its source; one
already stored is skipped (a re-read page, a second puller, a file imported twice).

What is stored: every release with a string ``ocid``, ``id`` and ``date`` — the three things
storing and compiling need — *including* releases that fail validation. Their findings are kept
beside them (``federated_releases.findings``) and counted (``invalid``): the province's
data-quality score is about exactly those errors, and dropping them would hide them and make
its counts disagree with the city's. Releases lacking one of the three cannot be identified or
ordered; they are counted as ``rejected`` and named in the source's last error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.orm import Session

from prex.exchange.federation import index
from prex.exchange.federation.orm import federated_records, federated_releases, federation_sources
from prex.exchange.ocds import Finding, MergeError, Validator, compile_release
from prex.shared import faults

#: Findings that are advice, not errors (an open codelist's unknown code).
ADVICE = frozenset({"codelist.open"})
MAX_FINDINGS = 20


@cache
def validator() -> Validator:
    """One validator per process: building it compiles the schema."""
    return Validator(extended=True)


@dataclass
class Stored:
    """What one page or file added."""

    stored: int = 0
    duplicates: int = 0
    invalid: int = 0
    rejected: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Stored) -> None:
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.invalid += other.invalid
        self.rejected += other.rejected
        self.records += other.records
        self.problems = (self.problems + other.problems)[:5]


def _errors(findings: Iterable[Finding]) -> list[dict[str, str]]:
    return [
        {"code": f.code, "path": f.path, "message": f.message[:300]}
        for f in findings
        if f.code not in ADVICE
    ][:MAX_FINDINGS]


def _usable(release: Any) -> str | None:
    """Why a release cannot be stored, or None."""
    if not isinstance(release, dict):
        return "not an object"
    for key in ("ocid", "id", "date"):
        value = release.get(key)
        if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
            return f"no '{key}'"
    if len(str(release["ocid"])) > 200 or len(str(release["id"])) > 200:
        return "ocid or id longer than 200 characters"
    if not isinstance(release["date"], str) or len(release["date"]) > 64:
        return "'date' is not a date-time"
    return None


def store_page(
    session: Session,
    source: str,
    releases: list[Any],
    now: datetime,
    *,
    count_rejected: bool = True,
) -> Stored:
    """Store the new releases of one page for ``source``, recompile the processes they touch
    and update the source's counts. The caller commits (with its cursor). ``count_rejected``
    is off when a page is read again (its unusable releases were counted the first time)."""
    result = Stored()
    fresh: dict[tuple[str, str], dict[str, Any]] = {}
    for release in releases:
        why = _usable(release)
        if why is not None:
            result.rejected += 1
            result.problems.append(f"release {str(release)[:60]}: {why}")
            continue
        key = (str(release["ocid"]), str(release["id"]))
        if key in fresh:
            result.duplicates += 1
            continue
        fresh[key] = release
    if fresh:
        known = set()
        keys = list(fresh)
        for start in range(0, len(keys), 400):
            chunk = keys[start : start + 400]
            known |= {
                (r.ocid, r.release_id)
                for r in session.execute(
                    select(federated_releases.c.ocid, federated_releases.c.release_id).where(
                        federated_releases.c.source == source,
                        tuple_(federated_releases.c.ocid, federated_releases.c.release_id).in_(
                            chunk
                        ),
                    )
                )
            }
        result.duplicates += len(known)
        rows = []
        last = (
            session.execute(
                select(func.max(federated_releases.c.position)).where(
                    federated_releases.c.source == source
                )
            ).scalar_one_or_none()
            or 0
        )
        check = validator()
        for (ocid, release_id), release in fresh.items():
            if (ocid, release_id) in known:
                continue
            errors = _errors(check.validate_release(release))
            result.invalid += bool(errors)
            last += 1
            tags = release.get("tag")
            rows.append(
                {
                    "source": source,
                    "ocid": ocid,
                    "release_id": release_id,
                    "position": last,
                    "date": release["date"],
                    "tags": tags if isinstance(tags, list) else [],
                    "findings": errors or None,
                    "received_at": now,
                    "release": release,
                }
            )
        if rows:
            session.execute(insert(federated_releases), rows)
            faults.point("federation.mid_page")  # releases in, their records not compiled
            result.stored = len(rows)
            result.records = recompile(session, source, {r["ocid"] for r in rows}, now)
    _count(session, source, result.rejected if count_rejected else 0)
    return result


def recompile(session: Session, source: str, ocids: Iterable[str], now: datetime) -> int:
    """Compile again the records of ``ocids`` of ``source`` from their releases in arrival
    order (the merge then orders them by date, stably, as ``ocdskit compile`` does)."""
    done = 0
    for ocid in sorted(set(ocids)):
        releases = [
            dict(r)
            for r in session.execute(
                select(federated_releases.c.release)
                .where(federated_releases.c.source == source, federated_releases.c.ocid == ocid)
                .order_by(federated_releases.c.position)
            ).scalars()
        ]
        try:
            compiled = compile_release(releases)
        except MergeError:  # dates of mixed types: leave the previous compile in place
            continue
        keys = (federated_records.c.source == source) & (federated_records.c.ocid == ocid)
        values = {"compiled": compiled, "release_count": len(releases), "updated_at": now}
        if session.execute(select(federated_records.c.ocid).where(keys)).first():
            session.execute(update(federated_records).where(keys).values(values))
        else:
            session.execute(insert(federated_records).values(source=source, ocid=ocid, **values))
        index.put(session, source=source, ocid=ocid, compiled=compiled, local=False, now=now)
        done += 1
    return done


def _count(session: Session, source: str, rejected: int) -> None:
    """Keep the source's counts in step with its rows (counted, not incremented: exact even
    after a failed page)."""
    releases, invalid = session.execute(
        select(func.count(), func.count(federated_releases.c.findings)).where(
            federated_releases.c.source == source
        )
    ).one()
    records = session.execute(
        select(func.count()).where(federated_records.c.source == source)
    ).scalar_one()
    session.execute(
        update(federation_sources)
        .where(federation_sources.c.code == source)
        .values(
            releases=releases,
            invalid=invalid,
            records=records,
            rejected=federation_sources.c.rejected + rejected,
        )
    )
