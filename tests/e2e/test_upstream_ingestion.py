"""The province receives pushed records over HTTP: only from a registered platform whose CMS
signature verifies through the trust list; each record checked against its dataset's schema,
codes and parents, refused with a stable code and stored nowhere, or stored once."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from prex.audit.chain import canonical_json
from prex.cli.main import app
from prex.exchange.dataspec.builders import tender_records
from prex.exchange.dataspec.model import (
    CandidateFacts,
    ExpertFacts,
    Header,
    OpenedBidFacts,
    OpeningFacts,
    Party,
    ResultFacts,
    SectionFacts,
    TenderFacts,
)
from prex.exchange.dataspec.outbound import idempotency_key
from prex.exchange.dataspec.schemas import DATASETS
from prex.exchange.dataspec.signing import SIGNATURE_HEADER
from prex.pki.certs import parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.keys import PrivateKey
from prex.tenders.deal_code import make_deal_code
from tests.e2e import dataspec_world
from tests.e2e.dataspec_world import (
    CITY,
    SIGNER,
    Province,
    signer_pem,
)
from tests.factories import uscc_for
from tests.pki_openssl import PkiWorld

# The province's fixtures (a module of their own, not the shared conftest).
province = dataspec_world.province
pg_province = dataspec_world.pg_province

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TENDERER = Party("杭州市城投集团", uscc_for("330100", 1))
DEAL = make_deal_code(TENDERER.uscc, date(2026, 3, 2), 1)
runner = CliRunner()


def records(platform: str = CITY) -> dict[str, dict[str, Any]]:
    """One record per dataset of a tender that reached its result."""
    bidder = Party("投标人", uscc_for("330100", 201))
    facts = TenderFacts(
        deal_code=DEAL,
        procurement=False,
        open_method=True,
        title="道路改造工程施工招标公告",
        project_name="道路改造工程",
        region_code="330106",
        tenderer=TENDERER,
        agency=None,
        budget=Decimal("12000000.00"),
        published_at=T0,
        bid_deadline=T0,
        status="publicity",
        status_changed_at=T0,
        status_note="",
        sections=(SectionFacts("s1", 1, "一标段", Decimal("12000000.00"), None, 365),),
        opening=OpeningFacts(
            T0, None, (OpenedBidFacts("s1", bidder, Decimal("1.00"), 1, None, T0, "opened"),)
        ),
        result=ResultFacts(
            T0,
            T0,
            (CandidateFacts("s1", 1, bidder, Decimal("1.00"), Decimal("1.00")),),
            (ExpertFacts(1, "张三", "A08", "省中心"),),
        ),
    )
    return dict(tender_records(facts, Header(platform, "PSP330000", T0)))


def entry(dataset: str, record: dict[str, Any], version: int = 1) -> dict[str, Any]:
    key = DATASETS[dataset].key_of(record)
    return {
        "idempotency_key": idempotency_key(dataset, key, version),
        "dataset": dataset,
        "version": version,
        "record": record,
    }


class Pusher:
    """Signs batches as a platform's software would, with an OpenSSL-made certificate."""

    def __init__(self, province: Province, pki: PkiWorld, tmp: Path, leaf: str = SIGNER) -> None:
        self.url = province.records_url
        chain = parse_certificates(signer_pem(pki, leaf, tmp).read_bytes())
        self.cert, self.chain = chain[0], chain[1:]
        self.key = PrivateKey.load(pki.leaves[leaf].key.read_bytes())

    def sign(self, body: bytes) -> str:
        der = sign_detached(body, self.cert, self.key, chain=self.chain, signing_time=T0)
        return base64.b64encode(der).decode()

    def body(self, entries: list[dict[str, Any]], platform: str = CITY) -> bytes:
        return canonical_json({"platform_code": platform, "records": entries})

    def post(
        self, entries: list[dict[str, Any]], platform: str = CITY, signature: str | None = None
    ) -> httpx.Response:
        body = self.body(entries, platform)
        headers = {"content-type": "application/json"}
        headers[SIGNATURE_HEADER] = signature if signature is not None else self.sign(body)
        return httpx.post(self.url, content=body, headers=headers, timeout=30)


