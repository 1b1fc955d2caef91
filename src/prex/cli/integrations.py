"""``prex integrations …``: registered machine clients (OAuth 2.0 client credentials).

Secrets are printed once, when made (``register`` and ``rotate``); only their hashes are kept.
"""

from __future__ import annotations

import typer
from sqlalchemy import or_, select

from prex.bootstrap import Services
from prex.cli.common import console, console_actor, emit_json, rejecting, services_from_env
from prex.identity.orm import organisations
from prex.integrations import service
from prex.integrations.model import SCOPES
from prex.shared.errors import NotFound

app = typer.Typer(
    help="Machine clients: register, list, rotate secrets, revoke (docs/integration.md).",
    no_args_is_help=True,
)


def _org_id(services: Services, org: str) -> str:
    with services.read_session() as session:
        row = session.execute(
            select(organisations.c.id).where(
                or_(organisations.c.id == org, organisations.c.uscc == org)
            )
        ).first()
    if row is None:
        raise NotFound(f"no organisation '{org}' (give its id or credit code)")
    return str(row.id)


def _show_secret(issued: service.IssuedSecret, json_output: bool) -> None:
    out = {
        "client_id": issued.client_id,
        "secret_id": issued.secret_id,
        "client_secret": issued.secret,
    }
    if json_output:
        emit_json(out)
        return
    console.print(f"client_id      {issued.client_id}", highlight=False)
    console.print(f"secret_id      {issued.secret_id}", highlight=False)
    console.print(f"client_secret  {issued.secret}   (shown this once)", highlight=False)


@app.command("register")
@rejecting
def register(
    name: str = typer.Argument(..., help="what the client is, e.g. 'Broker portal'"),
    org: str = typer.Option(..., "--org", help="owning organisation: id or credit code"),
    scope: list[str] = typer.Option(
        ..., "--scope", help=f"a scope, repeatable: {', '.join(sorted(SCOPES))}"
    ),
    rate: int = typer.Option(120, "--rate", help="requests per minute"),
    burst: int = typer.Option(20, "--burst", help="requests at once"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Register a machine client; prints its id and first secret."""
    with services_from_env() as services:
        issued = service.register_client(
            services.uow(console_actor()),
            name=name,
            org_id=_org_id(services, org),
            scopes=scope,
            rate_per_minute=rate,
            burst=burst,
        )
    _show_secret(issued, json_output)


@app.command("list")
@rejecting
def list_(json_output: bool = typer.Option(False, "--json", help="machine-readable")) -> None:
    """Every registered client with its scopes, rate and secrets (ids and dates only)."""
    with services_from_env() as services:
        rows = service.list_clients(services, console_actor())
    if json_output:
        emit_json(rows)
        return
    for r in rows:
        active = sum(1 for s in r["secrets"] if s["revoked_at"] is None)
        state = "revoked" if r["revoked_at"] else f"{active} active secret(s)"
        console.print(
            f"{r['client_id']}  {r['name']}  {' '.join(r['scopes'])}  "
            f"{r['rate_per_minute']}/min burst {r['burst']}  {state}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"{len(rows)} client(s)")


@app.command("rotate")
@rejecting
def rotate(
    client_id: str = typer.Argument(..., help="the client's id"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Add the successor secret; the old one works until `revoke --secret`."""
    with services_from_env() as services:
        issued = service.rotate_secret(services.uow(console_actor()), client_id)
    _show_secret(issued, json_output)


@app.command("revoke")
@rejecting
def revoke(
    client_id: str = typer.Argument(..., help="the client's id"),
    secret: str | None = typer.Option(
        None, "--secret", help="revoke only this secret (and its tokens), after a rotation"
    ),
    reason: str = typer.Option("", "--reason", help="why the client is ended"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Revoke one secret, or the whole client (its secrets, tokens and consents)."""
    with services_from_env() as services:
        if secret:
            service.revoke_secret(services.uow(console_actor()), client_id, secret)
        else:
            service.revoke_client(services.uow(console_actor()), client_id, reason)
    result = {"client_id": client_id, "revoked": secret or "client"}
    if json_output:
        emit_json(result)
        return
    console.print(
        f"secret {secret} of {client_id} revoked" if secret else f"client {client_id} revoked",
        highlight=False,
    )
