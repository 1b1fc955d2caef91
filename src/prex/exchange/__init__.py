"""Interconnection: change feed, national data-spec datasets, OCDS, federation, data quality."""
