"""The sender's choice of rows: oldest first, a deal waiting out a back-off holds back all its
later records (they never overtake it) while other deals go on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from prex.exchange.dataspec.sender import _eligible

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def row(n: int, deal: str, wait: int = 0) -> SimpleNamespace:
    return SimpleNamespace(id=n, deal_code=deal, next_attempt_at=NOW + timedelta(seconds=wait))


def test_a_deal_backing_off_holds_its_later_records_and_not_the_other_deals() -> None:
    rows = [row(1, "A"), row(2, "B", wait=30), row(3, "A"), row(4, "B"), row(5, "C")]
    assert [r.id for r in _eligible(rows, NOW, 10)] == [1, 3, 5]


def test_the_batch_size_is_respected_in_queue_order() -> None:
    rows = [row(n, "A") for n in range(1, 8)]
    assert [r.id for r in _eligible(rows, NOW, 3)] == [1, 2, 3]
