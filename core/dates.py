"""Business days: Paris dates, and the range of dates a search may name.

Dates are typed by people and put in URLs; one at the edge of the calendar (0001-01-01,
9999-12-31) would overflow when turned into a UTC instant or a next day. Searches refuse dates
outside [EARLIEST, LATEST] with a message instead.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

PARIS = ZoneInfo("Europe/Paris")
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)

DATE_RANGE_VALIDATORS = [
    MinValueValidator(EARLIEST, message=_("Give a date from 2000-01-01 on.")),
    MaxValueValidator(LATEST, message=_("Give a date up to 2999-12-31.")),
]


def paris_midnight(day: dt.date) -> dt.datetime:
    """The instant a Paris business day starts (aware)."""
    return dt.datetime.combine(day, dt.time(), tzinfo=PARIS)


def within_range(moment: dt.datetime) -> bool:
    """Whether an instant read back from a cursor lies in the searchable range."""
    return paris_midnight(EARLIEST) <= moment < paris_midnight(LATEST)


def check_date_order(form, start_field: str, end_field: str) -> None:
    """A search form's date range the right way round, else an error on its end field."""
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and start > end:
        form.add_error(end_field, str(_("The end date is before the start date.")))
