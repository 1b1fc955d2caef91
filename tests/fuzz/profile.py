"""The API fuzz profile, shared by the CI tests (tests/fuzz) and the long run (bench/fuzz.py).

Schemathesis reads the app's own OpenAPI document (in process, over ASGI: no server) and
generates requests for an operation; each is sent as one caller — a user of each role, the
public (no credential) and a machine client holding every scope — and its response held to:

- no 5xx (``not_a_server_error``);
- the status is one the operation documents, in the documented content type, and the body
  matches the documented schema for that status (``status_code_conformance``,
  ``content_type_conformance``, ``response_schema_conformance``);
- every 4xx under /api/ is a problem document (``application/problem+json`` with type, title,
  status = the response's, detail, instance) — the OAuth token endpoint excepted, whose errors
  RFC 6749 fixes (it documents them so).

Path parameters are drawn from the ids of real objects of a seeded world (the demo province:
tenders in every status from draft to complete, with sealed bids, a committee, an evaluation,
awards and contracts, a complaint, land listings, experts …) three times in four, related to
each other and chosen for the operation (its tender in the state it acts on), so that handlers
get past their 404s. Generation is seeded and derandomised: a CI run is reproducible."""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from prex.bootstrap import Services
from prex.db.all_tables import metadata
from prex.demo import DEMO_PASSWORD, seed_demo
from prex.identity import service as identity
from prex.identity.policy import Actor
from prex.integrations.model import SCOPES
from prex.integrations.service import register_client
from prex.shared.clock import FixedClock
from prex.web.app import API_PREFIX
from prex.web.errors import PROBLEM
from tests.factories import ADMIN_ACTOR

ROLES = ("admin", "operator", "agency", "tenderer", "bidder", "expert", "supervisor")
CALLERS = (*ROLES, "anonymous", "machine")
OPENAPI = f"{API_PREFIX}/openapi.json"
TOKEN_ENDPOINT = "integrations_token"
# Operations that end the caller's own session: they get freshly minted credentials.
SESSION_ENDING = frozenset({"identity_sign_out"})
# The resumable upload's PATCH (tus) and the RFC 3161 time-stamp query carry raw bytes, as
# application/octet-stream does.
for _binary in ("application/offset+octet-stream", "application/timestamp-query"):
    schemathesis.serializer.alias(_binary, "application/octet-stream")
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
)


@dataclass(frozen=True)
class Finding:
    """One failed check: which operation, as whom, and schemathesis' report (with a curl)."""

    operation: str
    caller: str
    check: str
    detail: str

    def line(self) -> str:
        return f"{self.operation} as {self.caller}: {self.check}"


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    seconds: float = 0.0
    succeeded: set[str] = field(default_factory=set)  # the callers that got a 2xx answer


@dataclass
class Target:
    """The app under test, its schema, the callers' credentials and the real ids by name."""

    services: Services
    app: FastAPI
    schema: Any
    callers: dict[str, dict[str, str]]
    ids: dict[str, list[str]]
    machine: tuple[str, str]  # the machine client's id and secret
    tender_id: str  # a published tender (open for bids)
    # path parameter → real id → the other path parameters its row names (a bid's tender_id …)
    parents: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    tenders: dict[str, str] = field(default_factory=dict)  # the demo's tenders by label
    listings: dict[str, str] = field(default_factory=dict)  # the demo's listings by label
    machine_since: float = field(default_factory=time.monotonic)

    @functools.cached_property
    def _operations(self) -> dict[str, Any]:
        found = {}
        for result in self.schema.get_all_operations():
            operation = result.ok()
            found[operation.definition.raw["operationId"]] = operation
        return found

    def operations(self) -> dict[str, Any]:
        """Every operation of the document by its operationId."""
        return self._operations

    def renew_machine_token(self, older_than: float = 1800) -> None:
        """A new access token for the machine client once the one it has is half its hour
        old (a long run outlives it; a 401 for every machine request would test nothing)."""
        if time.monotonic() - self.machine_since < older_than:
            return
        with TestClient(self.app, base_url="http://testserver") as client:
            self.callers["machine"] = machine_headers(client, *self.machine)
        self.machine_since = time.monotonic()

    def fresh_callers(self) -> dict[str, dict[str, str]]:
        """New user tokens (for operations that end the caller's session)."""
        fresh = dict(self.callers)
        for role in ROLES:
            fresh[role] = user_headers(self.services, role)
        return fresh


