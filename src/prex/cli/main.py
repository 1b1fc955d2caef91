"""``prex``: every command. Exit codes: 0 success, 1 rejected input (one line on stderr),
2 usage error."""

from __future__ import annotations

import typer

from prex.cli import (
    analytics,
    archive,
    auctions,
    audit,
    backup,
    bid,
    complaints,
    contract,
    credit,
    custodians,
    db,
    experts,
    export,
    extensions,
    federate,
    flags,
    integrations,
    opening,
    pki,
    quality,
    run,
    sdk,
    tenders,
    upstream,
)

app = typer.Typer(
    help="prex — public resource exchange platform (公共资源交易平台).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(tenders.app, name="tenders")
app.add_typer(pki.ca_app, name="ca")
app.add_typer(pki.cert_app, name="cert")
app.add_typer(pki.sig_app, name="sig")
app.add_typer(bid.app, name="bid")
app.add_typer(complaints.app, name="complaints")
app.add_typer(custodians.app, name="custodians")
app.add_typer(opening.app, name="opening")
app.add_typer(experts.app, name="experts")
app.add_typer(auctions.app, name="auctions")
app.add_typer(export.app, name="export")
app.add_typer(upstream.app, name="upstream")
app.add_typer(federate.app, name="federate")
app.add_typer(federate.import_app, name="import")
app.add_typer(quality.app, name="quality")
app.add_typer(flags.app, name="flags")
app.add_typer(analytics.app, name="analytics")
app.add_typer(credit.app, name="credit")
app.add_typer(archive.app, name="archive")
app.add_typer(integrations.app, name="integrations")
app.add_typer(sdk.app, name="sdk")
app.add_typer(contract.app, name="contract")
app.add_typer(extensions.app, name="extensions")
app.command()(run.serve)
app.command()(run.worker)
app.command()(run.demo)
app.command()(backup.backup)
app.command()(backup.restore)

if __name__ == "__main__":
    app()
