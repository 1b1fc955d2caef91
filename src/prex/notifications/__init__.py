"""Notifications to parties: in-app messages and e-mail, fed from the outbox."""
