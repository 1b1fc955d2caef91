"""The guarantee document's canonical form and its verification (real OpenSSL certificates):
the bytes are exactly the documented ones, parsing refuses anything else, and changing any one
byte of a signed document gets it refused (format or signature) — never accepted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prex.bootstrap import Services
from prex.guarantees.errors import GuaranteeInvalid
from prex.guarantees.model import (
    Application,
    DocumentFormatError,
    GuaranteeTerms,
    document_bytes,
    parse_document,
)
from prex.guarantees.verify import verify_guarantee
from prex.pki.certs import parse_certificates
from prex.pki.cms import sign_detached
from prex.pki.keys import PrivateKey
from tests.pki_helpers import trust_world
from tests.pki_openssl import PkiWorld

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
APPLICATION = Application(
    application_id="01JGUARANTEE0000000000000A",
    tender_id="01JTENDER00000000000000000",
    tender_code="E3301000001001001",
    tender_title="西湖区道路改造工程施工",
    section_id="01JSECTION0000000000000000",
    beneficiary_name="杭州市西湖区城建中心",
    beneficiary_uscc="12330106MB0000000X",
    applicant_name="杭州西溪医疗器械有限公司",
    applicant_uscc="91330100000000014X",
    amount=Decimal("200000.00"),
    cover_from=date(2026, 12, 20),
    cover_until=date(2027, 3, 20),
)


def terms(uscc: str, **over: object) -> GuaranteeTerms:
    fields: dict[str, object] = {
        "guarantor_name": "杭州之江工程咨询有限公司",
        "guarantor_uscc": uscc,
        "guarantee_number": "ZJB-2026-0001",
        "amount": Decimal("200000.00"),
        "valid_from": date(2026, 11, 28),
        "valid_until": date(2027, 3, 20),
        "issued_at": NOW,
        "terms": "不可撤销",
        **over,
    }
    return GuaranteeTerms(**fields)  # type: ignore[arg-type]


def test_the_document_is_canonical_json_byte_for_byte() -> None:
    data = document_bytes(APPLICATION, terms("91330100000000015X"))
    expected = (
        '{"act":"bid-guarantee","amount":"200000.00",'
        '"applicant":{"name":"杭州西溪医疗器械有限公司","uscc":"91330100000000014X"},'
        '"application_id":"01JGUARANTEE0000000000000A",'
        '"beneficiary":{"name":"杭州市西湖区城建中心","uscc":"12330106MB0000000X"},'
        '"currency":"CNY",'
        '"guarantee_number":"ZJB-2026-0001",'
        '"guarantor":{"name":"杭州之江工程咨询有限公司","uscc":"91330100000000015X"},'
        '"issued_at":"2026-11-28T08:00:00+00:00",'
        '"section_id":"01JSECTION0000000000000000",'
        '"tender":{"code":"E3301000001001001","id":"01JTENDER00000000000000000",'
        '"title":"西湖区道路改造工程施工"},'
        '"terms":"不可撤销",'
        '"valid_from":"2026-11-28","valid_until":"2027-03-20"}'
    )
    assert data == expected.encode("utf-8")
    parsed = parse_document(data)
    assert parsed.amount == Decimal("200000.00") and parsed.guarantee_number == "ZJB-2026-0001"
    assert parsed.application_fields() == APPLICATION.fields()
    assert Application.from_json(APPLICATION.to_json()) == APPLICATION


names = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30)


@given(
    name=names,
    number=st.text(alphabet="ABCDEFG-0123456789", min_size=1, max_size=40),
    fen=st.integers(min_value=1, max_value=10**12),
)
def test_any_document_parses_back_to_its_fields(name: str, number: str, fen: int) -> None:
    amount = Decimal(fen) / 100
    data = document_bytes(
        APPLICATION,
        terms("91330100000000015X", guarantor_name=name, guarantee_number=number, amount=amount),
    )
    parsed = parse_document(data)
    assert (parsed.guarantor_name, parsed.guarantee_number, parsed.amount) == (
        name,
        number,
        amount,
    )


@pytest.mark.parametrize(
    "bad",
    [
        b"",
        b"[]",
        b'{"act":"bid-guarantee"}',
        b"\xff\xfe",
        b'{ "act": "bid-guarantee" }',
    ],
)
def test_anything_but_a_canonical_document_is_refused(bad: bytes) -> None:
    with pytest.raises(DocumentFormatError):
        parse_document(bad)


class Signed:
    def __init__(self, services: Services, pki: PkiWorld, tmp: Path) -> None:
        trust_world(services, pki)
        leaf = pki.leaves["ecdsa-p384"]
        self.uscc = pki.uscc["ecdsa-p384"]
        certs = parse_certificates(
            leaf.cert.read_bytes() + b"".join(p.read_bytes() for p in leaf.chain)
        )
        self.data = document_bytes(APPLICATION, terms(self.uscc))
        self.signature = sign_detached(
            self.data,
            certs[0],
            PrivateKey.load(leaf.key.read_bytes()),
            chain=certs[1:],
            signing_time=NOW,
        )
        self.services = services

    def verify(self, data: bytes) -> None:
        verify_guarantee(
            self.services.pki,
            data,
            self.signature,
            application=APPLICATION,
            cap=Decimal("250000.00"),
            requested_at=NOW,
            now=NOW,
        )


@pytest.fixture
def signed(services: Services, pki_world: PkiWorld, tmp_path: Path) -> Signed:
    return Signed(services, pki_world, tmp_path)


def test_the_signed_document_verifies(signed: Signed) -> None:
    signed.verify(signed.data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(at=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_changing_any_byte_is_refused(signed: Signed, at: int, flip: int) -> None:
    position = at % len(signed.data)
    data = bytearray(signed.data)
    data[position] ^= flip
    with pytest.raises(GuaranteeInvalid) as refused:
        signed.verify(bytes(data))
    assert refused.value.check in ("format", "signature")
