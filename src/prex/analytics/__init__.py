"""Big-data supervision: the warehouse (Parquet + DuckDB), dashboards, red flags, risk and cases.

``warehouse`` extracts the platform's data and OCDS (own, federated, imported) into partitioned
Parquet and opens it in DuckDB; ``flags`` holds the declarative rules (SQL over the warehouse
plus parameters and a severity) and the engine that runs them; ``dashboards`` the market
figures; ``risk`` and ``cases`` what supervisors act on. Layout: ``docs/warehouse.md``.
"""
