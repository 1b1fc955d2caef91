"""Tenders: projects, tenders and their sections, announcements, documents, clarifications,
amendments, enquiries, and the rule packs that hold the statutory periods."""
