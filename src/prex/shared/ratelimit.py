"""Token buckets keyed by a caller: the one rate limiter of prex.

Machine clients' budgets (:mod:`prex.web.machine`) and the per-endpoint budgets of expensive
routes (:mod:`prex.web.ratelimits`) both spend from a :class:`RateLimiter`. It lives in the
memory of one web process, on purpose: a limiter exists to keep one process (and the database
behind it) from being swamped, and a shared store would add a write to every read. With N web
processes a caller gets up to N times its budget; operators size budgets per process
(docs/operations.md, "Rate limits"). What must hold across processes — login lock-outs — is
kept in the database instead (:mod:`prex.identity.lockout`), using the same bucket arithmetic.

Only the standard library here (STYLE.md habit 1).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """``capacity`` requests at once, refilled at ``rate`` per second (the classic bucket)."""

    capacity: float
    rate: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self) -> float:
        """Seconds until one token is available (0 when one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> float:
        """Spend one token; returns 0 when granted, else the seconds until one is available."""
        self.refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return self.wait()


def whole_seconds(wait: float) -> int:
    """A wait as ``Retry-After`` gives it: 0, or whole seconds rounded up (at least 1)."""
    return 0 if wait <= 0 else max(1, math.ceil(wait))


@dataclass
class RateLimiter:
    """Token buckets per key (a client id, ``"<endpoint>|<caller>"`` …) in this process's memory.

    A shortcut on purpose: with several web processes each keeps its own buckets, so a caller
    gets up to N times its budget; a shared store (PostgreSQL or Redis) would make it exact."""

    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000  # beyond this, full (idle) buckets are forgotten
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: str, per_minute: float, burst: int) -> int:
        """0 when the call may go ahead, else whole seconds to wait (at least 1)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            rate = per_minute / 60.0
            if bucket is None or bucket.capacity != burst or bucket.rate != rate:
                if len(self._buckets) >= self.max_keys:
                    self._forget_idle(now)
                bucket = TokenBucket(float(burst), rate, float(burst), now)
                self._buckets[key] = bucket
            wait = bucket.take(now)
        return whole_seconds(wait)

    def _forget_idle(self, now: float) -> None:
        for key, bucket in list(self._buckets.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.capacity:
                del self._buckets[key]
