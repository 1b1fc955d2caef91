"""Every class of upload entry point refuses bad content naming the check, and keeps nothing."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from prex.bootstrap import Services
from tests.auction_world import listing_body
from tests.factories import World, auth, project_body, tender_body

Send = Callable[[TestClient, dict[str, Any]], Any]


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


BOMB = _zip({"zeros.bin": b"\0" * (4 * 1024 * 1024)})  # a few KiB that unpack to 4 MiB
NESTED = _zip({"inner.zip": _zip({"a.txt": b"a"})})
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00 not a PDF at all"


def _state(services: Services) -> tuple[int, int]:
    with services.read_session() as session:
        entries = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    blobs = services.settings.blob_dir
    files = sum(1 for p in blobs.rglob("*") if p.is_file() and p.parent.name != "tmp")
    return int(entries), files


@pytest.fixture
def places(client: TestClient, world: World, services: Services) -> dict[str, Any]:
    """Where each class of upload goes: (url, headers, form fields)."""
    agency = auth(services, "agency")
    operator = auth(services, "operator")
    project = client.post("/api/v1/projects", json=project_body(world), headers=agency).json()
    tender = client.post(
        "/api/v1/tenders", json=tender_body(project["id"], services), headers=agency
    ).json()
    listing = client.post("/api/v1/listings", json=listing_body(world), headers=operator)
    assert listing.status_code == 201, listing.text
    return {
        "tender documents": (f"/api/v1/tenders/{tender['id']}/documents", agency),
        "listing documents": (f"/api/v1/listings/{listing.json()['id']}/documents", operator),
        "complaint evidence": ("/api/v1/complaint-evidence", auth(services, "bidder")),
        "expert import": ("/api/v1/experts/import", operator),
        "statement import": ("/api/v1/deposits/import", operator),
    }


DOCUMENTS = ["tender documents", "listing documents", "complaint evidence"]
IMPORTS = ["expert import", "statement import"]
BAD = [
    ("a PDF that is an executable", ("招标文件.pdf", EXECUTABLE, "application/pdf"), "type", 415),
    ("a ZIP bomb", ("资料.zip", BOMB, "application/zip"), "archive-bomb", 422),
    ("a nested archive", ("资料.zip", NESTED, "application/zip"), "archive-nested", 422),
]


def test_every_entry_point_checks_content_and_keeps_nothing_refused(
    client: TestClient, services: Services, places: dict[str, Any]
) -> None:
    """One world for all the entry points (a world costs seconds)."""
    for place in DOCUMENTS:
        url, headers = places[place]
        for label, file, check, status in BAD:
            before = _state(services)
            refused = client.post(url, files={"file": file}, headers=headers)
            assert refused.status_code == status, (place, label, refused.text)
            problem = refused.json()
            assert problem["type"] == "/problems/upload-refused" and problem["check"] == check
            assert _state(services) == before, (place, label)
        good = client.post(
            url,
            files={"file": ("说明.pdf", b"%PDF-1.7\n a document", "application/pdf")},
            headers=headers,
        )
        assert good.status_code in (200, 201), (place, good.text)
    for place in IMPORTS:
        url, headers = places[place]
        before = _state(services)
        binary = ("名单.csv", b"\x00\x01\x02\x03" * 64, "text/csv")
        refused = client.post(url, files={"file": binary}, headers=headers)
        assert refused.status_code == 415, (place, refused.text)
        assert refused.json()["check"] == "type"
        assert _state(services) == before, place
