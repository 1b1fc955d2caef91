"""Valid expert rows for tests, made independently of the code under test: identity numbers
with the GB 11643 check character, credit codes with the GB 32100 one."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from prex.identity.uscc import make_uscc

HEADER = [
    "name",
    "id_number",
    "phone",
    "employer_uscc",
    "title",
    "years_of_practice",
    "specialties",
    "home_centre",
    "credit_score",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "海燕", "志强", "秀英", "文博", "丽华", "晓东", "明轩", "淑芬", "国栋"]


def person_id(n: int, division: str = "330106") -> str:
    """The n-th made-up resident identity number: birth date and serial from n."""
    born = date(1960, 1, 1) + timedelta(days=n // 1000)
    first17 = f"{division}{born:%Y%m%d}{n % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def employer(n: int) -> str:
    return make_uscc(f"91330100MA{n:07d}")


def row(n: int, **overrides: Any) -> dict[str, str]:
    """A row that passes every check (home centre 330000, the test world's province)."""
    values = {
        "name": SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)],
        "id_number": person_id(n),
        "phone": f"138{n:08d}",
        "employer_uscc": employer(n % 50 + 1),
        "title": ("正高级", "副高级")[n % 2],
        "years_of_practice": str(8 + n % 25),
        "specialties": ("A0801;A06", "B0401", "C01;A0405", "A08")[n % 4],
        "home_centre": "330000",
        "credit_score": str(60 + n % 41),
    }
    values.update({k: str(v) for k, v in overrides.items()})
    return values


def csv_bytes(rows: list[dict[str, str]] | list[list[str]], *, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow([r.get(h, "") for h in HEADER] if isinstance(r, dict) else r)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")
