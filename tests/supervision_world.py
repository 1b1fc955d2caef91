"""Rules and hits for the supervision tests: plain values, no warehouse needed.

Two collusion presumptions and one Cardinal indicator, as ``record_run`` sees them; a hit
about two bidders of one tender counts for the tender and for each bidder."""

from __future__ import annotations

from prex.analytics.flags.rule import Hit, Rule

SQL = "SELECT 'Tender' AS grp, 'x' AS id, 1.0 AS value"


def rule(code: str, family: str, severity: str) -> Rule:
    return Rule(
        code=code,
        title=f"test rule {code}",
        title_zh=f"测试规则 {code}",
        family=family,
        severity=severity,
        groups=("Tender", "Bidder", "OCID", "Tenderer"),
        tables=("tenders",),
        sql=SQL,
    )


C001 = rule("C001", "collusion", "high")  # identical machine fingerprints: 45 points
C002 = rule("C002", "collusion", "high")  # identical upload address: 45 points
R018 = rule("R018", "cardinal", "medium")  # a single bid: 15 points
RULES = [C001, C002, R018]


def bidder_hit(r: Rule, bidder: str, tender: str, value: float = 3.0) -> Hit:
    return Hit(
        code=r.code,
        group="Bidder",
        subject_id=bidder,
        value=value,
        severity=r.severity,
        tender_id=tender,
        lot_id=f"{tender}-L1",
        detail={"matching": ["mac", "cpu"], "bidders": 3},
    )


def tender_hit(r: Rule, tender: str) -> Hit:
    return Hit(code=r.code, group="Tender", subject_id=tender, value=1.0, severity=r.severity)
