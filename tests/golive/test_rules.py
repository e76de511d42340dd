"""The go-live calendar on real dates: Monday to Thursday, never a French public holiday or the
eve of one, the request before 16:00 Paris the day before, 10:00 Paris through clock changes."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from core.dates import PARIS
from golive import rules


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def week_before(day: dt.date) -> dt.datetime:
    """A request made a week ahead: no cut-off, within the horizon."""
    return paris(day.year, day.month, day.day, 9, 0) - dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("day", "holiday"),
    [
        (dt.date(2027, 3, 29), "Lundi de Pâques"),  # Easter Monday 2027
        (dt.date(2027, 5, 6), "Ascension"),  # Thursday
        (dt.date(2027, 5, 17), "Lundi de Pentecôte"),  # Whit Monday
        (dt.date(2028, 4, 17), "Lundi de Pâques"),
        (dt.date(2028, 5, 25), "Ascension"),
        (dt.date(2028, 6, 5), "Lundi de Pentecôte"),
        (dt.date(2028, 5, 1), "Fête du Travail"),  # a Monday
        (dt.date(2028, 5, 8), "Fête de la Victoire"),  # a Monday
        (dt.date(2026, 11, 11), "Armistice"),  # a Wednesday
        (dt.date(2026, 7, 14), "Fête nationale"),  # a Tuesday
        (dt.date(2028, 8, 15), "Assomption"),  # a Tuesday
    ],
)
def test_a_french_public_holiday_is_never_a_go_live_day(day, holiday):
    with translation.override("fr"):
        refusal = rules.date_refusal(day, now=week_before(day))

        assert rules.holiday_name(day) == holiday
    assert refusal is not None and holiday in refusal
    assert str(rules.RULE_HOLIDAY) not in ("", None)


@pytest.mark.parametrize(
    ("eve", "holiday"),
    [
        (dt.date(2027, 5, 5), dt.date(2027, 5, 6)),  # Wednesday before Ascension 2027
        (dt.date(2028, 5, 24), dt.date(2028, 5, 25)),  # Wednesday before Ascension 2028
        (dt.date(2026, 12, 24), dt.date(2026, 12, 25)),  # Christmas Eve, a Thursday
        (dt.date(2026, 12, 31), dt.date(2027, 1, 1)),  # New Year's Eve, a Thursday
        (dt.date(2026, 7, 13), dt.date(2026, 7, 14)),  # a Monday
        (dt.date(2026, 11, 10), dt.date(2026, 11, 11)),  # a Tuesday
        (dt.date(2028, 8, 14), dt.date(2028, 8, 15)),  # a Monday
    ],
)
def test_the_eve_of_a_public_holiday_is_never_a_go_live_day(eve, holiday):
    assert eve.weekday() in rules.SWITCH_WEEKDAYS  # refused for the holiday, not the weekday
    with translation.override("en"):
        refusal = rules.date_refusal(eve, now=week_before(eve))

        assert rules.holiday_name(holiday) and rules.holiday_name(eve) is None
    assert refusal is not None and "eve of" in refusal


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2027, 5, 18),  # Tuesday after Whit Monday 2027
        dt.date(2028, 6, 6),  # Tuesday after Whit Monday 2028
        dt.date(2027, 3, 30),  # Tuesday after Easter Monday 2027
        dt.date(2028, 5, 2),  # Tuesday between 1 and 8 May 2028
        dt.date(2026, 11, 12),  # Thursday after Armistice
        # Metropolitan calendar: 26 December is a holiday in Alsace-Moselle only.
        dt.date(2028, 12, 26),
        dt.date(2026, 3, 30),  # the Monday after clocks go forward
        dt.date(2026, 10, 26),  # the Monday after clocks go back
    ],
)
def test_an_ordinary_monday_to_thursday_is_a_go_live_day(day):
    assert rules.date_refusal(day, now=week_before(day)) is None
    assert day in rules.allowed_days(
        now=paris(day.year, day.month, day.day, 9) - dt.timedelta(days=7)
    )


@pytest.mark.parametrize(
    "day",
    [
        dt.date(2026, 12, 4),  # Friday
        dt.date(2027, 6, 11),  # Friday
        dt.date(2027, 6, 12),  # Saturday
        dt.date(2027, 6, 13),  # Sunday
        dt.date(2028, 7, 14),  # Friday and a holiday: the weekday rule speaks first
    ],
)
def test_never_on_a_friday_a_saturday_or_a_sunday(day):
    with translation.override("en"):
        refusal = rules.date_refusal(day, now=week_before(day))

        assert refusal == str(rules.RULE_WEEKDAY)
    assert "Friday" in refusal


def test_the_allowed_days_never_hold_a_weekend_a_friday_a_holiday_or_an_eve():
    days = rules.allowed_days(now=paris(2027, 1, 4, 9), days=366)

    assert days
    for day in days:
        assert day.weekday() in (0, 1, 2, 3)
        assert rules.holiday_name(day) is None
        assert rules.holiday_name(day + dt.timedelta(days=1)) is None
    assert dt.date(2027, 5, 5) not in days and dt.date(2027, 5, 4) in days


@pytest.mark.parametrize(
    ("now", "day", "allowed"),
    [
        # For Tuesday 18 May 2027 the request must arrive before Monday 17 May 16:00 Paris (CEST).
        (paris(2027, 5, 17, 15, 59), dt.date(2027, 5, 18), True),
        (paris(2027, 5, 17, 16, 0), dt.date(2027, 5, 18), False),
        (paris(2027, 5, 17, 16, 1), dt.date(2027, 5, 18), False),
        # Clocks go forward on Sunday 29 March 2026: 16:00 Paris is 14:00 UTC.
        (dt.datetime(2026, 3, 29, 13, 59, tzinfo=dt.UTC), dt.date(2026, 3, 30), True),
        (dt.datetime(2026, 3, 29, 14, 1, tzinfo=dt.UTC), dt.date(2026, 3, 30), False),
        # Clocks go back on Sunday 25 October 2026: 16:00 Paris is 15:00 UTC.
        (dt.datetime(2026, 10, 25, 14, 59, tzinfo=dt.UTC), dt.date(2026, 10, 26), True),
        (dt.datetime(2026, 10, 25, 15, 1, tzinfo=dt.UTC), dt.date(2026, 10, 26), False),
        # Today and past days are never possible.
        (paris(2027, 6, 8, 8, 0), dt.date(2027, 6, 8), False),
        (paris(2027, 6, 8, 8, 0), dt.date(2027, 6, 7), False),
    ],
)
def test_the_request_must_arrive_before_16_00_paris_the_day_before(now, day, allowed):
    with translation.override("en"):
        refusal = rules.date_refusal(day, now=now)

    assert (refusal is None) is allowed, refusal
    if not allowed:
        assert "before 16:00" in refusal


@pytest.mark.parametrize(
    ("now", "first"),
    [
        # Wednesday before 16:00 → Thursday; after → J+2 is a Friday → the next Monday.
        (paris(2027, 6, 9, 15, 59), dt.date(2027, 6, 10)),
        (paris(2027, 6, 9, 16, 1), dt.date(2027, 6, 14)),
        # Thursday after 16:00 and Friday before 16:00: the next Monday.
        (paris(2027, 6, 10, 16, 1), dt.date(2027, 6, 14)),
        (paris(2027, 6, 11, 15, 59), dt.date(2027, 6, 14)),
        # Friday 7 May 2027 (Ascension week-end): Monday 10 May.
        (paris(2027, 5, 7, 11, 0), dt.date(2027, 5, 10)),
        # Wednesday 12 May 2027: Thursday 13 is fine; Whit Monday 17 is not, nor Sunday its eve.
        (paris(2027, 5, 12, 17, 0), dt.date(2027, 5, 18)),
        # Christmas 2026: Thursday 24 and 31 are eves; Monday 28 December is the first.
        (paris(2026, 12, 23, 17, 0), dt.date(2026, 12, 28)),
    ],
)
def test_the_next_possible_day_follows_the_rules(now, first):
    assert rules.next_allowed_day(now=now) == first


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (dt.date(2026, 3, 30), dt.datetime(2026, 3, 30, 8, 0, tzinfo=dt.UTC)),  # CEST
        (dt.date(2026, 10, 26), dt.datetime(2026, 10, 26, 9, 0, tzinfo=dt.UTC)),  # CET
        (dt.date(2027, 11, 2), dt.datetime(2027, 11, 2, 9, 0, tzinfo=dt.UTC)),
    ],
)
def test_the_switch_is_at_10_00_paris_in_summer_and_winter(day, utc):
    assert rules.switch_at(day) == utc


def test_holidays_come_from_the_library_for_any_year():
    # No list kept here: a year nobody typed in still has its movable feasts.
    with translation.override("fr"):
        assert rules.holiday_name(dt.date(2031, 5, 22)) == "Ascension"
        assert rules.holiday_name(dt.date(2031, 6, 2)) == "Lundi de Pentecôte"


def test_the_date_picker_reads_the_clock_it_is_given():
    with time_machine.travel(paris(2027, 6, 10, 16, 1), tick=False):
        from django.utils import timezone

        assert rules.next_allowed_day(now=timezone.now()) == dt.date(2027, 6, 14)
