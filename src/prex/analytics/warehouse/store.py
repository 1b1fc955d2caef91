"""Opening warehouse tables in DuckDB.

Every rule and dashboard reads plain table names (``tenders``, ``lots``, ``bids``,
``ocds_processes`` …) from a DuckDB connection; where those names come from — Parquet files on
disk (``open_warehouse``) or Arrow tables in memory (``connect_tables``, used for
``prex flags run --input`` and by tests) — is decided here and nowhere else.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from prex.analytics.ocds.schema import PARENTS
from prex.config import Settings


def connect_tables(tables: Mapping[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with each Arrow table visible under its name."""
    con = duckdb.connect(":memory:")
    for name, table in tables.items():
        con.register(name, table)
    return con


def warehouse_root(settings: Settings) -> Path:
    """The warehouse's folder: ``warehouse`` in the data directory (``PREX_DATA_DIR``)."""
    return settings.data_dir / "warehouse"


def table_directory(root: Path, table: str) -> Path:
    return root / table


def partition_path(root: Path, table: str, month: str | None, refresh: int, part: int) -> Path:
    """Where one refresh writes one file of a table: Hive-style ``month=YYYY-MM`` folders for
    the partitioned tables (Spark and Trino read them as a column), flat for the others."""
    folder = table_directory(root, table)
    if month is not None:
        folder = folder / f"month={month}"
    return folder / f"part-{refresh:08d}-{part:04d}.parquet"


_FILE = re.compile(r"^part-(\d{8})-(\d{4})\.parquet$")
# The part number of a compacted file: it sorts after every file of the same refresh, which
# is how the newest-row view prefers its copy of a row to the copy it replaces.
COMPACTED_PART = 9999


def data_files(root: Path, table: str) -> list[Path]:
    """The table's data files (temporary files excluded), in name order."""
    folder = table_directory(root, table)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("part-*.parquet") if _FILE.match(p.name))


def refresh_of(path: Path) -> int:
    match = _FILE.match(path.name)
    if match is None:
        raise ValueError(f"{path} is not a warehouse data file")
    return int(match.group(1))


def one_version_per_key(files: Sequence[Path]) -> tuple[int, bool] | None:
    """``(refresh, compacted)`` when the files hold each key once, else None.

    A refresh writes each key it extracts once, and a compaction writes each key once (its
    files all carry one number and the compacted part); so files that all come from one refresh,
    or all from one compaction, cannot hold two versions of a key. Anything else — two
    refreshes, or a compaction's files beside the files it is replacing — may."""
    refreshes = {refresh_of(p) for p in files}
    compacted = {p.name.endswith(f"-{COMPACTED_PART}.parquet") for p in files}
    if len(refreshes) == 1 and len(compacted) == 1:
        return refreshes.pop(), compacted.pop()
    return None


def parquet_source(files: str | list[Path]) -> str:
    """DuckDB's ``read_parquet`` of a glob or a list of files, with the Hive ``month`` column
    and each row's file name (the view's tie-break)."""
    if isinstance(files, str):
        spec = "'" + files.replace("'", "''") + "'"
    else:
        spec = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in files) + "]"
    return f"read_parquet({spec}, hive_partitioning = true, union_by_name = true, filename = true)"


def newest_rows_sql(source: str, key: str) -> str:
    """Each key's newest rows of ``source`` (highest ``refresh``).

    ``rank()``, not ``row_number()``: a child table keyed by its parent (an OCDS process's bids,
    keyed by ``ocid``) keeps every row its parent's newest refresh wrote, and loses rows that
    refresh no longer has; a table keyed by its own id keeps one row per id. Ties on ``refresh``
    are broken by the file's name, highest first: a compaction's file (``part-<r>-9999``) holds
    copies of rows of earlier files until it has deleted them, and its copy is the one shown, so
    a compaction (even one interrupted) never shows a row twice (``files.compact_table``).

    Written as the rows equal to their key's greatest ``(refresh, file name)`` — what ``rank()``
    ordered by both, descending, ranks first — because a windowed ``max`` needs no sort within
    each key: staging the 5,000,000 bids of the benchmark takes about a third less time."""
    newest = "(refresh, parse_filename(filename))"
    return (
        f"SELECT * EXCLUDE (_version, _newest, filename) FROM (SELECT *, {newest} AS _version, "
        f"max({newest}) OVER (PARTITION BY {key}) AS _newest FROM {source}) "
        f"WHERE _version = _newest"
    )


