"""The deduction table of experts' credit (``deductions.toml``): which behaviour on the platform
costs how many points, and when accumulated points blacklist the expert.

Behaviours: ``absent`` and ``refused`` are read from the committee's answers (an outbox
consumer, :func:`prex.credit.experts.consume_expert_behaviour`); ``deviation`` is a supervisor's
finding that a justified deviating score had no sound justification; ``complaint_upheld`` comes
from a complaint decision (the integrator's call). Pure: reads the bundled TOML only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from prex.shared.errors import InvalidInput


@dataclass(frozen=True)
class Deduction:
    code: str
    behaviour: str
    points: int
    title: str
    title_zh: str
    basis: str


@dataclass(frozen=True)
class DeductionTable:
    window_days: int
    blacklist_threshold: int
    blacklist_days: int
    blacklist_basis: str
    rules: tuple[Deduction, ...]

    def for_behaviour(self, behaviour: str) -> Deduction:
        for rule in self.rules:
            if rule.behaviour == behaviour:
                return rule
        known = ", ".join(rule.behaviour for rule in self.rules)
        raise InvalidInput(f"behaviour is one of {known}", field="behaviour")


@cache
def bundled_table() -> DeductionTable:
    text = (resources.files("prex.credit") / "deductions.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return DeductionTable(
        window_days=int(data["window_days"]),
        blacklist_threshold=int(data["blacklist_threshold"]),
        blacklist_days=int(data["blacklist_days"]),
        blacklist_basis=str(data["blacklist_basis"]),
        rules=tuple(Deduction(**rule) for rule in data["rule"]),
    )
