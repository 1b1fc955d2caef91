"""Importing experts from a CSV file (评标专家批量导入), row by row, losing nothing.

The file is UTF-8, with or without a byte-order mark (Excel: "CSV UTF-8"). Its first non-blank
line names the columns, in any order, in English or Chinese:

- ``name`` (姓名, required): the expert's name;
- ``id_number`` (身份证号, required): resident identity number, check character verified;
- ``phone`` (手机号, required): a mobile, or a landline with its area code;
- ``employer_uscc`` (工作单位信用代码): the employer's credit code, check digit verified;
  empty: no employer (retired);
- ``title`` (职称级别, required): 正高级, 副高级, 中级 or 初级;
- ``years_of_practice`` (从业年限, required): whole years;
- ``specialties`` (专业代码, required): specialty codes (``codes``) separated by ``;``;
- ``home_centre`` (所属中心): the home centre's division code; empty: the default centre;
- ``credit_score`` (信用分): 0–100; empty: 100.

Every data row is checked on its own — each field, then the entry rule (8 years and a senior
title), then that no earlier row of the file has the same identity number — and either imported
whole or reported with its line number and every reason it was refused; blank rows are skipped.
Re-importing a file is idempotent: an expert is found by identity number and updated (or left
unchanged), never duplicated. Rows are written in batches of :data:`BATCH`, one transaction
each; a batch that fails is retried row by row so that only the failing row is refused.

A file that cannot be read as a whole — not UTF-8, no header, an unknown, missing or repeated
column, more than :data:`MAX_ROWS` rows — is refused whole, and nothing is imported.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from prex.db.uow import SqlUnitOfWork
from prex.experts import events as ev
from prex.experts.codes import parse_specialties
from prex.experts.fields import (
    id_digest,
    validate_credit,
    validate_name,
    validate_optional_uscc,
    validate_phone,
    validate_resident_id,
    validate_years,
)
from prex.experts.model import MAX_CREDIT, ExpertData, Title, entry_refusals, parse_title
from prex.experts.orm import experts
from prex.experts.registry import save_within
from prex.identity.divisions import validate_division
from prex.identity.orm import centres
from prex.identity.policy import Action, Resource, authorize, is_allowed
from prex.shared.errors import DomainError, InvalidInput, NotFound
from prex.shared.ids import new_id

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
BATCH = 100
Progress = Callable[[int, int], None]  # (rows written, rows to write)


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    headers: tuple[str, ...]  # accepted header names (compared trimmed, case-insensitively)
    required: bool


COLUMNS = (
    ColumnSpec("name", ("name", "姓名"), True),
    ColumnSpec("id_number", ("id_number", "身份证号", "身份证号码"), True),
    ColumnSpec("phone", ("phone", "手机号", "手机", "联系电话"), True),
    ColumnSpec(
        "employer_uscc",
        ("employer_uscc", "工作单位信用代码", "工作单位统一社会信用代码", "单位信用代码"),
        False,
    ),
    ColumnSpec("title", ("title", "职称级别", "职称"), True),
    ColumnSpec("years_of_practice", ("years_of_practice", "从业年限"), True),
    ColumnSpec("specialties", ("specialties", "专业代码", "专业"), True),
    ColumnSpec("home_centre", ("home_centre", "所属中心", "所属中心区划代码"), False),
    ColumnSpec("credit_score", ("credit_score", "信用分"), False),
)
_BY_HEADER = {h.lower(): c.key for c in COLUMNS for h in c.headers}


@dataclass(frozen=True)
class CsvExpert:
    """A row that passed every check it can pass without the database."""

    line: int
    name: str
    id_number: str
    phone: str
    employer_uscc: str | None
    title: Title
    years_of_practice: int
    specialties: tuple[str, ...]
    home_centre: str | None  # division code; None: the default centre
    credit_score: int


@dataclass(frozen=True)
class RowResult:
    line: int
    outcome: str  # created | updated | unchanged | rejected
    expert_id: str | None = None
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedFile:
    sha256: str
    rows: tuple[CsvExpert, ...]
    rejected: tuple[RowResult, ...]


@dataclass(frozen=True)
class ImportReport:
    import_id: str
    file_sha256: str
    results: tuple[RowResult, ...]  # one per data row, by line

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def rejected(self) -> tuple[RowResult, ...]:
        return tuple(r for r in self.results if r.outcome == "rejected")

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> dict[str, int]:
        return {
            "rows": len(self.results),
            **{k: self.count(k) for k in ("created", "updated", "unchanged", "rejected")},
        }


def _decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            f"an import file is at most {MAX_BYTES // (1024 * 1024)} MiB; split it", field="file"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}): save it as "
            "'CSV UTF-8' (a GBK file from an older Excel is not accepted)",
            field="file",
        ) from None


def _records(text: str) -> Iterator[tuple[int, int, list[str]]]:
    """(first line, last line, fields) of every record, blank ones included."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidInput(
                f"line {start}: the file cannot be read as CSV ({exc}); is a quote left open?",
                field="file",
            ) from None
        yield start, reader.line_num, record


