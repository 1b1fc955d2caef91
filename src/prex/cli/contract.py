"""``prex contract …``: conformance kits for the modules that extend prex.

Each command loads an installed module the way prex does and reports named checks; the exit code
is 0 when every check passed, 1 otherwise (and 1 with a one-line reason when nothing could run).
"""

from __future__ import annotations

import typer

from prex.cli.common import console, emit_json, rejecting, services_from_env

app = typer.Typer(
    help="Conformance kits for extension modules (docs/integration.md).", no_args_is_help=True
)


@app.command("guarantee-provider")
@rejecting
def guarantee_provider(
    name: str = typer.Argument(
        ..., help="the provider's entry point name (prex.guarantee_providers)"
    ),
    json_output: bool = typer.Option(False, "--json", help="machine-readable report"),
) -> None:
    """Run the guarantee-provider kit: issue, verification, binding, idempotent release and
    claim, refusal of what it cannot serve. The provider's CA must be on the trust list."""
    from prex.contract.guarantee_provider import run_kit

    with services_from_env() as services:
        report = run_kit(services, name)
    if json_output:
        emit_json(report.to_json())
    else:
        for check in report.checks:
            mark = "PASS" if check.passed else "FAIL"
            console.print(f"{mark}  {check.name:<20} {check.detail}", highlight=False, markup=False)
        console.print(
            f"{name}: {'conforms' if report.passed else 'does not conform'}",
            highlight=False,
            markup=False,
        )
    if not report.passed:
        raise typer.Exit(1)
