"""``prex custodians …``: a centre's opening custodians (开标密钥保管人)."""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy import or_, select

from prex.bidding.custodians import custodians_of, register_custodian, remove_custodian
from prex.bootstrap import Services
from prex.cli.common import console, console_actor, emit_json, rejecting, services_from_env
from prex.identity.orm import centres, users
from prex.shared.errors import InvalidInput, NotFound

app = typer.Typer(
    help="Opening custodians: who holds the shares of opening keys.", no_args_is_help=True
)


def _centre_id(services: Services, centre: str) -> str:
    with services.read_session() as session:
        row = session.execute(
            select(centres.c.id).where(
                or_(centres.c.id == centre, centres.c.division_code == centre)
            )
        ).first()
    if row is None:
        raise NotFound(f"no centre '{centre}' (give its id or division code)")
    return str(row.id)


@app.command("add")
@rejecting
def add(
    certificate: Path = typer.Argument(..., help="the custodian's encryption certificate"),
    centre: str = typer.Option(..., "--centre", help="centre id or division code"),
    user: str = typer.Option(..., "--user", help="the custodian's user name"),
) -> None:
    """Register a user of the centre as an opening custodian."""
    try:
        data = certificate.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {certificate}: {exc.strerror}") from exc
    with services_from_env() as services:
        centre_id = _centre_id(services, centre)
        with services.read_session() as session:
            row = session.execute(select(users.c.id).where(users.c.username == user)).first()
        if row is None:
            raise NotFound(f"no user '{user}'")
        custodian_id = register_custodian(
            services.uow(console_actor()),
            services.pki,
            centre_id=centre_id,
            user_id=str(row.id),
            certificate_data=data,
        )
    console.print(f"{custodian_id}  {user} is an opening custodian of {centre}", highlight=False)


@app.command("list")
@rejecting
def list_(
    centre: str = typer.Option(..., "--centre", help="centre id or division code"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """The centre's opening custodians, in the order shares are dealt."""
    with services_from_env() as services:
        centre_id = _centre_id(services, centre)
        with services.read_session() as session:
            found = custodians_of(session, centre_id)
    rows = [
        {
            "id": c.id,
            "username": c.username,
            "name": c.display_name,
            "certificate": c.certificate.subject_text,
            "key": c.certificate.public_key.kind,
            "not_after": c.not_after,
        }
        for c in found
    ]
    if json_output:
        emit_json(rows)
        return
    for r in rows:
        console.print(
            f"{r['id']}  {r['username']} ({r['name']})  {r['key']}  {r['certificate']}  "
            f"until {r['not_after']:%Y-%m-%d}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"{len(rows)} custodian(s)")


@app.command("remove")
@rejecting
def remove(custodian_id: str = typer.Argument(..., help="the custodian's id")) -> None:
    """Give this custodian no shares of new opening keys."""
    with services_from_env() as services:
        remove_custodian(services.uow(console_actor()), custodian_id)
    console.print(f"{custodian_id} removed")
