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

Path parameters are drawn from the ids of real objects of a seeded world (a province with a
user per role, a published tender) as often as from generated strings, so that handlers get
past their 404s. Generation is seeded and derandomised: a CI run is reproducible."""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
from prex.integrations.model import SCOPES
from prex.integrations.service import register_client
from prex.web.app import API_PREFIX
from prex.web.errors import PROBLEM
from tests.factories import ADMIN_ACTOR, auth, make_world, published_tender

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
            fresh[role] = auth(self.services, role)
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
}


def _plural(name: str) -> list[str]:
    stem = name.removesuffix("_id")
    return [TABLE_OF.get(name, ""), f"{stem}s", f"{stem}es", stem]


def _real_ids(
    services: Services, names: Iterable[str], protected: set[str]
) -> dict[str, list[str]]:
    """For each path parameter ``<thing>_id``, the ids in the table of things (if any), less
    ``protected`` (the callers' own users, organisations and client, which a fuzzed
    deactivation would take away from the rest of the run)."""
    tables = {t.name: t for t in metadata.sorted_tables}
    found: dict[str, list[str]] = {}
    with services.read_session() as session:
        for name in names:
            table = next((tables[t] for t in _plural(name) if t in tables), None)
            if table is None or "id" not in table.c:
                continue
            rows = session.execute(select(table.c.id).limit(20)).scalars()
            ids = [str(i) for i in rows if str(i) not in protected]
            if ids:
                found[name] = ids
    return found


def build_target(services: Services, app: FastAPI) -> Target:
    """Seed a world (a user per role, a published tender, a machine client with every scope),
    load the app's schema over ASGI and collect the real ids for path parameters."""
    world = make_world(services)
    callers: dict[str, dict[str, str]] = {role: auth(services, role) for role in ROLES}
    callers["anonymous"] = {}
    with TestClient(app, base_url="http://testserver") as client:
        tender_id = published_tender(client, world, callers["agency"])["id"]
        # A bidder that obtained the documents and asked a question: an enquiry to answer.
        tender_url = f"{API_PREFIX}/tenders/{tender_id}"
        for path, body in (("obtain", None), ("enquiries", {"text": "工期能否顺延？"})):
            made = client.post(f"{tender_url}/{path}", json=body, headers=callers["bidder"])
            assert made.status_code < 300, made.text
        issued = register_client(
            services.uow(ADMIN_ACTOR),
            name="fuzz",
            org_id=world.orgs["bidder"],
            scopes=sorted(SCOPES),
            rate_per_minute=100_000,
            burst=10_000,
        )
        # A second client: the fuzzer may revoke that one, never the caller.
        register_client(
            services.uow(ADMIN_ACTOR),
            name="spare",
            org_id=world.orgs["bidder2"],
            scopes=["public.read"],
        )
        callers["machine"] = machine_headers(client, issued.client_id, issued.secret)
    schema = schemathesis.openapi.from_asgi(OPENAPI, app)
    names = {
        p["name"]
        for item in app.openapi()["paths"].values()
        for op in item.values()
        for p in op.get("parameters", [])
        if p["in"] == "path"
    }
    protected = {world.users[r] for r in ROLES} | {world.orgs[r] for r in ROLES if r in world.orgs}
    protected.add(issued.client_id)
    ids = _real_ids(services, names, protected)
    return Target(services, app, schema, callers, ids, (issued.client_id, issued.secret))


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
    return Target(target.services, app, schema, target.callers, target.ids, target.machine)


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
    are a real object's id half the time. None when the mode has nothing to generate (an
    operation whose only parameter is a free string has no invalid form)."""
    ids = target.ids
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
        for name in list(case.path_parameters or {}):
            if name in ids and data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(ids[name]), label=name)
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
