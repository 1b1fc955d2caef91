"""The report's PDF: the same report gives the same bytes (its SHA-256 is in the signed JSON),
a different report different bytes, and the Chinese text is set in the CID font readers know."""

from __future__ import annotations

from typing import Any

from prex.award.pdf import FONT, render


def report(**change: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "tender": {"id": "T1", "deal_code": "330100-2026-00001-001", "title": "钱塘江堤防加固工程"},
        "method": "综合评估法",
        "coefficient": "0.97",
        "opening_sha256": "ab" * 32,
        "result_sha256": "cd" * 32,
        "committee": [
            {"pseudonym": "专家A1", "name": "王建国", "specialty": "A0801", "venue": "浙江"},
        ],
        "sections": [
            {
                "section_name": "一标段",
                "benchmark": "9500000.00",
                "candidates": ["b1"],
                "ranking": [
                    {
                        "rank": 1,
                        "bid_id": "b1",
                        "bidder_name": "浙江之江建设 <有限> & 公司",
                        "bidder_uscc": "91330100MA0000001X",
                        "price": "9400000.00",
                        "total": "91.25",
                    }
                ],
                "rejected": [{"bidder_name": "某公司", "reason": "资质不符"}],
                "justifications": [
                    {"member": "专家A1", "bidder_name": "某公司", "criterion": "c", "reason": "r"}
                ],
            }
        ],
    }
    base.update(change)
    return base


def test_the_same_report_renders_to_the_same_bytes() -> None:
    first, second = render(report()), render(report())
    assert first == second and first.startswith(b"%PDF-")
    assert FONT.encode() in first


def test_a_different_report_renders_differently() -> None:
    assert render(report()) != render(report(coefficient="0.98"))
