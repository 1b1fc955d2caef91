"""The analytics warehouse: partitioned Parquet files under ``<data dir>/warehouse``, queried by
DuckDB in-process. ``schema`` fixes the tables and columns (the contract every rule and
dashboard reads); ``store`` opens them as DuckDB views."""
