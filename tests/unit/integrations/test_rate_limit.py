"""The per-client token bucket: never more than ``burst`` plus the refill over the elapsed time,
and a refused caller told a wait after which it is served."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from prex.integrations.model import RateLimiter


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@given(
    per_minute=st.integers(1, 600),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=200),
)
def test_granted_calls_never_exceed_the_burst_plus_the_refill(
    per_minute: int, burst: int, gaps: list[float]
) -> None:
    ticks = Ticks()
    limiter = RateLimiter(clock=ticks)
    granted = 0
    for gap in gaps:
        ticks.now += gap
        if limiter.retry_after("c", per_minute, burst) == 0:
            granted += 1
    assert granted <= burst + ticks.now * per_minute / 60 + 1e-9


@given(per_minute=st.integers(1, 600), burst=st.integers(1, 50))
def test_a_refused_caller_is_served_after_the_wait_it_was_told(per_minute: int, burst: int) -> None:
    ticks = Ticks()
    limiter = RateLimiter(clock=ticks)
    for _ in range(burst):
        assert limiter.retry_after("c", per_minute, burst) == 0
    wait = limiter.retry_after("c", per_minute, burst)
    assert wait >= 1
    assert limiter.retry_after("other", per_minute, burst) == 0  # budgets are per client
    ticks.now += wait
    assert limiter.retry_after("c", per_minute, burst) == 0
