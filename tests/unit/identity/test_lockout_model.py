"""Login guards over random sequences of attempts agree with a plain model of the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from prex.identity import lockout
from prex.identity.orm import login_guards

LIMITS = lockout.LoginLimits(
    max_failures=3, lock_minutes=1, lock_max_minutes=4, address_burst=4, address_per_minute=6
)
T0 = datetime(2026, 3, 2, tzinfo=UTC)
NAMES = ["alice", "bob", "ghost"]
ADDRESSES = ["10.0.0.1", "10.0.0.2"]


@dataclass
class Model:
    """The rules as the docs state them, nothing shared with the implementation."""

    failures: dict[str, int] = field(default_factory=dict)
    lockouts: dict[str, int] = field(default_factory=dict)
    until: dict[str, datetime] = field(default_factory=dict)
    tokens: dict[str, tuple[float, datetime]] = field(default_factory=dict)

    def _tokens(self, address: str, now: datetime) -> float:
        tokens, stamp = self.tokens.get(address, (4.0, now))
        return min(4.0, tokens + (now - stamp).total_seconds() / 10)  # 6 a minute

    def refused(self, name: str, address: str, now: datetime) -> bool:
        locked = self.until.get(name, T0) > now
        return locked or self._tokens(address, now) < 1

    def fail(self, name: str, address: str, now: datetime) -> None:
        self.tokens[address] = (max(0.0, self._tokens(address, now) - 1), now)
        self.failures[name] = self.failures.get(name, 0) + 1
        if self.failures[name] >= 3:
            self.lockouts[name] = self.lockouts.get(name, 0) + 1
            self.until[name] = now + timedelta(minutes=min(4, 2 ** (self.lockouts[name] - 1)))
            self.failures[name] = 0

    def succeed(self, name: str) -> None:
        self.failures.pop(name, None)
        self.lockouts.pop(name, None)
        self.until.pop(name, None)


steps = st.lists(
    st.tuples(
        st.sampled_from(["fail", "succeed", "wait"]),
        st.sampled_from(NAMES),
        st.sampled_from(ADDRESSES),
        st.integers(min_value=1, max_value=200),
    ),
    max_size=40,
)


@given(steps)
@settings(max_examples=40, deadline=None)
def test_guards_agree_with_the_model(sequence: list[tuple[str, str, str, int]]) -> None:
    engine = create_engine("sqlite://")
    login_guards.create(engine)
    model = Model()
    now = T0
    with Session(engine) as session:
        for kind, name, address, seconds in sequence:
            if kind == "wait":
                now += timedelta(seconds=seconds)
                continue
            refused = lockout.refusal(session, LIMITS, lockout.account_key(name), address, now) > 0
            assert refused == model.refused(name, address, now)
            if refused:
                continue  # a refused attempt changes nothing
            if kind == "fail":
                lockout.record_failure(session, LIMITS, lockout.account_key(name), address, now)
                model.fail(name, address, now)
            else:
                lockout.clear(session, lockout.account_key(name))
                model.succeed(name)
    engine.dispose()
