"""Counting statutory periods in calendar days or working days with a holiday calendar.

China's State Council moves days around public holidays: some weekdays are holidays and some
weekend days are working days (调休). A :class:`HolidayCalendar` therefore holds both lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum


class DayUnit(StrEnum):
    CALENDAR = "days"  # calendar days (日)
    WORKING = "working_days"  # working days (工作日), per the holiday calendar


@dataclass(frozen=True)
class HolidayCalendar:
    """Public holidays and the weekend days that are worked instead."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add(self, start: datetime, amount: int, unit: DayUnit) -> datetime:
        """The instant ``amount`` days after ``start`` (same time of day)."""
        if unit is DayUnit.CALENDAR:
            return start + timedelta(days=amount)
        current = start
        counted = 0
        while counted < amount:
            current += timedelta(days=1)
            if self.is_working_day(current.date()):
                counted += 1
        return current

    def days_between(self, start: datetime, end: datetime, unit: DayUnit) -> float:
        """Days from ``start`` to ``end``; fractional for calendar days, whole for working days."""
        if unit is DayUnit.CALENDAR:
            return (end - start).total_seconds() / 86400
        count = 0
        current = start.date()
        while current < end.date():
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count