MEMORY_LIMIT_MIB = 6 * 1024


def memory_limit_mib() -> int:
    """DuckDB's memory limit for a warehouse connection: 6 GiB, or 80 % of the machine's memory
    (DuckDB's own default) where that is less. A scan stages its tables in memory (the engine's
    ``stage_tables``); past the limit DuckDB spills them and its joins to its temporary directory
    rather than grow, so a scan of a million lots stays well inside a server's memory and next
    to the web application's."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return MEMORY_LIMIT_MIB
    return max(256, min(MEMORY_LIMIT_MIB, int(total * 0.8) // 2**20))


def open_warehouse(
    root: Path,
    keys: Mapping[str, str],
    parents: Mapping[str, str] | None = None,
    *,
    still: bool = False,
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per table that has files under ``root``.

    ``keys`` maps each table name to its key column. A table with no files yet has no view
    (rules that need it are skipped; dashboards show nothing). ``parents`` (default: the OCDS
    child tables, ``ocds.schema.PARENTS``) maps a child table keyed by its parent's key to the
    parent: the child shows only the rows of its parent's newest refresh.

    ``still``: the caller holds the warehouse's lock (``snapshot.warehouse_snapshot``), so no
    file comes or goes while the connection is used. Each view then reads the files listed now,
    and a table whose files hold one version per key (``one_version_per_key``: after a full
    refresh or a compaction) is read as it is, without the newest-row window — staging the
    5,000,000 bids of the benchmark takes half the time. Without the lock a refresh could add a
    second version between the check and a query, so the views keep the window and a glob."""
    parents = PARENTS if parents is None else parents
    con = duckdb.connect(":memory:")
    con.execute(f"SET memory_limit = '{memory_limit_mib()}MiB'")
    # Spill beside the warehouse (DuckDB's default is ``.tmp`` in whatever folder the command
    # was started from); the folder is made, and emptied, by DuckDB itself.
    spill = str(root / ".spill").replace("'", "''")
    con.execute(f"SET temp_directory = '{spill}'")
    present = [
        table
        for table in keys
        if (folder := table_directory(root, table)).is_dir() and any(folder.rglob("*.parquet"))
    ]
    single: dict[str, tuple[int, bool] | None] = {}
    for table in sorted(present, key=lambda t: t in parents):  # parents first
        key = keys[table]
        if still:
            files = data_files(root, table)
            single[table] = one_version_per_key(files)
            source = parquet_source(files)
        else:
            single[table] = None
            source = parquet_source(str(table_directory(root, table) / "**" / "*.parquet"))
        newest = (
            f"SELECT * EXCLUDE (filename) FROM {source}"
            if single[table] is not None
            else newest_rows_sql(source, key)
        )
        parent = parents.get(table)
        generation = single[table]
        if parent is None or (
            generation is not None and not generation[1] and generation == single.get(parent)
        ):
            # a child written by the one refresh that wrote all of its parent: each row's parent
            # row is of that refresh (not so after a compaction, which keeps a child's rows of
            # a refresh its parent's newest refresh no longer has)
            if parent is None or parent in present:
                con.execute(f'CREATE VIEW "{table}" AS {newest}')
        elif parent in present:
            con.execute(
                f'CREATE VIEW "{table}" AS SELECT c.* FROM ({newest}) AS c SEMI JOIN "{parent}" '
                f"AS p ON c.{key} = p.{key} AND c.refresh = p.refresh"
            )
    return con
