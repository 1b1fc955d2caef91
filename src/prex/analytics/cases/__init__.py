"""Supervision cases (案件): what a supervisor opens from red-flag hits, reviews, and dismisses
or refers, with notes and evidence — every step an audited domain event."""
