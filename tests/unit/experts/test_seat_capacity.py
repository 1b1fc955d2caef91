"""The capacity arithmetic of evaluation rooms: bookings accepted one by one through
:func:`prex.experts.seats.fits` never need more seats at any instant than the room has, and
every refused one really would have overfilled the room at some instant of its window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from prex.experts.seats import Interval, fits, peak_seats

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


def at(hour: int) -> datetime:
    return T0 + timedelta(hours=hour)


def taken_at(instant: datetime, intervals: list[Interval]) -> int:
    """The seats taken at one instant, counted the slow way."""
    return sum(n for s, e, n in intervals if s <= instant < e)


def brute_peak(intervals: list[Interval]) -> int:
    """The peak checked only at the instants where something starts (enough for [s, e))."""
    return max((taken_at(s, intervals) for s, _, _ in intervals), default=0)


requests = st.lists(
    st.tuples(st.integers(0, 48), st.integers(1, 12), st.integers(1, 6)).map(
        lambda t: (at(t[0]), at(t[0] + t[1]), t[2])
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(capacity=st.integers(1, 10), wanted=requests)
def test_accepted_bookings_never_exceed_the_room_at_any_instant(
    capacity: int, wanted: list[Interval]
) -> None:
    accepted: list[Interval] = []
    for booking in wanted:
        if fits(capacity, accepted, booking):
            accepted.append(booking)
        else:
            # refused only when some instant of its own window would be overfilled
            start, end, seats = booking
            assert any(
                taken_at(s, accepted) + seats > capacity
                for s in {start, *(b[0] for b in accepted if start <= b[0] < end)}
            )
    assert peak_seats(accepted) == brute_peak(accepted) <= capacity


@given(intervals=requests)
def test_the_peak_is_the_most_seats_at_one_instant(intervals: list[Interval]) -> None:
    assert peak_seats(intervals) == brute_peak(intervals)


def test_touching_windows_do_not_overlap_and_empty_ones_take_nothing() -> None:
    assert peak_seats([(at(0), at(4), 3), (at(4), at(8), 3)]) == 3
    assert peak_seats([(at(0), at(4), 3), (at(3), at(8), 3)]) == 6
    assert peak_seats([(at(2), at(2), 9)]) == 0
    assert fits(4, [(at(0), at(4), 3)], (at(4), at(6), 4))
    assert not fits(4, [(at(0), at(4), 3)], (at(3), at(6), 2))
    # a booking elsewhere in time does not count against this window
    assert fits(4, [(at(0), at(2), 4), (at(10), at(12), 4)], (at(2), at(10), 4))
