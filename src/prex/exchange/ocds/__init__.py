"""OCDS 1.1 with the bids and lots extensions: compile, package, validate, measure coverage.

Pure functions over JSON-shaped dicts; no database. The schemas ship with prex (``data/``)."""

from prex.exchange.ocds.coverage import coverage, coverage_jsonl
from prex.exchange.ocds.merge import MergeError, compile_release
from prex.exchange.ocds.packages import record_package, release_package, write_jsonl_gz
from prex.exchange.ocds.records import Compiler, compile_jsonl
from prex.exchange.ocds.validate import Finding, Validator, validate_package, validate_release

__all__ = [
    "Compiler",
    "Finding",
    "MergeError",
    "Validator",
    "compile_jsonl",
    "compile_release",
    "coverage",
    "coverage_jsonl",
    "record_package",
    "release_package",
    "validate_package",
    "validate_release",
    "write_jsonl_gz",
]
