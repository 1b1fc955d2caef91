"""The market dashboards (issue 8): DuckDB SQL over the warehouse's ``tenders``, ``lots`` and
``bids``, one small module per dashboard, one filter for all (``filters``), read through
``service`` behind the policy. Definitions: docs/dashboards.md."""
