"""Deposit sources (extension point ``prex.deposit_sources``): a bank's statement format from an
outside distribution, installed beside prex, is chosen by name and used end to end by the
import endpoint and the CLI; an unknown format is refused naming the installed ones."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from prex.auctions.orm import listing_registrations
from prex.bootstrap import Services
from prex.cli.main import app
from prex.shared.clock import FixedClock
from tests.auction_world import AuctionWorld
from tests.e2e.test_listings import payment_line, problem, rows
from tests.extension_dist import install_distribution
from tests.factories import World
from tests.pki_openssl import PkiWorld

API = "/api/v1"
runner = CliRunner()

# A bank that exports its statement as JSON lines; its module builds prex's own Payment values.
ACME_BANK = """
import hashlib
import json
from datetime import date
from decimal import Decimal

from prex.auctions.statement import LineError, Payment


class Confirmations:
    def __init__(self, data):
        self.sha256 = hashlib.sha256(data).hexdigest()
        self.source = "acme-json:" + self.sha256[:32]
        self.payments, self.errors, self.lines = [], [], 0
        for n, text in enumerate(data.decode().splitlines(), start=1):
            self.lines += 1
            try:
                item = json.loads(text)
                self.payments.append(
                    Payment(n, date.fromisoformat(item["date"]), item["ref"], item["payer"],
                            item["account"], Decimal(item["amount"]), item["listing"],
                            item["number"])
                )
            except (ValueError, KeyError) as exc:
                self.errors.append(LineError(n, (f"not a payment: {exc}",)))

    def confirmed_payments(self, listing_code):
        return [p for p in self.payments if p.listing_code == listing_code]


class JsonStatement:
    name = "acme-json"
    media_types = ("application/x-ndjson",)

    def read(self, data):
        return Confirmations(data)


def source(services):
    return JsonStatement()
"""


@pytest.fixture
def acme_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    root = tmp_path / "site"
    root.mkdir()
    install_distribution(
        root, "acme_bank", ACME_BANK, "[prex.deposit_sources]\nacme-json = acme_bank:source\n"
    )
    monkeypatch.syspath_prepend(str(root))
    yield
    sys.modules.pop("acme_bank", None)


@pytest.fixture
def auction(
    client: TestClient,
    services: Services,
    world: World,
    pki_world: PkiWorld,
    tmp_path: Path,
    clock: FixedClock,
) -> AuctionWorld:
    auction = AuctionWorld(client, services, world, pki_world, tmp_path, clock)
    auction.create()
    auction.announce()
    for name in auction.bidders:
        auction.register(name)
        auction.approve(name)
    return auction


def json_line(auction: AuctionWorld, name: str, reference: str) -> str:
    number = auction.bidders[name].registration["number"]  # type: ignore[index]
    return json.dumps(
        {
            "date": "2026-03-10",
            "ref": reference,
            "payer": f"{name} 竞买单位",
            "account": "62220202000012",
            "amount": "3000000.00",
            "listing": auction.listing["code"],
            "number": number,
        }
    )


def upload(auction: AuctionWorld, data: bytes, fmt: str | None) -> Any:
    return auction.client.post(
        f"{API}/deposits/import",
        files={"file": ("statement", data, "application/octet-stream")},
        data={} if fmt is None else {"format": fmt},
        headers=auction.as_("operator"),
    )


def test_an_outside_banks_format_is_chosen_by_name_and_imports_end_to_end(
    acme_bank: None, auction: AuctionWorld, services: Services
) -> None:
    data = (json_line(auction, "rsa", "ACME-1") + "\n").encode()
    # the default CSV source cannot read it: nothing is confirmed
    problem(upload(auction, data, None), 422, "invalid-input")
    imported = upload(auction, data, "acme-json")
    assert imported.status_code == 200, imported.text
    body = imported.json()
    assert [c["reference"] for c in body["confirmed"]] == ["ACME-1"]
    assert body["source"].startswith("acme-json:")
    confirmed = {r.id: r for r in rows(services, listing_registrations)}
    rsa = confirmed[auction.bidders["rsa"].registration_id]
    assert (rsa.deposit_status, rsa.deposit_reference) == ("confirmed", "ACME-1")
    assert rsa.deposit_source.startswith("acme-json:")
    # its unreadable lines refuse the whole import, with their numbers, like the CSV's
    bad = (json_line(auction, "ec", "ACME-2") + "\n{not json}\n").encode()
    refused = problem(upload(auction, bad, "acme-json"), 422, "statement-refused")
    assert [e["line"] for e in refused["errors"]] == [2]
    ec = {r.id: r for r in rows(services, listing_registrations)}[
        auction.bidders["ec"].registration_id
    ]
    assert ec.deposit_status == "unpaid"


def test_an_unknown_format_is_refused_naming_the_installed_ones(
    acme_bank: None, auction: AuctionWorld
) -> None:
    data = (json_line(auction, "rsa", "ACME-1") + "\n").encode()
    body = problem(upload(auction, data, "mt940"), 404, "extension-not-found")
    assert "acme-json" in body["detail"] and "statement-csv" in body["detail"]
    csv = b"date,reference,payer_name,payer_account,amount,memo\n"
    csv += ",".join(f'"{c}"' for c in payment_line(auction, "rsa", "BK1")).encode() + b"\n"
    chosen = upload(auction, csv, "statement-csv")
    assert chosen.status_code == 200, chosen.text


def test_the_cli_takes_the_format_too(
    acme_bank: None,
    auction: AuctionWorld,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PREX_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(services.settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")
    path = tmp_path / "statement.ndjson"
    path.write_text(json_line(auction, "sm2", "ACME-9") + "\n", encoding="utf-8")
    args = ["auctions", "import-deposits", str(path), "--centre", "330000"]
    unknown = runner.invoke(app, [*args, "--format", "mt940"])
    assert unknown.exit_code == 1 and "no 'mt940' installed" in unknown.output
    result = runner.invoke(app, [*args, "--format", "acme-json"])
    assert result.exit_code == 0, result.output
    assert "1 confirmed" in result.stdout
