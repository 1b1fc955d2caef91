"""Subscriptions: which sources this centre federates, how each is read, and its state.

A source is named by the code of the centre whose data it is (an OCDS package's
``publisher.uid``, a prex instance's platform code) unless the operator gives one; that code
marks every release, record and search hit of it. Kinds:

========= =====================================================================================
``prex``  another prex's release feed (``…/api/v1/ocds/releases``), paged by ``links.next``
``ocds``  any publisher's release packages over HTTP: one URL, or a ``links.next`` chain
``list``  a JSON array of release-package URLs (an index a publisher keeps), in its order
``files`` a local file or folder of release packages or JSON Lines (gzip or not)
``import`` releases loaded with ``prex import ocds`` — never pulled
========= =====================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from prex.exchange.federation.errors import InvalidSource, SourceExists, SourceNotFound
from prex.exchange.federation.orm import (
    federated_records,
    federated_releases,
    federation_sources,
    ocds_index,
)

if TYPE_CHECKING:
    from prex.bootstrap import Services

FEED_PATH = "/api/v1/ocds/releases"
CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class SourceKind(StrEnum):
    PREX = "prex"  # another prex instance's OCDS release feed
    OCDS = "ocds"  # any OCDS publisher's release packages over HTTP
    LIST = "list"  # a JSON array of release-package URLs, read one package per page
    FILES = "files"  # a local file or folder of packages
    IMPORT = "import"  # loaded by `prex import ocds`, never pulled


class SourceStatus(StrEnum):
    ACTIVE = "active"  # pulled on schedule; the last pull succeeded
    FAILING = "failing"  # the last pull failed; retried after a growing back-off
    MANUAL = "manual"  # an import: nothing to pull


PULLED = frozenset({SourceStatus.ACTIVE, SourceStatus.FAILING})


@dataclass(frozen=True)
class Source:
    """A subscription as operators and pages see it."""

    code: str
    name: str
    kind: str
    url: str
    cursor: str | None
    status: str
    last_error: str | None
    attempts: int
    next_pull_at: datetime
    last_pulled_at: datetime | None
    added_at: datetime
    releases: int
    invalid: int
    rejected: int
    records: int

    @classmethod
    def of(cls, row: Any) -> Source:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


def check_code(code: str) -> str:
    code = code.strip()
    if not code or len(code) > 32 or not set(code) <= CODE_CHARS:
        raise InvalidSource(code, "a source code is 1–32 letters, digits, '-', '_' or '.'")
    return code


def classify(url: str) -> tuple[SourceKind, str]:
    """The kind of a subscription and its normalised location: an http(s) URL that names a prex
    feed (or a bare instance address) is ``prex``, another URL ``ocds``, a path ``files``."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        if not parts.netloc:
            raise InvalidSource(url, "no host in the URL")
        path = parts.path.rstrip("/")
        if path in ("", "/api/v1", "/api/v1/ocds"):
            return SourceKind.PREX, f"{parts.scheme}://{parts.netloc}{FEED_PATH}"
        if path.endswith(FEED_PATH):
            return SourceKind.PREX, url.split("?")[0].rstrip("/")
        return SourceKind.OCDS, url
    if parts.scheme not in ("", "file"):
        raise InvalidSource(url, f"'{parts.scheme}' is neither http(s) nor a local path")
    local = Path(parts.path if parts.scheme == "file" else url).expanduser().resolve()
    if not local.exists():
        raise InvalidSource(url, "no such file or folder")
    return SourceKind.FILES, str(local)


def get(session: Session, code: str) -> Source:
    row = session.execute(
        select(federation_sources).where(federation_sources.c.code == code)
    ).first()
    if row is None:
        raise SourceNotFound(code)
    return Source.of(row)


def list_sources(session: Session) -> list[Source]:
    rows = session.execute(select(federation_sources).order_by(federation_sources.c.code))
    return [Source.of(r) for r in rows]


def create(
    services: Services, *, code: str, name: str, kind: SourceKind, url: str, now: datetime
) -> Source:
    """Store a new subscription, due at once."""
    if code == services.settings.platform_code:
        raise SourceExists(code, f"'{code}' is this centre's own platform code")
    with services.writer_session() as session:
        if (
            url
            and session.execute(
                select(federation_sources.c.code).where(federation_sources.c.url == url)
            ).first()
        ):
            raise SourceExists(code, f"{url} is already subscribed")
        try:
            session.execute(
                insert(federation_sources).values(
                    code=code,
                    name=name[:200] or code,
                    kind=kind.value,
                    url=url,
                    cursor=None,
                    status=(SourceStatus.MANUAL if kind is SourceKind.IMPORT else
                            SourceStatus.ACTIVE).value,
                    last_error=None,
                    attempts=0,
                    next_pull_at=now,
                    last_pulled_at=None,
                    added_at=now,
                    releases=0,
                    invalid=0,
                    rejected=0,
                    records=0,
                )
            )  # fmt: skip
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise SourceExists(code, f"a source '{code}' is already subscribed") from exc
        return get(session, code)


def remove(services: Services, code: str, *, purge: bool = False) -> Source:
    """Stop pulling a source; with ``purge`` its releases, records and index rows go too (else
    they stay, searchable, and a new subscription under the same code continues them)."""
    with services.writer_session() as session:
        found = get(session, code)
        if purge:
            for table in (federated_releases, federated_records, ocds_index):
                session.execute(delete(table).where(table.c.source == code))
        session.execute(delete(federation_sources).where(federation_sources.c.code == code))
        session.commit()
    return found
