"""``prex complaints …``: the filer's offline tool. ``act`` writes the exact bytes a challenge
or complaint is signed over (docs/complaints.md), from the text and the evidence files, so that
``prex sig sign`` (or a USB key's tool) can sign them; it opens no database and contacts no
server."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import typer

from prex.cli.common import rejecting
from prex.complaints.model import Subject
from prex.complaints.service import challenge_bytes, complaint_bytes
from prex.shared.errors import InvalidInput

app = typer.Typer(help="Challenges and complaints: the bytes a filer signs.", no_args_is_help=True)


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", field="evidence") from exc


@app.command()
@rejecting
def act(
    tender: str = typer.Option(..., help="The tender's id."),
    subject: Subject = typer.Option(..., help="What is complained of."),
    known_on: str = typer.Option(..., help="The knowing day, YYYY-MM-DD (see the docs)."),
    text_file: Path = typer.Option(..., help="The challenge's or complaint's text, UTF-8."),
    evidence: list[Path] = typer.Option(..., help="Each evidence document, in upload order."),
    out: Path = typer.Option(..., help="Where to write the bytes to sign."),
    known_note: str = typer.Option("", help="Why the knowing day is later than the act's."),
    challenge: str | None = typer.Option(None, help="The challenge a complaint follows."),
    as_challenge: bool = typer.Option(False, "--as-challenge", help="A challenge (质疑)."),
) -> None:
    """Write the canonical bytes of a challenge or complaint to ``--out``."""
    try:
        day = date.fromisoformat(known_on).isoformat()
    except ValueError:
        raise InvalidInput(f"'{known_on}' is not a date (YYYY-MM-DD)", field="known_on") from None
    try:
        text = text_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {text_file} as UTF-8 text", field="text") from exc
    digests = [_sha256(path) for path in evidence]
    if as_challenge:
        data = challenge_bytes(tender, subject.value, day, known_note, text, digests)
    else:
        data = complaint_bytes(tender, challenge, subject.value, day, known_note, text, digests)
    out.write_bytes(data)
    typer.echo(f"wrote {len(data)} bytes to {out}; sign them with `prex sig sign {out} …`")
