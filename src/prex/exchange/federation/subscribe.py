"""Adding a subscription: learn the source's publisher from its first page unless told."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from prex.exchange.federation.documents import Document
from prex.exchange.federation.errors import InvalidSource, UnreadablePackage
from prex.exchange.federation.pull import fetch, first_url, package_files, read_file
from prex.exchange.federation.sources import Source, SourceKind, check_code, classify, create

if TYPE_CHECKING:
    from prex.bootstrap import Services


def probe(
    kind: SourceKind, location: str, services: Services, transport: httpx.BaseTransport | None
) -> Document:
    """The source's first document (nothing is stored)."""
    if kind is SourceKind.FILES:
        path = Path(location)
        files = [path] if path.is_file() else package_files(path)
        if not files:
            raise UnreadablePackage(location, "no package files (.json, .jsonl, .gz) in it")
        return read_file(files[0])
    settings = services.settings
    stub = Source(location, "", kind.value, location, None, "", None, 0, services.clock.now(),
                  None, services.clock.now(), 0, 0, 0, 0)  # fmt: skip
    url = first_url(stub, settings.federation_page_size)
    with httpx.Client(timeout=settings.federation_timeout, transport=transport) as client:
        return fetch(client, url)


def subscribe(
    services: Services,
    url: str,
    *,
    code: str | None = None,
    name: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Source:
    """Subscribe to ``url``; its code and name default to its packages' ``publisher.uid`` and
    ``name``. A source that cannot be read now is still added when its code is given (the
    worker retries); without a code it is refused, since nothing would name its data."""
    kind, location = classify(url)
    publisher: dict[str, object] = {}
    try:
        first = probe(kind, location, services, transport)
        if first.package_urls and kind is SourceKind.OCDS:
            kind = SourceKind.LIST  # an index: its first package names the publisher
            with httpx.Client(timeout=services.settings.federation_timeout,
                              transport=transport) as client:  # fmt: skip
                first = fetch(client, first.package_urls[0])
        publisher = first.publisher
    except (httpx.HTTPError, UnreadablePackage, ValueError) as exc:
        if code is None:
            reason = exc.reason if isinstance(exc, UnreadablePackage) else str(exc)
            raise InvalidSource(url, f"cannot read it ({reason}); give --code") from exc
    uid = publisher.get("uid") or publisher.get("scheme")
    chosen = code if code is not None else (str(uid) if uid else None)
    if chosen is None:
        raise InvalidSource(url, "its packages name no publisher.uid; give --code")
    label = name if name is not None else str(publisher.get("name") or chosen)
    return create(
        services,
        code=check_code(chosen),
        name=label,
        kind=kind,
        url=location,
        now=services.clock.now(),
    )
