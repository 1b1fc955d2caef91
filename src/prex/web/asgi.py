"""ASGI entry point for servers that import an application factory (``uvicorn --factory``)."""

from __future__ import annotations

from fastapi import FastAPI

from prex.bootstrap import bootstrap
from prex.config import get_settings
from prex.web.app import create_app


def app_from_env() -> FastAPI:
    """Build the application from ``PREX_*`` settings (one per server process)."""
    return create_app(bootstrap(get_settings()))
