"""What every command shares: settings → services, one-line errors, ``--json`` output."""

from __future__ import annotations

import getpass
import json
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from prex.bootstrap import Services, bootstrap
from prex.config import get_settings
from prex.identity.policy import Actor, Role
from prex.shared.errors import DomainError
from prex.shared.events import to_jsonable

console = Console()
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def services_from_env() -> Iterator[Services]:
    services = bootstrap(get_settings())
    try:
        yield services
    finally:
        services.close()


def fail(message: str) -> typer.Exit:
    """Print a one-line reason on stderr and return the exit (code 1) to raise."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


def rejecting(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors (and bad settings) into exit code 1 with a one-line reason."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            raise fail(exc.message) from exc
        except ValueError as exc:  # pydantic settings errors are ValueErrors
            first = str(exc).strip().splitlines()
            raise fail(" ".join(first[:3])) from exc

    return wrapper


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2) + "\n")


def console_actor() -> Actor:
    """Who acts from the server's shell: an administrator, named by the operating-system user so
    that the audit trail says which person ran the command."""
    user = getpass.getuser()
    return Actor(
        user_id=f"console:{user}",
        label=f"console ({user}@{socket.gethostname()})",
        roles=frozenset({Role.ADMIN}),
        address="console",
    )