def _header(cells: list[str]) -> list[str | None]:
    """Each header cell's column key (None: an unnamed column), or a refusal of the file."""
    keys: list[str | None] = []
    problems: list[str] = []
    for position, cell in enumerate(cells, start=1):
        name = cell.strip()
        if not name:
            keys.append(None)
            continue
        key = _BY_HEADER.get(name.lower().replace(" ", "_"))
        if key is None:
            problems.append(f"column {position} '{name}' is not a known column")
        elif key in keys:
            problems.append(f"column {position} '{name}' repeats the column '{key}'")
        keys.append(key)
    missing = [c.headers[0] for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        problems.append(f"required columns are missing: {', '.join(missing)}")
    if problems:
        known = ", ".join(c.headers[0] for c in COLUMNS)
        raise InvalidInput(
            f"line 1 (the header): {'; '.join(problems)}. The columns are: {known}",
            field="file",
        )
    return keys


def _check(line: int, end: int, cells: list[str], keys: list[str | None]) -> CsvExpert | list[str]:
    """The row as a :class:`CsvExpert`, or every reason it is refused."""
    if len(cells) < len(keys) or any(c.strip() for c in cells[len(keys) :]):
        reason = f"the row has {len(cells)} fields, the header has {len(keys)}"
        if end > line:
            reason += f" (it spans lines {line}–{end}: is a quote left open?)"
        return [reason]
    values: dict[str, str] = {}
    reasons: list[str] = []
    for position, (key, cell) in enumerate(zip(keys, cells, strict=False), start=1):
        if key is None:
            if cell.strip():
                reasons.append(f"column {position} has no name in the header but holds '{cell}'")
            continue
        values[key] = cell
    parsed: dict[str, Any] = {}
    checks: dict[str, Callable[[str], Any]] = {
        "name": validate_name,
        "id_number": validate_resident_id,
        "phone": validate_phone,
        "employer_uscc": validate_optional_uscc,
        "title": parse_title,
        "years_of_practice": validate_years,
        "specialties": parse_specialties,
        "home_centre": lambda v: validate_division(v) if v.strip() else None,
        "credit_score": lambda v: validate_credit(v) if v.strip() else MAX_CREDIT,
    }
    for key, check in checks.items():
        raw = values.get(key, "")
        try:
            parsed[key] = check(raw)
        except InvalidInput as exc:
            reasons.append(f"{key}: {exc.message}")
    if "title" in parsed and "years_of_practice" in parsed:
        reasons += entry_refusals(parsed["title"], parsed["years_of_practice"])
    if reasons:
        return reasons
    return CsvExpert(line=line, **parsed)


def parse_csv(data: bytes) -> ParsedFile:
    """Read and check a file without touching the database: the rows that may be imported and
    the rows refused (by line), or :class:`InvalidInput` for a file refused whole."""
    text = _decode(data)
    records = _records(text)
    keys: list[str | None] | None = None
    rows: list[CsvExpert] = []
    rejected: list[RowResult] = []
    first_line: dict[str, int] = {}
    for line, end, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if keys is None:
            keys = _header(cells)
            continue
        if len(rows) + len(rejected) >= MAX_ROWS:
            raise InvalidInput(f"an import file has at most {MAX_ROWS} rows; split it")
        checked = _check(line, end, cells, keys)
        if isinstance(checked, list):
            rejected.append(RowResult(line, "rejected", reasons=tuple(checked)))
        elif checked.id_number in first_line:
            earlier = first_line[checked.id_number]
            rejected.append(
                RowResult(
                    line,
                    "rejected",
                    reasons=(f"id_number: the same identity number as line {earlier}",),
                )
            )
        else:
            first_line[checked.id_number] = line
            rows.append(checked)
    if keys is None:
        known = ", ".join(c.headers[0] for c in COLUMNS)
        raise InvalidInput(f"the file is empty: its first line names the columns ({known})")
    return ParsedFile(hashlib.sha256(data).hexdigest(), tuple(rows), tuple(rejected))


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _centre_id(uow: SqlUnitOfWork, centre: str) -> str:
    row = uow.session.execute(
        select(centres.c.id).where(or_(centres.c.id == centre, centres.c.division_code == centre))
    ).first()
    if row is None:
        raise NotFound(f"no centre '{centre}' (give its id or division code)", centre=centre)
    return str(row.id)


def import_experts(
    uow: SqlUnitOfWork,
    data: bytes,
    *,
    secret: str,
    default_centre: str | None = None,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> ImportReport:
    """Import the file's experts as ``uow.actor``; ``default_centre`` (id or division code) is
    the home centre of rows that leave theirs empty. Returns one result per data row."""
    authorize(uow.actor, Action.EXPERT_MANAGE)
    parsed = parse_csv(data)
    via = f"import:{parsed.sha256}"
    results: dict[int, RowResult] = {r.line: r for r in parsed.rejected}
    with uow:
        default_id = _centre_id(uow, default_centre) if default_centre else None
        wanted = sorted({r.home_centre for r in parsed.rows if r.home_centre})
        by_division = {
            r.division_code: (r.id, r.name)
            for r in uow.session.execute(
                select(centres.c.id, centres.c.division_code, centres.c.name).where(
                    centres.c.division_code.in_(wanted)
                )
            )
        }
        digests = {r.line: id_digest(secret, r.id_number) for r in parsed.rows}
        registered: dict[str, str] = {}  # digest → centre id, for experts on record already
        for chunk in _chunks(sorted(set(digests.values())), 500):
            registered.update(
                (r.id_digest, r.centre_id)
                for r in uow.session.execute(
                    select(experts.c.id_digest, experts.c.centre_id).where(
                        experts.c.id_digest.in_(chunk)
                    )
                )
            )
    ready: list[tuple[int, ExpertData]] = []
    for row in parsed.rows:
        reasons: list[str] = []
        if row.home_centre is not None:
            centre_id = by_division.get(row.home_centre, (None, None))[0]
            if centre_id is None:
                reasons.append(f"home_centre: no centre has division code {row.home_centre}")
        else:
            centre_id = default_id
            if centre_id is None:
                reasons.append("home_centre: empty, and no default centre was given")
        for centre in (centre_id, registered.get(digests[row.line])):
            if centre is not None and not is_allowed(
                uow.actor, Action.EXPERT_MANAGE, Resource("expert", centre_id=centre)
            ):
                where = "its home centre" if centre == centre_id else "the centre it is in now"
                reasons.append(f"{uow.actor.label} may not manage the experts of {where}")
        if reasons or centre_id is None:
            results[row.line] = RowResult(row.line, "rejected", reasons=tuple(reasons))
            continue
        ready.append(
            (
                row.line,
                ExpertData(
                    name=row.name,
                    id_number=row.id_number,
                    phone=row.phone,
                    employer_uscc=row.employer_uscc,
                    title=row.title,
                    years_of_practice=row.years_of_practice,
                    specialties=row.specialties,
                    centre_id=centre_id,
                    credit_score=row.credit_score,
                ),
            )
        )
    written = 0
    for chunk in _chunks(ready, batch):
        for line, result in _write(uow, chunk, secret, via):
            results[line] = result
        written += len(chunk)
        if progress is not None:
            progress(written, len(ready))
    report = ImportReport(new_id(), parsed.sha256, tuple(results[line] for line in sorted(results)))
    with uow:
        counts = report.summary()
        uow.record(
            ev.ExpertsImported(
                "expert_import",
                report.import_id,
                uow.clock.now(),
                file_sha256=parsed.sha256,
                rows=counts["rows"],
                created=counts["created"],
                updated=counts["updated"],
                unchanged=counts["unchanged"],
                rejected=counts["rejected"],
                rejected_lines=[r.line for r in report.rejected],
            )
        )
        uow.commit()
    return report


def _write(
    uow: SqlUnitOfWork, chunk: Sequence[tuple[int, ExpertData]], secret: str, via: str
) -> list[tuple[int, RowResult]]:
    """Write a batch in one transaction; if it fails — a bad row, an expert registered by a
    concurrent import, a deadlock with one — each row in a transaction of its own, so that the
    failing row alone is refused and the others are imported."""
    try:
        return _transaction(uow, chunk, secret, via)
    except (DomainError, IntegrityError, OperationalError):
        pass
    out = []
    for line, data in chunk:
        try:
            out += _transaction(uow, [(line, data)], secret, via)
        except DomainError as exc:
            out.append((line, RowResult(line, "rejected", reasons=(exc.message,))))
        except IntegrityError:
            reason = "id_number: another expert with this number was registered meanwhile"
            out.append((line, RowResult(line, "rejected", reasons=(reason,))))
    return out


def _transaction(
    uow: SqlUnitOfWork, rows: Sequence[tuple[int, ExpertData]], secret: str, via: str
) -> list[tuple[int, RowResult]]:
    with uow:
        done = [(line, save_within(uow, data, secret=secret, via=via)) for line, data in rows]
        uow.commit()
    return [(line, RowResult(line, outcome, expert_id)) for line, (expert_id, outcome) in done]
