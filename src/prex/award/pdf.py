"""The evaluation report rendered as PDF (reportlab), byte-for-byte reproducible.

Chinese text uses the Adobe-GB1 CID font STSong-Light that every PDF reader knows, so the file
needs no font on the server; ``invariant`` fixes the document id and dates, so the same report
always gives the same bytes and its SHA-256 in the JSON report is checkable by rendering again.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=14, wordWrap="CJK")
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=18, leading=26, alignment=1)
_HEAD = ParagraphStyle("head", parent=_BODY, fontSize=12, leading=18, spaceBefore=8)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=7.5, leading=10)


def _p(text: Any, style: ParagraphStyle = _BODY) -> Paragraph:
    safe = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe, style)


def _table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table([[_p(cell) for cell in row] for row in rows], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render(report: dict[str, Any]) -> bytes:
    """The PDF of a ``prex-evaluation-report`` (see :mod:`prex.award.report`)."""
    tender = report["tender"]
    story: list[Any] = [
        _p("评标报告", _TITLE),
        Spacer(1, 4 * mm),
        _p(f"项目：{tender['title']}"),
        _p(f"交易编号：{tender['deal_code']}　招标项目 ID：{tender['id']}"),
        _p(f"评标办法：{report['method']}　基准价系数：{report['coefficient'] or '—'}"),
        _p(f"开标记录 SHA-256：{report['opening_sha256']}", _SMALL),
        _p(f"评标结果 SHA-256：{report['result_sha256']}", _SMALL),
        _p("评标委员会", _HEAD),
        _table(
            [["代号", "姓名", "专业", "场地"]]
            + [
                [m["pseudonym"], m["name"], m["specialty"], m["venue"]] for m in report["committee"]
            ],
            [30 * mm, 40 * mm, 40 * mm, 60 * mm],
        ),
    ]
    for section in report["sections"]:
        story.append(_p(f"标段 {section['section_name']}", _HEAD))
        if section["benchmark"] is not None:
            story.append(_p(f"评标基准价：{section['benchmark']}"))
        story.append(
            _table(
                [["排名", "投标人", "统一社会信用代码", "投标报价（元）", "得分", "候选人"]]
                + [
                    [
                        c["rank"],
                        c["bidder_name"],
                        c["bidder_uscc"],
                        c["price"],
                        c["total"] or "—",
                        "是" if c["bid_id"] in section["candidates"] else "",
                    ]
                    for c in section["ranking"]
                ],
                [12 * mm, 48 * mm, 38 * mm, 30 * mm, 18 * mm, 14 * mm],
            )
        )
        if section["rejected"]:
            story.append(_p("否决投标情况", _HEAD))
            story.append(
                _table(
                    [["投标人", "理由"]]
                    + [[r["bidder_name"], r["reason"]] for r in section["rejected"]],
                    [60 * mm, 110 * mm],
                )
            )
        if section["justifications"]:
            story.append(_p("评分偏离说明", _HEAD))
            story.append(
                _table(
                    [["代号", "投标人", "评分项", "说明"]]
                    + [
                        [j["member"], j["bidder_name"], j["criterion"], j["reason"]]
                        for j in section["justifications"]
                    ],
                    [20 * mm, 45 * mm, 30 * mm, 75 * mm],
                )
            )
    story.append(Spacer(1, 6 * mm))
    story.append(
        _p(
            "本报告由评标委员会全体成员以数字证书签名（CMS / GB/T 35275），签名覆盖 JSON "
            "格式报告的规范字节，其中包含本 PDF 的 SHA-256。",
            _SMALL,
        )
    )
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"评标报告 {tender['deal_code']}",
        author="prex",
        invariant=1,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )
    doc.build(story)
    return out.getvalue()