# Path parameters whose table is not simply the plural of their name.
TABLE_OF = {
    "org_id": "organisations",
    "section_id": "tender_sections",
    "document_id": "tender_documents",
    "enquiry_id": "tender_enquiries",
    "client_id": "integration_clients",
    "secret_id": "integration_secrets",
    "consent_id": "integration_consents",
    "subscription_id": "webhook_subscriptions",
    "delivery_id": "webhook_deliveries",
    "ca_id": "trusted_cas",
    "custodian_id": "opening_custodians",
    "upload_id": "bid_uploads",
    "room_id": "evaluation_rooms",
    "booking_id": "seat_bookings",
    "record_id": "credit_records",
    "alert_id": "risk_alerts",
    "member_id": "committee_members",
    "statement_id": "opening_statements",
    "registration_id": "listing_registrations",
    "objection_id": "result_objections",
    "entry_id": "expert_blacklist",
    "range_id": "expert_unavailability",
    "interest_id": "expert_interests",
    "binding_id": "user_certificates",
    "evidence_id": "case_evidence",
}
# Path parameters that name an object by another column than its ``id``.
COLUMN_OF = {
    "client_id": ("integration_clients", "client_id"),
    "username": ("users", "username"),
    "code": ("centres", "division_code"),
    "key": ("organisations", "uscc"),
    "ocid": ("ocds_records", "ocid"),
}


def _plural(name: str) -> list[str]:
    stem = name.removesuffix("_id")
    return [TABLE_OF.get(name, ""), f"{stem}s", f"{stem}es", stem]


def _real_ids(
    services: Services, names: Iterable[str], protected: set[str]
) -> tuple[dict[str, list[str]], dict[str, dict[str, dict[str, str]]]]:
    """For each path parameter ``<thing>_id``, the ids in the table of things (if any), less
    ``protected`` (the callers' own users, organisations and client, which a fuzzed
    deactivation would take away from the rest of the run); and for each id, the values of its
    row's columns that are path parameters too (a bid's ``tender_id``), so that a request's
    parameters can name related objects."""
    names = set(names)
    tables = {t.name: t for t in metadata.sorted_tables}
    found: dict[str, list[str]] = {}
    parents: dict[str, dict[str, dict[str, str]]] = {}
    with services.read_session() as session:
        for name in sorted(names):
            table_name, key = COLUMN_OF.get(name, ("", "id"))
            table = next((tables[t] for t in [table_name, *_plural(name)] if t in tables), None)
            if table is None or key not in table.c:
                continue
            columns = [table.c[c] for c in sorted(names - {name, key}) if c in table.c]
            rows = session.execute(select(table.c[key], *columns).limit(MAX_IDS)).all()
            ids = [str(r[0]) for r in rows if str(r[0]) not in protected]
            if ids:
                found[name] = ids
                parents[name] = {
                    str(r[0]): {
                        c.name: str(v) for c, v in zip(columns, r[1:], strict=True) if v is not None
                    }
                    for r in rows
                }
    return found, parents


