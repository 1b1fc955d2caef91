"""Acceptance (issue 8): on a generated market where planted cartels share fingerprints in some
lots, rotate wins and price in a tight band above each other, and honest bidders do not, every
non-Cardinal rule runs through the engine; the lots flagged with medium or high severity are
the cartels' lots and no honest-only lot. Low-severity hits (one shared fingerprint field, the
price screens, which by construction flag a share of any market, HHI, near-ceiling prices) are
leads for a supervisor, not flags; their own precision is printed for information."""

from __future__ import annotations

import pytest

from prex.analytics.flags.engine import run_rules
from prex.analytics.flags.rule import load_rules
from prex.analytics.synthetic import generate_market
from prex.analytics.warehouse.store import connect_tables


@pytest.mark.parametrize("seed", [8, 2024, 31337])
def test_the_engine_finds_the_planted_cartels_and_no_honest_lot(seed: int) -> None:
    tables, truth = generate_market(seed, 400)
    con = connect_tables(tables)
    rules = [r for r in load_rules() if r.family != "cardinal"]
    assert {r.family for r in rules} == {"collusion", "screen", "market"}
    hits = run_rules(con, rules)
    flagged = {h.lot_id for h in hits if h.lot_id and h.severity in ("medium", "high")}

    true_positives = flagged & truth.cartel_lots
    precision = len(true_positives) / len(flagged) if flagged else 0.0
    recall = len(true_positives) / len(truth.cartel_lots)
    honest_flagged = sorted(flagged & truth.honest_lots)
    print(
        f"seed {seed}: {len(truth.cartel_lots)} cartel lots, {len(truth.honest_lots)} honest-only"
        f" lots, {len(flagged)} flagged: precision {precision:.3f}, recall {recall:.3f}"
    )
    for code in sorted({h.code for h in hits if h.lot_id}):
        lots = {h.lot_id for h in hits if h.code == code}
        print(
            f"  {code}: {len(lots & truth.cartel_lots)} cartel lots,"
            f" {len(lots & truth.honest_lots)} honest-only lots"
        )
    assert precision >= 0.9, precision
    assert recall >= 0.9, recall
    assert honest_flagged == []
    # not even a weak art. 40 hit on an honest-only lot: placeholders (honest bidders on virtual
    # machines) and each bidder's own machine, address, account and staff never match
    presumptions = {h.lot_id for h in hits if h.code.startswith("C")}
    assert not presumptions & truth.honest_lots
