"""What the workbench pages share: redirects, the sign-in gate, refusals shown on a page.

Pages never raise HTTP errors for something the user can correct: a refused form is shown
again with a :class:`Problem` above it, with the status of the domain error (4xx), and the
values the user typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from prex.bootstrap import Services
from prex.identity.orm import centres, organisations
from prex.identity.policy import Action, Actor, is_allowed
from prex.shared.errors import DomainError, RuleViolation
from prex.tenders.rules import RulePack
from prex.web.i18n import N_, translations
from prex.web.pages import labels
from prex.web.pages.forms import FieldError
from prex.web.pages.render import locale_of, render_error


def see_other(url: str) -> RedirectResponse:
    """After a form succeeded: go (GET) to ``url`` so that reloading does not post again."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None) -> str | None:
    """A local path to return to after signing in; anything that could leave the site is
    dropped (``//evil.example``, ``/\\evil.example``, absolute URLs)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\r\n\\"):
        return None
    return target


def to_sign_in(request: Request, back_to: str | None = None) -> RedirectResponse:
    """Send an anonymous visitor to the sign-in page, to come back to ``back_to`` afterwards
    (by default the page asked for; a form's page for a POST)."""
    target = back_to or (request.url.path if request.method == "GET" else "/workbench")
    if request.method == "GET" and request.url.query and back_to is None:
        target = f"{target}?{request.url.query}"
    return see_other("/login?" + urlencode({"next": target}))


def gate(
    request: Request, actor: Actor, action: Action, back_to: str | None = None
) -> Response | None:
    """Refuse early, as the API's ``require`` does, before a form is read: an anonymous
    visitor is sent to sign in; a user none of whose roles may ever perform ``action`` gets a
    403 page. ``None`` means go on (the service still checks the object itself)."""
    if not actor.authenticated:
        return to_sign_in(request, back_to)
    if not is_allowed(actor, action):
        gettext = translations(locale_of(request)).gettext
        return render_error(
            request, 403, gettext("Not allowed"), gettext("None of your roles may do this.")
        )
    return None


def centre_rows(services: Services) -> list[dict[str, Any]]:
    """The centres (name, division code, id), for region choices and names."""
    with services.read_session() as session:
        rows = session.execute(
            select(centres.c.id, centres.c.name, centres.c.division_code).order_by(
                centres.c.division_code
            )
        ).mappings()
        return [dict(r) for r in rows]


def organisations_of_kinds(
    services: Services, centre_id: str | None, kinds: tuple[str, ...], limit: int = 500
) -> dict[str, list[dict[str, Any]]]:
    """Registered organisations of a centre (public registration data: id, name, credit
    code) by kind, to offer as choices where a form asks for an organisation id."""
    query = select(
        organisations.c.id, organisations.c.name, organisations.c.uscc, organisations.c.kinds
    ).order_by(organisations.c.name)
    if centre_id is not None:
        query = query.where(organisations.c.centre_id == centre_id)
    with services.read_session() as session:
        rows = [dict(r) for r in session.execute(query.limit(20 * limit)).mappings()]
    return {kind: [r for r in rows if kind in (r["kinds"] or [])][:limit] for kind in kinds}


def organisation_names(services: Services, org_ids: set[str]) -> dict[str, str]:
    """Registered names of some organisations, by id."""
    if not org_ids:
        return {}
    with services.read_session() as session:
        rows = session.execute(
            select(organisations.c.id, organisations.c.name).where(
                organisations.c.id.in_(sorted(org_ids))
            )
        )
        return {str(r.id): str(r.name) for r in rows}


@dataclass(frozen=True)
class Problem:
    """A refusal as a page shows it, above the form that caused it."""

    heading: str  # a message id, translated by the template
    message: str  # in the reader's language where prex has it, else the domain's own words
    form: str | None = None  # which form on the page failed (it is shown open, with its values)
    field: str | None = None  # the field to correct, when one is to blame
    rule: str | None = None  # the rule pack rule that refused, e.g. deadline.min-days
    earliest: datetime | None = None  # the earliest allowed instant the rule names


def problem_of(
    exc: DomainError, request: Request, form: str | None = None, pack: RulePack | None = None
) -> Problem:
    """Describe ``exc`` for the page: form mistakes in the reader's language, statutory rules
    quoted from the rule pack (the earliest allowed time in Beijing time beside it)."""
    gettext = translations(locale_of(request)).gettext
    message = exc.message
    rule = None
    earliest = None
    if isinstance(exc, FieldError):
        message = exc.text(gettext)
    if isinstance(exc, RuleViolation):
        rule = exc.rule
        if pack is not None and rule in pack.periods:
            message = pack.period(rule).quote()
        raw = exc.context.get("earliest")
        if isinstance(raw, str):
            try:
                earliest = datetime.fromisoformat(raw)
            except ValueError:
                earliest = None
    heading = labels.PROBLEM.get(exc.slug, N_("The request was refused"))
    return Problem(
        heading=heading,
        message=message,
        form=form,
        field=getattr(exc, "field", None) or None,
        rule=rule,
        earliest=earliest,
    )
