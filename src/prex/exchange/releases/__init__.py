"""prex's own data as OCDS 1.1 releases and records: mapping, store, publisher (the worker's
outbox consumer) and the single compile function (``compiling.compile_record``)."""
