"""The SDK's small parsers and the generator's naming, as properties: ``Retry-After`` in either
form and capped, an error answer that is not a problem document still raised as one, and a
generated argument name always a fresh Python identifier."""

from __future__ import annotations

import keyword
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from prex_client import InvalidCall, ProblemError
from prex_client._spec import build, operations
from prex_client.client import _problem, _retry_after

from prex import sdk_gen


def answer(status: int, headers: dict[str, str] | None = None, **kw: object) -> httpx.Response:
    return httpx.Response(status, headers=headers, **kw)  # type: ignore[arg-type]


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False), st.floats(1, 600))
def test_retry_after_in_seconds_is_capped(seconds: float, cap: float) -> None:
    waited = _retry_after(answer(429, {"retry-after": f"{seconds:.3f}"}), cap)
    assert 0 <= waited <= cap
    assert waited == pytest.approx(min(round(seconds, 3), cap))


def test_retry_after_as_a_date_or_garbage() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    waited = _retry_after(answer(429, {"retry-after": format_datetime(later, usegmt=True)}), 60)
    assert 25 <= waited <= 30
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert _retry_after(answer(429, {"retry-after": past}), 60) == 0
    assert _retry_after(answer(429, {"retry-after": "soon"}), 60) == 1
    assert _retry_after(answer(429), 60) == 1


def test_an_error_that_is_not_a_problem_document_is_raised_as_one() -> None:
    plain = _problem(answer(502, text="upstream down"))
    assert isinstance(plain, ProblemError)
    assert (plain.status, plain.type, plain.detail) == (502, "about:blank", "upstream down")
    problem = _problem(
        answer(
            409,
            json={
                "type": "/problems/conflict",
                "title": "Conflict",
                "status": 409,
                "detail": "taken",
                "instance": "/api/v1/x",
                "rule": "R-1",
            },
        )
    )
    assert (problem.slug, problem.instance, problem["rule"]) == ("conflict", "/api/v1/x", "R-1")


def test_the_table_refuses_bodies_and_parameters_it_does_not_know() -> None:
    table = operations()
    upload = table["tenders_upload_document"]
    with pytest.raises(InvalidCall, match="needs a multipart body"):
        build(upload, {"tender_id": "t"}, {}, {})
    with pytest.raises(InvalidCall, match="takes a multipart body, not json"):
        build(upload, {"tender_id": "t"}, {}, {}, json={})
    with pytest.raises(InvalidCall, match="no path parameter bid_id"):
        build(upload, {"tender_id": "t", "bid_id": "b"}, {}, {}, files={"file": b"x"})
    request = build(
        table["bidding_submit_bid"],
        {"tender_id": "a/b c"},
        {},
        {"idempotency-key": "k" * 10},
        content=b"env",
    )
    assert request.url == "/api/v1/tenders/a%2Fb%20c/bids"
    assert request.headers == {
        "Idempotency-Key": "k" * 10,
        "Content-Type": "application/octet-stream",
    }


@given(st.lists(st.text(min_size=0, max_size=12), max_size=8))
def test_generated_argument_names_are_fresh_identifiers(names: list[str]) -> None:
    taken: set[str] = {"data", "files"}
    made = [sdk_gen._identifier(name, taken) for name in names]
    assert len(set(made)) == len(made)
    for ident in made:
        assert ident.isidentifier() and not keyword.iskeyword(ident)
        assert ident not in {"self", "json", "content", "data", "files"}
