"""Opening warehouse tables in DuckDB.

Every rule and dashboard reads plain table names (``tenders``, ``lots``, ``bids``,
``ocds_processes`` …) from a DuckDB connection; where those names come from — Parquet files on
disk (``open_warehouse``) or Arrow tables in memory (``connect_tables``, used for
``prex flags run --input`` and by tests) — is decided here and nowhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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


def newest_rows_view(root: Path, table: str, key: str) -> str:
    """The SQL of a view that shows each key's newest rows of a table's files under ``root``."""
    pattern = str(table_directory(root, table) / "**" / "*.parquet")
    return newest_rows_sql(parquet_source(pattern), key)


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
    root: Path, keys: Mapping[str, str], parents: Mapping[str, str] | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per table that has files under ``root``.

    ``keys`` maps each table name to its key column. A table with no files yet has no view
    (rules that need it are skipped; dashboards show nothing). ``parents`` (default: the OCDS
    child tables, ``ocds.schema.PARENTS``) maps a child table keyed by its parent's key to the
    parent: the child shows only the rows of its parent's newest refresh."""
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
    for table in sorted(present, key=lambda t: t in parents):  # parents first
        key = keys[table]
        newest = newest_rows_view(root, table, key)
        parent = parents.get(table)
        if parent is None:
            con.execute(f'CREATE VIEW "{table}" AS {newest}')
        elif parent in present:
            con.execute(
                f'CREATE VIEW "{table}" AS SELECT c.* FROM ({newest}) AS c SEMI JOIN "{parent}" '
                f"AS p ON c.{key} = p.{key} AND c.refresh = p.refresh"
            )
    return con
