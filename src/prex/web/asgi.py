"""ASGI entry point for servers that import an application factory (``uvicorn --factory``)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from prex.bootstrap import bootstrap
from prex.config import get_settings
from prex.ops.logs import configure_logging
from prex.web.app import create_app


def app_from_env() -> FastAPI:
    """Build the application from ``PREX_*`` settings (one per server process). Each process
    configures its own logging: uvicorn's and gunicorn's worker processes inherit none."""
    settings = get_settings()
    configure_logging(settings.log_format, logging.INFO)
    return create_app(bootstrap(settings))
