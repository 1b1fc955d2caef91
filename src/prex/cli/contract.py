"""``prex contract …``: conformance kits an outside supplier runs against its own module.

Each kit plays prex's part for real and reports named checks; the exit code is 0 when every
check passed, 1 otherwise (and 1 with a one-line reason when nothing could run):

* ``prex contract webhook-receiver URL`` sends prex-signed deliveries, good and bad, to a
  webhook receiver;
* ``prex contract guarantee-provider NAME`` loads an installed guarantee provider the way prex
  does and runs it through issue, verification, binding, release and claim.

docs/integration.md, "Conformance kits".
"""

from __future__ import annotations

from pathlib import Path

import typer

from prex.cli.common import console, emit_json, fail, rejecting, services_from_env
from prex.contract import webhook_receiver as kit

app = typer.Typer(
    help="Conformance kits for outside modules (docs/integration.md).", no_args_is_help=True
)


def _keys(keys_dir: Path | None, platform_keys: bool) -> kit.KitKeys:
    if platform_keys:
        if keys_dir is not None:
            raise fail("give --keys or --platform-keys, not both")
        from prex.config import get_settings
        from prex.pki.platform import ensure_platform_keys
        from prex.shared.clock import SystemClock

        return kit.KitKeys.from_platform(ensure_platform_keys(get_settings(), SystemClock()))
    if keys_dir is not None:
        return kit.KitKeys.load_or_create(keys_dir)
    return kit.KitKeys.generate()


@app.command("webhook-receiver")
@rejecting
def webhook_receiver(
    url: str | None = typer.Argument(
        None, help="the receiver's URL (what a subscription would name)"
    ),
    keys_dir: Path | None = typer.Option(
        None,
        "--keys",
        help="keep the kit's CA and signing key in this folder (made on first use; the receiver "
        "trusts DIR/kit-ca.pem); without it, new keys each run",
    ),
    ca_out: Path | None = typer.Option(
        None, "--ca-out", help="write the CA the receiver must trust to this file (PEM)"
    ),
    platform_keys: bool = typer.Option(
        False,
        "--platform-keys",
        help="sign with this installation's platform keys (the receiver pinned "
        "/api/v1/webhooks/certificates) instead of the kit's",
    ),
    prepare: bool = typer.Option(
        False, "--prepare", help="only make the keys and write --ca-out; send nothing"
    ),
    timeout: float = typer.Option(kit.DEFAULT_TIMEOUT, "--timeout", help="seconds per answer"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable"),
) -> None:
    """Check a webhook receiver: signed deliveries accepted (once and again), forgeries,
    altered bodies, stale timestamps, unsigned and foreign-CA deliveries refused with 4xx."""
    if url is None and not prepare:
        raise fail("give the receiver's URL (or --prepare to make the keys only)")
    if url is not None and not url.startswith(("http://", "https://")):
        raise fail(f"{url!r} is not an http(s) URL")
    if timeout <= 0:
        raise fail("--timeout must be positive")
    try:
        keys = _keys(keys_dir, platform_keys)
        if ca_out is not None:
            ca_out.write_text(keys.ca_certificate.pem())
    except OSError as exc:
        raise fail(f"{exc.filename or 'the kit keys'}: {exc.strerror or exc}") from exc
    if prepare or url is None:
        where = f" in {ca_out}" if ca_out else (f" in {keys_dir / kit.CA_FILE}" if keys_dir else "")
        console.print(f"the receiver must trust the kit CA{where}", highlight=False, soft_wrap=True)
        return
    results = kit.run_checks(url, keys, timeout=timeout)
    failed = [r for r in results if not r.passed]
    if json_output:
        emit_json({"url": url, "passed": not failed, "checks": [r.to_json() for r in results]})
    else:
        for r in results:
            mark = "[green]pass[/green]" if r.passed else "[red]FAIL[/red]"
            console.print(f"{mark}  {r.name:<28} {r.reason}", highlight=False, soft_wrap=True)
        console.print(
            f"{len(results) - len(failed)} of {len(results)} checks passed", highlight=False
        )
    if failed:
        raise typer.Exit(code=1)


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