# A tender of the demo for the operations under /tenders/{tender_id}/<word>: the first word
# of this table in the path chooses (a tender in the state the operation acts on); the open
# one (published) otherwise. Destructive operations get tenders of their own.
TENDER_FOR = (
    ("/cancel", "published_procurement"),
    ("/publish", "draft"),
    ("/retender", "failed"),
    ("/archives", "complete"),
    ("/opening", "opening"),
    ("/evaluation", "evaluation"),
    ("/committee", "evaluation"),
    ("/seat-bookings", "evaluation"),
    ("/report", "publicity"),
    ("/publicity", "publicity"),
    ("/objections", "publicity"),
    ("/complaint", "publicity"),
    ("/awards", "awarded"),
    ("/contracts", "awarded"),
)
MAX_IDS = 200


def preferred(target: Target, path: str, name: str) -> str | None:
    """The real id a request to ``path`` should name first for the parameter ``name``."""
    if name == "tender_id":
        rest = path.split("{tender_id}", 1)[-1]
        label = next((t for word, t in TENDER_FOR if rest.startswith(word)), "published")
        return target.tenders.get(label)
    if name == "listing_id":
        return target.listings.get("live")
    return None


def real_parameters(target: Target, path: str, data: Any) -> dict[str, str]:
    """Real ids for the path parameters of ``path`` that have any, drawn in path order; each
    from the rows related to those drawn before it when there are any (a bid of the tender
    drawn), the preferred one first; a parameter is left generated a quarter of the time."""
    chosen: dict[str, str] = {}
    for name in re.findall(r"{(\w+)}", path):
        if name not in target.ids or data.draw(st.integers(0, 3), label=f"real {name}") == 3:
            continue
        rows = target.parents.get(name, {})
        pool = [
            i
            for i in target.ids[name]
            if all(rows.get(i, {}).get(k, v) == v for k, v in chosen.items())
        ] or target.ids[name]
        first = preferred(target, path, name)
        if first in pool:
            pool = [first, *(i for i in pool if i != first)]
        chosen[name] = data.draw(st.sampled_from(pool), label=name)
        # a row that names another parameter decides it (the tender of the bid drawn)
        chosen.update({k: v for k, v in rows.get(chosen[name], {}).items() if k in chosen})
    return chosen


# The caller of each role: a user of the demo province (prex.demo).
USERNAME = {
    "admin": "admin",
    "operator": "operator",
    "agency": "agency",
    "tenderer": "tenderer",
    "bidder": "bidder1",
    "expert": "expert",
    "supervisor": "supervisor",
}
# Their organisations (prex.demo.ORGANISATIONS keys), out of the fuzzer's reach too.
ORG_OF = ("centre_hz", "supervisor_hz", "tenderer_hz", "agency", "bidder1", "expert_employer")


@dataclass(frozen=True)
class Seeded:
    """What :func:`seed_world` made that the profile needs again: its callers' ids (to keep
    from the fuzzer), the machine client's credentials and a published tender."""

    protected: frozenset[str]
    machine: tuple[str, str]
    tender_id: str
    tenders: dict[str, str]  # the demo's tenders by label (prex.demo.DemoSeed.tenders)
    listings: dict[str, str]  # its listings by label (sold, failed, live)


def seed_world(services: Services) -> Seeded:
    """The demo province (:func:`prex.demo.seed_demo`, on the services' fixed clock, which it
    moves and puts back): tenders in every status — a draft, open ones with documents obtained,
    enquiries and an electronic guarantee, one at its opening with sealed bids, one in
    evaluation, one in publicity under a complaint, awarded and complete ones with contracts and
    an archive —, experts in the registry with committees drawn, land listings (sold, failed,
    in live bidding), credit records; plus a machine client holding every scope and a spare
    one (the fuzzer may revoke that one, never the caller)."""
    clock = services.clock
    assert isinstance(clock, FixedClock), "the demo seed moves time: give it a FixedClock"
    seed = seed_demo(services, now=clock.now())
    issued = register_client(
        services.uow(ADMIN_ACTOR),
        name="fuzz",
        org_id=seed.org_ids["bidder1"],
        scopes=sorted(SCOPES),
        rate_per_minute=100_000,
        burst=10_000,
    )
    register_client(
        services.uow(ADMIN_ACTOR),
        name="spare",
        org_id=seed.org_ids["bidder2"],
        scopes=["public.read"],
    )
    protected = {seed.user_ids[u] for u in USERNAME.values()} | {seed.org_ids[k] for k in ORG_OF}
    protected |= set(USERNAME.values())  # by name too (POST /users/{username}/unlock)
    protected.add(issued.client_id)
    return Seeded(
        frozenset(protected),
        (issued.client_id, issued.secret),
        seed.tenders["published"],
        dict(seed.tenders),
        dict(seed.listings),
    )