def answers(response: httpx.Response) -> list[tuple[str, str | None]]:
    assert response.status_code == 200, response.text
    return [(r["status"], r.get("code")) for r in response.json()["results"]]


def test_a_section_before_its_project_is_refused_then_accepted_in_order_and_stored_once(
    province: Province, pki_world: PkiWorld, tmp_path: Path
) -> None:
    push, r = Pusher(province, pki_world, tmp_path), records()
    section = entry("SECTION", r["SECTION"])
    assert answers(push.post([section])) == [("refused", "missing-parent")]
    assert province.stored() == []
    both = [entry("TENDER_PROJECT", r["TENDER_PROJECT"]), section]
    assert answers(push.post(both)) == [("accepted", None), ("accepted", None)]
    assert answers(push.post(both)) == [("duplicate", None), ("duplicate", None)]
    assert len(province.stored()) == 2
    # A result needs its opening record.
    candidate = entry("WIN_CANDIDATE", r["WIN_CANDIDATE"])
    assert answers(push.post([candidate])) == [("refused", "missing-parent")]
    opening = entry("BID_OPENING_RECORD", r["BID_OPENING_RECORD"])
    assert answers(push.post([opening, candidate])) == [("accepted", None), ("accepted", None)]


def test_invalid_records_are_refused_with_their_codes_and_stored_nowhere(
    province: Province, pki_world: PkiWorld, tmp_path: Path
) -> None:
    push, r = Pusher(province, pki_world, tmp_path), records()
    project = r["TENDER_PROJECT"]
    bad_uscc = {**project, "TENDERER_CODE": project["TENDERER_CODE"][:17] + "X"}
    if bad_uscc["TENDERER_CODE"] == project["TENDERER_CODE"]:
        bad_uscc["TENDERER_CODE"] = project["TENDERER_CODE"][:17] + "Y"
    bad_amount = {**project, "INVEST_AMOUNT": 1200.5}
    bad_deal = {**project, "UNIFIED_DEAL_CODE": DEAL[:-1] + ("0" if DEAL[-1] != "0" else "1")}
    other_platform = records("PREX999999")["TENDER_PROJECT"]
    wrong_key = {**entry("TENDER_PROJECT", project), "idempotency_key": "TENDER_PROJECT:x:1"}
    response = push.post(
        [
            entry("TENDER_PROJECT", bad_uscc),
            entry("TENDER_PROJECT", bad_amount),
            entry("TENDER_PROJECT", bad_deal),
            entry("TENDER_PROJECT", other_platform),
            {**entry("TENDER_PROJECT", project), "dataset": "NO_SUCH_DATASET"},
            wrong_key,
        ]
    )
    assert answers(response) == [
        ("refused", "invalid-field"),
        ("refused", "invalid-field"),
        ("refused", "invalid-field"),
        ("refused", "invalid-field"),
        ("refused", "unknown-dataset"),
        ("refused", "bad-idempotency-key"),
    ]
    results = response.json()["results"]
    assert results[0]["fields"] == ["TENDERER_CODE"] and "check digit" in results[0]["message"]
    assert results[1]["fields"] == ["INVEST_AMOUNT"]
    assert results[2]["fields"] == ["UNIFIED_DEAL_CODE"]
    assert province.stored() == []


