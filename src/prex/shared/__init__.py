"""Kernel shared by every context: clock, errors, events, ids, money, calendars."""
