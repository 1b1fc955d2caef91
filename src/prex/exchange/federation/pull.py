"""Pulling sources: fetch a page (or read a file), store it and move the cursor in one
transaction, repeat until caught up; back off when a source fails.

The cursor says where the next pull starts:

* HTTP (``prex``, ``ocds``): the URL to fetch next — the page's ``links.next`` when it has one,
  else the page itself. A feed's last page is fetched again on the next pull (what it gained
  meanwhile is stored, what it had is recognised by ``ocid`` + ``id`` and skipped), and when it
  has grown past a page it gains a ``links.next`` to follow.
* ``list``: the last package URL of the source's index read whole; the index is fetched on
  every pull and the packages after it are read in its order.
* ``files``: the name of the last file read whole, in name order; a folder's later files are
  read on later pulls, a file already read is not read again.

The page is fetched *outside* any transaction (a slow source must not hold a database lock);
the transaction then locks the source's row and stores the page only if the cursor is still
the one the page was fetched from. Two pullers racing therefore store a page once, and a
process killed anywhere resumes from the last committed cursor: no release lost, none twice.

A failure (network, timeout, a status other than 200, a document that is not OCDS) is written
to the source (``last_error``, ``attempts``) and postpones its next pull exponentially; one
fetch per due source per pass at most, so a dead source costs one timeout, never a stuck worker.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from prex.exchange.federation.documents import Document, read_document
from prex.exchange.federation.errors import SourceNotFound, UnreadablePackage
from prex.exchange.federation.ingest import Stored, store_page
from prex.exchange.federation.orm import federation_sources
from prex.exchange.federation.sources import PULLED, Source, SourceKind, SourceStatus, get
from prex.shared import faults

if TYPE_CHECKING:
    from prex.bootstrap import Services

log = logging.getLogger("prex.exchange")

SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".gz")
MAX_PAGES = 50  # per source per pass, so that one large backlog does not starve the others
MAX_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class Page:
    """One fetched document and where the cursor goes once it is stored."""

    location: str
    document: Document
    next_cursor: str
    caught_up: bool  # nothing more to read now


def package_files(folder: Path) -> list[Path]:
    """The package files of a folder, in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.endswith(SUFFIXES))


def read_file(path: Path) -> Document:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UnreadablePackage(str(path), "larger than 200 MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadablePackage(str(path), exc.strerror or str(exc)) from exc
    return read_document(data, str(path))


def first_url(source: Source, page_size: int) -> str:
    if source.kind == SourceKind.PREX:
        return f"{source.url}?limit={page_size}"
    return source.url


def fetch(client: httpx.Client, url: str) -> Document:
    response = client.get(url, headers={"accept": "application/json"}, follow_redirects=True)
    if response.status_code != 200:
        raise UnreadablePackage(url, f"answered {response.status_code}")
    return read_document(response.content, url)


def next_page(source: Source, client: httpx.Client, page_size: int) -> Page | None:
    """The next page of ``source`` from its cursor, or None when a folder has nothing new."""
    if source.kind == SourceKind.FILES:
        root = Path(source.url)
        if root.is_file():
            if source.cursor == root.name:
                return None
            return Page(str(root), read_file(root), root.name, True)
        if not root.is_dir():
            raise UnreadablePackage(source.url, "the file or folder is gone")
        later = [p for p in package_files(root) if source.cursor is None or p.name > source.cursor]
        if not later:
            return None
        return Page(str(later[0]), read_file(later[0]), later[0].name, len(later) == 1)
    if source.kind == SourceKind.LIST:
        return _next_listed(source, client)
    url = source.cursor or first_url(source, page_size)
    document = fetch(client, url)
    if document.package_urls:  # subscribed while it could not be read: the kind is unknown
        raise UnreadablePackage(url, "a list of package URLs: remove the source and add it again")
    following = document.next_url
    if following and following != url:
        return Page(url, document, following, False)
    return Page(url, document, url, True)


def _next_listed(source: Source, client: httpx.Client) -> Page | None:
    """The package after the cursor (the last package read) in the source's index; the index
    is fetched again on every pull, so packages the publisher appends are read in turn."""
    urls = fetch(client, source.url).package_urls
    if not urls:
        raise UnreadablePackage(source.url, "not a list of release-package URLs any more")
    start = urls.index(source.cursor) + 1 if source.cursor in urls else 0
    if start >= len(urls):
        return None
    url = urls[start]
    return Page(url, fetch(client, url), url, start == len(urls) - 1)


def _delay(services: Services, attempts: int) -> timedelta:
    settings = services.settings
    seconds = settings.federation_retry_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.federation_retry_max_seconds))


