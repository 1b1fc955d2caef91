"""Rendering portal pages: one Jinja2 environment (autoescaping on), the locale per request."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from prex.identity.divisions import division_name
from prex.web.i18n import LOCALES, negotiate, translations
from prex.web.pages import labels

LANG_COOKIE = "prex_lang"
CHINA = ZoneInfo("Asia/Shanghai")


def local_time(value: datetime | str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in Beijing time (an API view's ISO text too)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return "" if value is None else value.astimezone(CHINA).strftime(fmt)


_ISO_INSTANT = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})"
)


def local_times(text: str) -> str:
    """Instants written into a message as ISO 8601 with an offset (by a service or a rule
    pack), shown as Beijing time like every other time on the portal."""

    def local(match: re.Match[str]) -> str:
        try:
            return local_time(datetime.fromisoformat(match.group(0).replace("Z", "+00:00")))
        except ValueError:
            return match.group(0)

    return _ISO_INSTANT.sub(local, text)


def money(value: Decimal | str | None) -> str:
    """Yuan with thousands separators; an API view's decimal text too."""
    return "" if value is None else f"{Decimal(value):,.2f}"


def language_url(request: Request, locale: str, page: str | None = None) -> str:
    """This page in another language. A page shown in answer to a POST (a refused form) links
    to ``page``, the address it can be fetched from again (by default the portal)."""
    if request.method == "GET" and page is None:
        query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("lang", "done")]
        path = request.url.path
    else:
        query, path = [], page or "/"
    return f"{path}?{urlencode([*query, ('lang', locale)])}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("prex.web", "templates"),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["local_time"] = local_time
    env.filters["money"] = money
    env.filters["division"] = division_name
    env.filters["local_times"] = local_times
    env.globals["language_url"] = language_url
    env.globals["labels"] = labels
    env.globals["label"] = labels.label
    return env


def locale_of(request: Request) -> str:
    return negotiate(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    locale = locale_of(request)
    trans = translations(locale)
    actor = getattr(request.state, "actor", None)
    html = (
        environment()
        .get_template(template)
        .render(
            request=request,
            _=trans.gettext,
            ngettext=trans.ngettext,
            locale=locale,
            locales=LOCALES,
            actor=actor,
            done=labels.DONE.get(request.query_params.get("done", "")),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie(LANG_COOKIE, locale_of(request), max_age=365 * 86400, samesite="lax")
    return response


def render_error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return render(
        request, "error.html", status_code=status, status=status, title=title, detail=detail
    )
