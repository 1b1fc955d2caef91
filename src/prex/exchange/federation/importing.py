"""``prex import ocds``: release packages from disk into a source, one file per transaction.

A file is parsed whole before anything of it is stored, and stored in one transaction: a
broken file adds nothing; a good one adds its new releases (importing it again adds none).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from prex.exchange.federation.documents import Document
from prex.exchange.federation.errors import SourceExists
from prex.exchange.federation.ingest import Stored, store_page
from prex.exchange.federation.orm import federation_sources
from prex.exchange.federation.pull import read_file
from prex.exchange.federation.sources import SourceKind, check_code, create

if TYPE_CHECKING:
    from prex.bootstrap import Services


@dataclass
class ImportSummary:
    source: str
    files: int = 0
    totals: Stored = field(default_factory=Stored)


def _source_code(document: Document, given: str | None) -> str:
    uid = document.publisher.get("uid")
    return check_code(given or (str(uid) if uid else "imported"))


def ensure_source(services: Services, code: str, name: str) -> None:
    """The source named ``code``, created as an import source when new (a subscribed source of
    that code takes the imported releases too: they are its data)."""
    with services.read_session() as session:
        if session.execute(
            select(federation_sources.c.code).where(federation_sources.c.code == code)
        ).first():
            return
    try:
        create(services, code=code, name=name, kind=SourceKind.IMPORT, url="",
               now=services.clock.now())  # fmt: skip
    except SourceExists:
        if code == services.settings.platform_code:
            raise


def import_files(
    services: Services,
    paths: Sequence[Path],
    *,
    source: str | None = None,
    name: str | None = None,
    progress: Callable[[Path, Stored], None] | None = None,
) -> ImportSummary:
    """Import each file in turn; raise on the first unreadable one (earlier files stay)."""
    summary: ImportSummary | None = None
    for path in paths:
        document = read_file(path)
        code = _source_code(document, source)
        if summary is None:
            summary = ImportSummary(code)
            ensure_source(services, code, name or str(document.publisher.get("name") or code))
        elif code != summary.source:
            ensure_source(services, code, str(document.publisher.get("name") or code))
        with services.writer_session() as session:
            # The source's row lock, as a pull takes it: positions within a source are
            # numbered under it.
            session.execute(
                select(federation_sources.c.code)
                .where(federation_sources.c.code == code)
                .with_for_update()
            )
            stored = store_page(session, code, document.releases, services.clock.now())
            session.commit()
        summary.files += 1
        summary.totals.add(stored)
        if progress is not None:
            progress(path, stored)
    return summary or ImportSummary(source or "")


def import_demo_publisher(services: Services) -> ImportSummary:
    """The demo's external publisher: a small bundled release package (synthetic processes,
    ``publisher.uid`` OCDS-DEMO), imported as a source so that /federation shows one."""
    bundled = resources.files("prex.exchange.federation") / "data" / "demo-publisher.json.gz"
    with resources.as_file(bundled) as path:
        return import_files(services, [path])
