"""OCDS in the warehouse: compiled releases (this platform's own, federated centres', imported
datasets') flattened into ``ocds_*`` tables that Cardinal's indicators and the dashboards read."""