def test_an_older_version_after_a_newer_one_is_out_of_order(
    province: Province, pki_world: PkiWorld, tmp_path: Path
) -> None:
    push, r = Pusher(province, pki_world, tmp_path), records()
    v1 = entry("TENDER_PROJECT", r["TENDER_PROJECT"], 1)
    v2 = entry("TENDER_PROJECT", {**r["TENDER_PROJECT"], "NOTICE_TITLE": "更正"}, 2)
    assert answers(push.post([v2])) == [("accepted", None)]
    assert answers(push.post([v1])) == [("refused", "out-of-order")]
    changed = {**v2, "record": {**v2["record"], "NOTICE_TITLE": "又改了"}}
    assert answers(push.post([changed])) == [("refused", "conflict")]
    assert [s["version"] for s in province.stored()] == [2]


@pytest.mark.parametrize(
    ("case", "status", "slug"),
    [
        ("no-header", 422, "bad-signature"),
        ("not-base64", 422, "bad-signature"),
        ("other-bytes", 422, "bad-signature"),
        ("unknown-platform", 403, "unknown-platform"),
        ("other-certificate", 403, "unknown-platform"),
        ("untrusted-ca", 422, "certificate-refused"),
    ],
)
def test_a_push_not_signed_by_the_registered_platform_is_refused_whole(
    province: Province,
    pki_world: PkiWorld,
    tmp_path: Path,
    case: str,
    status: int,
    slug: str,
) -> None:
    push, r = Pusher(province, pki_world, tmp_path), records()
    batch = [entry("TENDER_PROJECT", r["TENDER_PROJECT"])]
    if case == "no-header":
        body = push.body(batch)
        response = httpx.post(push.url, content=body, timeout=30)
    elif case == "not-base64":
        response = push.post(batch, signature="%%%")
    elif case == "other-bytes":
        response = push.post(batch, signature=push.sign(b"something else"))
    elif case == "unknown-platform":
        response = push.post(batch, platform="PREX999999")
    elif case == "other-certificate":
        response = Pusher(province, pki_world, tmp_path, "ecdsa-p384").post(batch)
    else:
        response = Pusher(province, pki_world, tmp_path, "untrusted-org").post(batch)
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["type"] == f"/problems/{slug}" and problem["detail"]
    assert province.stored() == []


def test_an_operator_registers_a_platform_from_the_shell(
    province: Province, pki_world: PkiWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = province.services.settings
    monkeypatch.setenv("PREX_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("PREX_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PREX_PASSWORD_HASHING", "fast")
    leaf = signer_pem(pki_world, "ecdsa-p384", tmp_path)
    added = runner.invoke(
        app, ["upstream", "add-platform", "PREX330200", "--certificate", str(leaf), "--json"]
    )
    assert added.exit_code == 0, added.output
    # The credit code comes from the certificate, through its CA's profile.
    assert json.loads(added.output)["credit_code"] == pki_world.uscc["ecdsa-p384"]
    again = runner.invoke(
        app, ["upstream", "add-platform", "PREX330200", "--certificate", str(leaf)]
    )
    assert again.exit_code == 1 and "registered already" in again.output
    untrusted = signer_pem(pki_world, "untrusted-org", tmp_path)
    refused = runner.invoke(
        app, ["upstream", "add-platform", "PREXBAD", "--certificate", str(untrusted)]
    )
    assert refused.exit_code == 1 and refused.output.count("\n") == 1
    listed = runner.invoke(app, ["upstream", "platforms", "--json"])
    assert {p["code"] for p in json.loads(listed.output)} == {CITY, "PREX330200"}

    push = Pusher(province, pki_world, tmp_path, "ecdsa-p384")
    r = records("PREX330200")
    assert answers(push.post([entry("TENDER_PROJECT", r["TENDER_PROJECT"])], "PREX330200")) == [
        ("accepted", None)
    ]
    shown = runner.invoke(app, ["upstream", "records", "--platform", "PREX330200", "--json"])
    assert shown.exit_code == 0, shown.output
    assert [x["record"] for x in json.loads(shown.output)] == [r["TENDER_PROJECT"]]
    table = runner.invoke(app, ["upstream", "records"])
    assert table.exit_code == 0 and f"TENDER_PROJECT\t{DEAL}\tv1" in table.output
