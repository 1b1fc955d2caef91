"""Cardinal's indicator fixtures (../shared/peers/cardinal) and the settings each one needs,
derived from its file name as Cardinal's own test harness derives them (the README there)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "peers" / "cardinal" / "fixtures"


def fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.jsonl"))


def settings_for(name: str) -> str:
    """The INI text for a fixture: every fixture excludes procurementMethodDetails ``EXC`` and
    does not price-compare ``NPC``; ``CODE-FIELD-VALUE`` sets one field (``+`` is ``|``),
    ``CODE-FIELD-K1-V1-K2-V2…`` a map, ``CODE-anything`` runs with defaults."""
    code, *rest = name.split("-")
    lines = [
        "no_price_comparison_procurement_methods = NPC",
        "",
        "[exclusions]",
        "procurement_method_details = EXC",
        "",
    ]
    if len(rest) <= 1:
        lines.append(f"[{code}]")
    elif len(rest) == 2:
        lines += [f"[{code}]", f"{rest[0]} = {rest[1].replace('+', '|')}"]
    else:
        field, pairs = rest[0], rest[1:]
        lines += [f"[{code}]", "", f"[{code}.{field}]"]
        lines += [f"{k} = {v}" for k, v in zip(pairs[::2], pairs[1::2], strict=True)]
    return "\n".join(lines) + "\n"
