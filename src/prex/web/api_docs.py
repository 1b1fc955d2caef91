"""The interactive API documentation (Swagger UI) at ``/api/v1/docs``, served from vendored
files (``static/vendor/swagger-ui-*``) rather than FastAPI's default page, which loads them from
a CDN and starts them with an inline script: an exchange centre's intranet often has no way
out, and the page then stays blank. Here nothing leaves the site, and the page keeps the same
strict Content-Security-Policy as every other page — ``static/api-docs.js`` starts Swagger UI
from the ``data-openapi`` attribute, so there is no inline script to allow.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse

SWAGGER_UI = "/static/vendor/swagger-ui-5.35.0"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{swagger}/swagger-ui.css">
<link rel="icon" type="image/png" href="{swagger}/favicon-32x32.png">
<script src="{swagger}/swagger-ui-bundle.js" defer></script>
<script src="/static/api-docs.js" defer></script>
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
</body>
</html>
"""


def docs_page(title: str, openapi_url: str) -> Callable[[Request], HTMLResponse]:
    """The handler of the docs route: the page naming the OpenAPI document it shows."""

    def api_docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return HTMLResponse(
            PAGE.format(title=escape(title), swagger=SWAGGER_UI, openapi=escape(root + openapi_url))
        )

    return api_docs