def _fail(services: Services, code: str, error: str, now: datetime) -> None:
    with services.writer_session() as session:
        row = session.execute(
            select(federation_sources.c.attempts).where(federation_sources.c.code == code)
        ).first()
        if row is None:
            return
        attempts = int(row.attempts) + 1
        session.execute(
            update(federation_sources)
            .where(federation_sources.c.code == code)
            .values(
                status=SourceStatus.FAILING.value,
                attempts=attempts,
                last_error=error[:500],
                next_pull_at=now + _delay(services, attempts),
                last_pulled_at=now,
            )
        )
        session.commit()


def _commit_page(services: Services, source: Source, page: Page, now: datetime) -> Stored | None:
    """Store ``page`` and move the cursor, if the cursor is still the page's; None when another
    puller got there first."""
    with services.writer_session() as session:
        current = session.execute(
            select(federation_sources.c.cursor)
            .where(federation_sources.c.code == source.code)
            .with_for_update()
        ).first()
        if current is None or current.cursor != source.cursor:
            return None
        reread = source.cursor == page.next_cursor  # the same last page again
        releases = page.document.releases
        try:
            stored = store_page(session, source.code, releases, now, count_rejected=not reread)
        except IntegrityError:  # a concurrent puller stored the same releases first
            session.rollback()
            return None
        faults.point("federation.after_page_stored")  # the page stored, the cursor not moved
        interval = timedelta(seconds=services.settings.federation_interval_seconds)
        session.execute(
            update(federation_sources)
            .where(federation_sources.c.code == source.code)
            .values(
                cursor=page.next_cursor,
                status=SourceStatus.ACTIVE.value,
                attempts=0,
                last_error="; ".join(stored.problems)[:500] or None,
                last_pulled_at=now,
                next_pull_at=now + interval if page.caught_up else now,
            )
        )
        session.commit()
    return stored


def pull_source(
    services: Services, code: str, *, client: httpx.Client, max_pages: int = MAX_PAGES
) -> Stored:
    """Pull one source until caught up (or ``max_pages``); failures are recorded, not raised."""
    total = Stored()
    for _ in range(max_pages):
        now = services.clock.now()
        with services.read_session() as session:
            try:
                source = get(session, code)
            except SourceNotFound:  # removed meanwhile
                break
        if source.status not in PULLED:
            break
        try:
            page = next_page(source, client, services.settings.federation_page_size)
        except (httpx.HTTPError, UnreadablePackage, ValueError) as exc:
            reason = exc.reason if isinstance(exc, UnreadablePackage) else str(exc)
            _fail(services, code, f"{type(exc).__name__}: {reason}", now)
            log.warning("federation source %s failed: %s", code, reason)
            break
        if page is None:
            _caught_up(services, source, now)
            break
        stored = _commit_page(services, source, page, now)
        if stored is not None:
            total.add(stored)
            if page.caught_up:
                break
    return total


def _caught_up(services: Services, source: Source, now: datetime) -> None:
    interval = timedelta(seconds=services.settings.federation_interval_seconds)
    with services.writer_session() as session:
        session.execute(
            update(federation_sources)
            .where(federation_sources.c.code == source.code)
            .values(status=SourceStatus.ACTIVE.value, attempts=0, last_error=None,
                    last_pulled_at=now, next_pull_at=now + interval)
        )  # fmt: skip
        session.commit()


def due_sources(services: Services, now: datetime) -> list[str]:
    with services.read_session() as session:
        return list(
            session.execute(
                select(federation_sources.c.code)
                .where(
                    federation_sources.c.status.in_([s.value for s in PULLED]),
                    federation_sources.c.next_pull_at <= now,
                )
                .order_by(federation_sources.c.next_pull_at, federation_sources.c.code)
            ).scalars()
        )


def pull_due(
    services: Services,
    *,
    codes: list[str] | None = None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Pull every due source (or ``codes``, due or not); returns how many releases were stored.
    The worker calls this each pass."""
    now = services.clock.now()
    chosen = codes if codes is not None else due_sources(services, now)
    if not chosen:
        return 0
    stored = 0
    timeout = httpx.Timeout(services.settings.federation_timeout)
    with httpx.Client(timeout=timeout, transport=transport) as client:
        for code in chosen:
            try:
                stored += pull_source(services, code, client=client).stored
            except Exception as exc:  # a source's data broke something: it, not the others
                log.exception("pulling federation source %s failed", code)
                _fail(services, code, f"{type(exc).__name__}: {exc}", services.clock.now())
    return stored