def user_headers(services: Services, role: str) -> dict[str, str]:
    """Bearer headers of a fresh token of the demo user of ``role``."""
    credential = identity.sign_in(
        services.uow(Actor(address="127.0.0.1")),
        username=USERNAME[role],
        password=DEMO_PASSWORD,
        kind="token",
        lifetime=timedelta(days=365),
    )
    return {"Authorization": f"Bearer {credential.secret}"}


def build_target(services: Services, app: FastAPI, seeded: Seeded | None = None) -> Target:
    """The target over a world :func:`seed_world` made (seeded now when ``seeded`` is None):
    the callers' credentials, the app's schema loaded over ASGI, the real ids of path
    parameters."""
    seeded = seeded or seed_world(services)
    callers: dict[str, dict[str, str]] = {role: user_headers(services, role) for role in ROLES}
    callers["anonymous"] = {}
    with TestClient(app, base_url="http://testserver") as client:
        callers["machine"] = machine_headers(client, *seeded.machine)
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    names = {
        p["name"]
        for item in app.openapi()["paths"].values()
        for op in item.values()
        for p in op.get("parameters", [])
        if p["in"] == "path"
    }
    ids, parents = _real_ids(services, names, set(seeded.protected))
    return Target(
        services,
        app,
        schema,
        callers,
        ids,
        seeded.machine,
        seeded.tender_id,
        parents,
        seeded.tenders,
        seeded.listings,
    )


