"""Rendering portal pages: one Jinja2 environment (autoescaping on), the locale per request."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from prex.web.i18n import LOCALES, negotiate, translations
from prex.web.pages import labels

LANG_COOKIE = "prex_lang"
CHINA = ZoneInfo("Asia/Shanghai")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """Times are stored in UTC and shown in Beijing time."""
    return "" if value is None else value.astimezone(CHINA).strftime(fmt)


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,.2f}"


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
    html = environment().get_template(template).render(
        request=request,
        _=trans.gettext,
        ngettext=trans.ngettext,
        locale=locale,
        locales=LOCALES,
        actor=actor,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in LOCALES:
        response.set_cookie(LANG_COOKIE, locale_of(request), max_age=365 * 86400, samesite="lax")
    return response


def render_error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status, status=status, title=title,
                  detail=detail)
