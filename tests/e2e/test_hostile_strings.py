"""The hostile-string sweep: every text a person or a partner system can put into prex holds
markup, script, a ``javascript:`` URL, a template expression and a right-to-left override —
each field with a marker of its own — and every page of the portal, visited as every role, must
show them as text.

The demo province supplies objects of every kind (tenders in every status, listings, complaints,
credit records, evaluations, archives, quality data, red flags); the free-text columns of those
objects are then overwritten in the database with the hostile strings (the pages read what is
stored, whichever path stored it), and a supervision case, its note and a webhook subscription
are made through the API with hostile input. The warehouse is refreshed afterwards so that the
dashboards show the hostile names too.

A page fails if, tokenised as a browser tokenises it (html.parser), it has an event-handler
attribute, a ``<script>`` or a ``javascript:`` link carrying a marker, JSON for charts that does
not parse or contains a raw ``<``, or the evaluated template expression ``49<marker>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import String, select, text

from prex.bootstrap import Services
from prex.db.all_tables import metadata
from prex.demo import DEMO_PASSWORD, DemoSeed
from prex.demo_supervision import seed_supervision
from prex.evaluation.orm import evaluation_marks
from prex.experts.committee_orm import committee_members
from prex.experts.orm import experts
from prex.identity.orm import users
from prex.web.app import create_app
from prex.worker import run_once

# Free text of every kind of object (table → columns): names, titles, bodies, reasons, notes.
HOSTILE_COLUMNS: dict[str, list[str]] = {
    "centres": ["name"],
    "organisations": ["name"],
    "users": ["display_name"],
    "projects": ["name", "funding_source", "approval_ref"],
    "tenders": [
        "title",
        "description",
        "qualification",
        "opening_place",
        "status_note",
        "suspension_reason",
    ],
    "tender_sections": ["name", "qualification"],
    "tender_announcements": ["title", "body"],
    "tender_amendments": ["text"],
    "tender_documents": ["filename"],
    "tender_enquiries": ["text", "answer"],
    "trusted_cas": ["label", "status_reason"],
    "user_certificates": ["subject", "identity_display"],
    "opening_statements": ["text"],
    "bid_bonds": ["guarantor"],
    "experts": ["name"],
    "expert_blacklist": ["reason", "source"],
    "expert_interests": ["reason"],
    "expert_unavailability": ["reason"],
    "evaluation_marks": ["reason"],
    "result_objections": ["text", "answer"],
    "evaluation_rooms": ["name"],
    "listings": ["title"],
    "listing_registrations": ["payer_name"],
    "upstream_platforms": ["name"],
    "quality_findings": ["message"],
    "complaints": ["text", "known_note"],
    "credit_records": ["subject_name", "authority", "basis", "facts"],
    "archives": ["title"],
    "integration_clients": ["name"],
    "guarantees": ["guarantor_name"],
    "webhook_subscriptions": ["description"],
}
# Fields that the sweep must actually meet on some page (proof that it looks where it should).
MUST_BE_SEEN = [
    "tenders.title",
    "tenders.description",
    "organisations.name",
    "users.display_name",
    "tender_announcements.body",
    "complaints.text",
    "credit_records.facts",
    "listings.title",
    "cases.title",
    "case_notes.text",
    "integration_clients.name",
]
# Fields no page shows (the API, archives and reports do): expert data is confidential, bonds,
# registrations and objections are shown through the API, projects only through their tenders.
OFF_THE_PAGES = {
    "bid_bonds.guarantor",
    "evaluation_rooms.name",
    "expert_blacklist.reason",
    "expert_blacklist.source",
    "expert_interests.reason",
    "expert_unavailability.reason",
    "experts.name",
    "listing_registrations.payer_name",
    "projects.approval_ref",
    "projects.funding_source",
    "projects.name",
    "result_objections.text",
    "webhook_subscriptions.description",
}
ROLES = [None, "admin", "operator", "supervisor", "tenderer", "agency", "bidder1", "expert"]
TEMPLATE = "{{7*7}}"


def hostile(marker: str, room: int | None) -> str:
    """The hostile text for one field: ends any RCDATA element, breaks out of an attribute,
    carries an event handler and a script, a template expression, an RTL override."""
    full = (
        f"javascript:alert('{marker}')//</textarea></title>\"'>"
        f"<img src=x onerror=alert('{marker}')><script>alert('{marker}')</script>"
        f"{TEMPLATE}{marker}\u202e"
    )
    short = f"\"'><img src=x onerror={marker}>"
    if room is None or room >= len(full) + 8:
        return full
    return short if room >= len(short) + 4 else marker


class Elements(HTMLParser):
    """Start tags with their attributes as a browser's tokenizer sees them, and each script's
    text (the standard library's parser: script and style content is raw text, as in HTML)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]], str]] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs, ""))
        self._script = [] if tag == "script" else None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            start_tag, attrs, _ = self.elements[-1]
            self.elements[-1] = (start_tag, attrs, "".join(self._script))
            self._script = None


@dataclass
class Sweep:
    markers: dict[str, str] = field(default_factory=dict)  # marker → table.column
    seen: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    pages: int = 0

    def check(self, url: str, who: str | None, html: str) -> None:
        self.pages += 1
        where = f"{url} as {who or 'the public'}"
        present = [m for m in self.markers if m in html]
        self.seen.update(present)
        for marker in present:
            if f"49{marker}" in html:
                self.failures.append(f"{where}: template evaluated in {self.markers[marker]}")
        parsed = Elements()
        parsed.feed(html)
        parsed.close()
        for tag, attributes, body in parsed.elements:
            for name, value in attributes:
                owner = self._owner(value or "", present)
                if name.startswith("on") and owner:
                    self.failures.append(f"{where}: {name}= from {owner}")
                if name in ("href", "src", "action", "formaction") and (
                    (value or "").strip().lower().startswith("javascript:")
                ):
                    self.failures.append(f"{where}: javascript: {name} from {owner or '?'}")
            kind = dict(attributes).get("type")
            if tag == "script" and "src" not in dict(attributes):
                owner = self._owner(body, present)
                if kind != "application/json":
                    self.failures.append(f"{where}: inline script ({owner or 'the app'})")
                elif "<" in body:
                    self.failures.append(f"{where}: raw < in chart JSON from {owner}")
                else:
                    json.loads(body)
            if tag == "img" and dict(attributes).get("src") == "x":
                self.failures.append(f"{where}: injected <img> from {self._owner(html, present)}")

    def _owner(self, value: str, present: list[str]) -> str | None:
        found = [self.markers[m] for m in present if m in value]
        return ", ".join(found) or None


def poison(services: Services, sweep: Sweep) -> None:
    """Prefix every listed column of every row with its field's hostile text (the rest of the
    old value keeps unique names unique)."""
    with services.engines.writer.begin() as conn:
        for t_index, (table_name, columns) in enumerate(HOSTILE_COLUMNS.items()):
            table = metadata.tables[table_name]
            for c_index, column_name in enumerate(columns):
                column = table.c[column_name]
                marker = f"zq{t_index}x{c_index}q"
                sweep.markers[marker] = f"{table_name}.{column_name}"
                room = column.type.length if isinstance(column.type, String) else None
                value = hostile(marker, room)
                limit = f", 1, {room}" if room else ", 1, 100000"
                conn.execute(
                    text(
                        f'UPDATE "{table_name}" SET "{column_name}" = '
                        f'substr(:v || "{column_name}"{limit}) WHERE "{column_name}" IS NOT NULL'
                    ),
                    {"v": value},
                )


def page_urls(services: Services, client: TestClient) -> list[str]:
    """Every GET page of the app, each path parameter filled with every object it can name."""
    ids: dict[str, list[str]] = {}
    with services.read_session() as session:

        def column(table: str, name: str) -> list[str]:
            return [
                str(v) for v in session.execute(select(metadata.tables[table].c[name])).scalars()
            ]

        ids["tender_id"] = column("tenders", "id")
        ids["listing_id"] = column("listings", "id")
        ids["complaint_id"] = column("complaints", "id")
        ids["case_id"] = column("cases", "id")
        ids["code"] = column("upstream_platforms", "code")
        ids["key"] = column("credit_records", "subject_code") + column("organisations", "id")[:3]
    urls = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if not isinstance(route, APIRoute) or "GET" not in (context.methods or ()):
            continue
        path = str(context.path)
        if path.startswith("/api/"):
            continue
        names = re.findall(r"\{(\w+)\}", path)
        assert all(n in ids for n in names), f"no objects for {path}"
        if not names:
            urls.append(path)
            continue
        [name] = names
        assert ids[name], f"no {name} to visit {path}"
        urls.extend(path.replace(f"{{{name}}}", value) for value in ids[name])
    # Query strings echoed back: searches and the page to return to after signing in.
    payload = hostile("zqquery", None)
    urls += [f"/?q={payload}", f"/login?next={payload}", f"/credit?q={payload}"]
    return urls


@pytest.fixture
def hostile_province(services: Services, demo: DemoSeed) -> Iterator[Sweep]:
    sweep = Sweep()
    poison(services, sweep)
    seed_supervision(services)  # the warehouse and red flags, from the hostile names
    with TestClient(create_app(services)) as client:
        supervisor = client.post(
            "/api/v1/session", json={"username": "supervisor", "password": DEMO_PASSWORD}
        ).json()["token"]
        headers = {"Authorization": f"Bearer {supervisor}"}
        hits = client.get("/api/v1/supervision/flags", headers=headers).json()
        hit_ids = [h["id"] for h in hits["items"]][:1]
        assert hit_ids, hits
        sweep.markers["zqcase1q"] = "cases.title"
        sweep.markers["zqnote1q"] = "case_notes.text"
        opened = client.post(
            "/api/v1/supervision/cases",
            json={"hit_ids": hit_ids, "title": hostile("zqcase1q", 300)},
            headers=headers,
        )
        assert opened.status_code == 201, opened.text
        noted = client.post(
            f"/api/v1/supervision/cases/{opened.json()['id']}/notes",
            json={"text": hostile("zqnote1q", None)},
            headers=headers,
        )
        assert noted.status_code in (200, 201), noted.text
    run_once(services)  # notifications carry the hostile titles
    yield sweep


def a_member_with_marks(services: Services) -> str:
    """A demo account that sits on a committee with marks: the evaluation room shows a member
    the reasons of its own review sheet (and no one else the reasons of a pass). The demo
    draws its committees from a fresh random seed, so 张工's ``expert`` sits on one only
    sometimes; it is taken when it does, otherwise the first of the members that do."""
    with services.read_session() as session:
        holders = set(
            session.execute(
                select(users.c.username)
                .select_from(evaluation_marks)
                .join(committee_members, committee_members.c.id == evaluation_marks.c.member_id)
                .join(experts, experts.c.id == committee_members.c.expert_id)
                .join(users, users.c.id == experts.c.user_id)
            ).scalars()
        )
    assert holders, "the demo seeded no marks by a member with an account"
    return "expert" if "expert" in holders else min(holders)


def test_no_hostile_string_reaches_a_page_unescaped(
    services: Services, hostile_province: Sweep
) -> None:
    sweep = hostile_province
    sweep.markers["zqquery"] = "query string"
    member = a_member_with_marks(services)
    with TestClient(create_app(services)) as client:
        urls = page_urls(services, client)
        for who in ROLES if member in ROLES else [*ROLES, member]:
            client.cookies.clear()
            if who is not None:
                signed_in = client.post("/login", data={"username": who, "password": DEMO_PASSWORD})
                assert signed_in.url.path == "/workbench", who
            for url in urls:
                page = client.get(url, follow_redirects=False)
                if page.headers.get("content-type", "").startswith("text/html"):
                    sweep.check(url, who, page.text)
    assert sweep.pages > 300
    assert sweep.failures == [], "\n".join(sweep.failures[:40])
    seen = {sweep.markers[m] for m in sweep.seen}
    missing = [f for f in MUST_BE_SEEN if f not in seen]
    assert missing == [], f"the sweep never met {missing}"
    unseen = set(sweep.markers.values()) - seen
    assert unseen <= OFF_THE_PAGES, sorted(unseen - OFF_THE_PAGES)


def test_the_sweep_catches_unescaped_output() -> None:
    """The checker itself: planted unescaped output is reported."""
    sweep = Sweep(markers={"zq0x0q": "tenders.title"})
    sweep.check("/planted", None, f"<html><body><p>{hostile('zq0x0q', None)}</p></body></html>")
    assert any("onerror" in f for f in sweep.failures)
    assert any("inline script" in f for f in sweep.failures)
    clean = Sweep(markers={"zq0x0q": "tenders.title"})
    shown = escape(hostile("zq0x0q", None))
    clean.check(
        "/escaped", None, f'<html><body><p>{shown}</p><input value="{shown}"></body></html>'
    )
    assert clean.failures == [] and clean.seen == {"zq0x0q"}
