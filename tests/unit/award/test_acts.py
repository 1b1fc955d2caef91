"""What signers sign and how signatures arrive: canonical act bytes and the base64/PEM parser."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.award.acts import MAX_SIGNATURE, act_bytes, signature_der
from prex.shared.errors import InvalidInput

texts = st.text(max_size=200)


@given(st.binary(min_size=1, max_size=4096))
def test_a_signature_arrives_as_base64_or_pem_and_is_read_back_exactly(der: bytes) -> None:
    text = base64.b64encode(der).decode()
    assert signature_der(text) == der
    body = "\n".join(text[i : i + 64] for i in range(0, len(text), 64))
    pem = f"-----BEGIN CMS-----\n{body}\n-----END CMS-----\n"
    assert signature_der(pem) == der


@given(st.text(alphabet="!@#$%^&*()签名，。", min_size=1, max_size=50))
def test_anything_that_is_not_base64_is_refused_with_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        signature_der(text)
    assert refused.value.field == "signature"


def test_empty_and_oversized_signatures_are_refused() -> None:
    for text in ("", "   ", base64.b64encode(b"x" * (MAX_SIGNATURE + 1)).decode()):
        with pytest.raises(InvalidInput):
            signature_der(text)


@given(texts, texts)
def test_act_bytes_are_canonical_json_with_the_act_named(tender_id: str, text: str) -> None:
    data = act_bytes("result-objection", tender_id=tender_id, text=text)
    assert json.loads(data) == {"act": "result-objection", "tender_id": tender_id, "text": text}
    again = act_bytes("result-objection", text=text, tender_id=tender_id)  # order-free
    assert data == again
    assert (
        data
        == json.dumps(
            {"act": "result-objection", "tender_id": tender_id, "text": text},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
    )