def machine_headers(client: TestClient, client_id: str, secret: str) -> dict[str, str]:
    """Bearer headers of a fresh client-credentials token (RFC 6749 §4.4)."""
    token = client.post(
        f"{API_PREFIX}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def retarget(target: Target, app: FastAPI) -> Target:
    """The same world and callers, another app over the same services (e.g. with planted
    routes): its schema is loaded afresh."""
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    return Target(
        target.services,
        app,
        schema,
        target.callers,
        target.ids,
        target.machine,
        target.tender_id,
        target.parents,
        target.tenders,
        target.listings,
    )


def _problem_violation(case: Any, response: Any) -> str | None:
    """Why a 4xx answer is not a problem document (None when it is one, or not a 4xx)."""
    status = response.status_code
    path = case.path if hasattr(case, "path") else ""
    if not 400 <= status < 500 or not path.startswith(API_PREFIX):
        return None
    if case.method.upper() == "HEAD":  # a HEAD answer has no body, by HTTP
        return None
    if case.operation.definition.raw.get("operationId") == TOKEN_ENDPOINT and status in (400, 401):
        return None
    content_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if content_type != PROBLEM:
        return f"{status} answered as {content_type!r}, not {PROBLEM}"
    try:
        body = response.json()
    except ValueError:
        return f"{status} body is not JSON"
    missing = [k for k in ("type", "title", "status", "detail", "instance") if k not in body]
    if missing:
        return f"problem document lacks {missing}"
    if body["status"] != status or not str(body["type"]).startswith("/problems/"):
        return f"problem document's status/type disagree: {body['status']} {body['type']}"
    return None


def run_operation(
    target: Target,
    operation_id: str,
    callers: Iterable[str] = CALLERS,
    *,
    examples: int = 2,
    seed_value: int = 9,
    modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
) -> Outcome:
    """Fuzz one operation: ``examples`` generated requests per generation mode (valid and
    invalid data), each sent as every one of ``callers``; every failed check is collected."""
    operation = target.operations()[operation_id]
    target.renew_machine_token()
    started = time.perf_counter()
    outcome = Outcome()
    headers_of = target.fresh_callers() if operation_id in SESSION_ENDING else target.callers
    if not negatable(operation.definition.raw):
        modes = tuple(m for m in modes if m is not GenerationMode.NEGATIVE)
    cases = [c for mode in modes for c in generate(target, operation, mode, examples, seed_value)]
    for case in cases:
        for caller in callers:
            outcome.cases += 1
            findings, status = send(case, operation_id, caller, headers_of[caller])
            outcome.findings.extend(findings)
            if status is not None and 200 <= status < 300:
                outcome.succeeded.add(caller)
    outcome.seconds = time.perf_counter() - started
    return outcome


def negatable(raw: dict[str, Any]) -> bool:
    """Whether an operation has any input that can be invalid: a body, a query or header
    parameter, or a constrained path parameter (a free string in a path has no invalid form,
    and hypothesis would search long for one before giving up)."""
    if "requestBody" in raw:
        return True
    for parameter in raw.get("parameters", []):
        schema = {k: v for k, v in parameter.get("schema", {}).items() if k != "title"}
        if parameter["in"] != "path" or schema != {"type": "string"}:
            return True
    return False


def generate(
    target: Target, operation: Any, mode: GenerationMode, examples: int, seed_value: int
) -> list[Any]:
    """Up to ``examples`` cases of ``operation`` in ``mode``, reproducibly; path parameters
    are real objects' ids three times in four (:func:`real_parameters`). None when the mode has
    nothing to generate (an operation whose only parameter is a free string has no invalid
    form)."""
    drawn: list[Any] = []
    strategy = operation.as_strategy(generation_mode=mode)

    @seed(seed_value)
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def collect(case: Any, data: Any) -> None:
        if case.path_parameters:
            real = real_parameters(target, operation.path, data)
            case.path_parameters.update(
                {k: v for k, v in real.items() if k in case.path_parameters}
            )
        drawn.append(case)

    with contextlib.suppress(Unsatisfiable):
        collect()
    return drawn


def send(
    case: Any, operation_id: str, caller: str, headers: dict[str, str]
) -> tuple[list[Finding], int | None]:
    """Send ``case`` as ``caller``; the checks that failed, as findings, and the status (None
    when the app raised)."""
    try:
        response = case.call(headers=headers)
    except Exception as exc:  # the app raised: the server would answer 500
        notes = "\n".join(getattr(exc, "__notes__", []))
        detail = f"unhandled {type(exc).__name__}: {str(exc)[:1500]}\n{notes}"
        return [Finding(operation_id, caller, "Server error (unhandled exception)", detail)], None
    findings = []
    try:
        case.validate_response(response, checks=list(CHECKS), headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            findings.append(Finding(operation_id, caller, failure.title, str(group)[:4000]))
    violation = _problem_violation(case, response)
    if violation:
        curl = case.as_curl_command(headers=headers)
        findings.append(Finding(operation_id, caller, "problem_document", f"{violation}\n{curl}"))
    return findings, response.status_code


def unique(findings: Iterable[Finding]) -> Iterator[Finding]:
    """One finding per operation, caller and check (the first one's report)."""
    seen: set[tuple[str, str, str]] = set()
    for finding in findings:
        key = (finding.operation, finding.caller, finding.check)
        if key not in seen:
            seen.add(key)
            yield finding


def report(findings: Iterable[Finding]) -> str:
    """A failure message: one line per operation, caller and check, then the first reports."""
    distinct = list(unique(findings))
    lines = [f"{len(distinct)} failing operation/caller/check:"]
    lines += [f"  {f.line()}" for f in distinct]
    lines += ["", *(f"--- {f.line()}\n{f.detail}" for f in distinct[:3])]
    return "\n".join(lines)
