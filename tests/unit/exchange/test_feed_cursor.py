"""The feed's cursor: opaque, canonical, and refused with a problem when it is not ours."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from prex.exchange.feed import InvalidCursor, decode_cursor, encode_cursor


@given(st.integers(min_value=0, max_value=10**17))
def test_a_cursor_decodes_to_the_position_it_was_made_from(position: int) -> None:
    assert decode_cursor(encode_cursor(position)) == position


def test_no_cursor_is_the_start_of_the_feed() -> None:
    assert decode_cursor(None) == 0
    assert decode_cursor("") == 0


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%",
        "12",
        _b64("feed.v1.-1"),
        _b64("feed.v1.007"),
        _b64("feed.v2.7"),
        _b64("feed.v1.7 "),
        _b64("feed.v1.1e3"),
        _b64("feed.v1."),
        _b64("feed.v1.99999999999999999999"),
        encode_cursor(7) + "=",
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_a_malformed_cursor_is_refused_naming_the_field(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as caught:
        decode_cursor(cursor)
    assert caught.value.field == "cursor"
    assert caught.value.slug == "invalid-feed-cursor"


@given(st.text(max_size=40))
def test_any_text_either_decodes_canonically_or_is_refused(text: str) -> None:
    try:
        position = decode_cursor(text)
    except InvalidCursor:
        return
    assert text == "" or encode_cursor(position) == text
