"""``prex sdk generate [--check]``: the Python SDK's operation table, from the OpenAPI document.

Run from the repository root. ``--check`` writes nothing and exits 1 naming every operation that
drifted (added, removed, changed), which is what CI and tests/integration/test_sdk_drift.py do.
"""

from __future__ import annotations

from pathlib import Path

import typer

from prex import sdk_gen
from prex.cli.common import console, err_console, fail

app = typer.Typer(
    help="The Python SDK in clients/python (docs/integration.md).", no_args_is_help=True
)


@app.command("generate")
def generate(
    check: bool = typer.Option(
        False, "--check", help="compare only; exit 1 naming each drifted operation"
    ),
    out: Path = typer.Option(
        sdk_gen.OPERATIONS_FILE, "--out", help="the generated module (default: from the repo root)"
    ),
) -> None:
    """Write clients/python/prex_client/_operations.py from the app's OpenAPI document."""
    if not out.parent.is_dir():
        raise fail(f"{out.parent} is not a folder: run from the repository root or give --out")
    spec = sdk_gen.build_spec()
    if not check:
        text = sdk_gen.render(sdk_gen.extract(spec))
        changed = not out.exists() or out.read_text(encoding="utf-8") != text
        out.write_text(text, encoding="utf-8")
        console.print(
            f"{out}: {'written' if changed else 'unchanged'}", highlight=False, soft_wrap=True
        )
        return
    if not out.exists():
        raise fail(f"{out} does not exist: run `prex sdk generate`")
    drifted = sdk_gen.drift(out.read_text(encoding="utf-8"), spec)
    if drifted:
        for line in drifted:
            err_console.print(f"drift: {line}", highlight=False, soft_wrap=True)
        raise fail(
            f"{out} is out of step with the API ({len(drifted)} difference(s)): "
            "run `prex sdk generate`"
        )
    console.print(f"{out}: in step with the API", highlight=False, soft_wrap=True)
