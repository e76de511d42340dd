"""The go-live calendar, in one place (docs/go-live.md).

- A shop goes live (into pre-production or production) at 10:00 Paris time, Monday to Thursday;
  never on a Friday, a Saturday, a Sunday, a French public holiday or the eve of one.
- The request must arrive before 16:00 Paris time the day before the go-live day.
- Production needs at least one authorised payment in pre-production (checked by the services,
  which know the shop's transactions).

French public holidays come from the `holidays` library (country FR, metropolitan calendar: no
Alsace-Moselle days), never from a list kept here.
"""

import datetime as dt
import functools

import holidays
from django.utils import formats
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from core.dates import PARIS

SWITCH_TIME = dt.time(10, 0)
CUTOFF_TIME = dt.time(16, 0)
# Monday (0) to Thursday (3).
SWITCH_WEEKDAYS = frozenset({0, 1, 2, 3})
# How far ahead a date may be asked (ours: a plan beyond a year is not a plan).
HORIZON_DAYS = 366

# The rules as shown to users, in the order they are checked.
RULE_WEEKDAY = gettext_lazy(
    "A shop goes live at 10:00 (Paris time), Monday to Thursday only: never on a Friday, "
    "a Saturday or a Sunday."
)
RULE_HOLIDAY = gettext_lazy("No go-live on a French public holiday or on the eve of one.")
RULE_CUTOFF = gettext_lazy(
    "The request must arrive before 16:00 (Paris time) the day before the go-live."
)
RULE_PAYMENT = gettext_lazy(
    "Production needs at least one authorised payment made in pre-production."
)
RULES = (RULE_WEEKDAY, RULE_HOLIDAY, RULE_CUTOFF, RULE_PAYMENT)


@functools.lru_cache(maxsize=8)
def _calendar(language: str) -> holidays.HolidayBase:
    # Years are filled in on demand by the library (expand=True).
    return holidays.country_holidays("FR", language=language)


def holiday_name(day: dt.date) -> str | None:
    """The French public holiday on `day` (metropolitan calendar), named in the active
    language, or None."""
    language = "fr" if (get_language() or "fr").startswith("fr") else "en_US"
    calendar = _calendar(language)
    # Membership fills in the day's year first (the library computes years on demand).
    return calendar.get(day) if day in calendar else None


def switch_at(day: dt.date) -> dt.datetime:
    """The instant a go-live on `day` happens: 10:00 Paris time (UTC+1 or UTC+2)."""
    return dt.datetime.combine(day, SWITCH_TIME, tzinfo=PARIS)


def cutoff_at(day: dt.date) -> dt.datetime:
    """The last instant (excluded) a request for `day` may arrive: 16:00 Paris the day before."""
    return dt.datetime.combine(day - dt.timedelta(days=1), CUTOFF_TIME, tzinfo=PARIS)


def _long(day: dt.date) -> str:
    return formats.date_format(day, "l j F Y")


def calendar_refusal(day: dt.date) -> str | None:
    """Why `day` can never be a go-live day (weekday, holiday, eve of one), or None."""
    if day.weekday() not in SWITCH_WEEKDAYS:
        return str(RULE_WEEKDAY)
    name = holiday_name(day)
    if name:
        return _("%(rule)s %(date)s is a public holiday (%(name)s).") % {
            "rule": RULE_HOLIDAY,
            "date": _long(day),
            "name": name,
        }
    tomorrow = day + dt.timedelta(days=1)
    name = holiday_name(tomorrow)
    if name:
        return _("%(rule)s %(date)s is the eve of %(name)s.") % {
            "rule": RULE_HOLIDAY,
            "date": _long(day),
            "name": name,
        }
    return None


def date_refusal(day: dt.date, *, now: dt.datetime) -> str | None:
    """Why a request arriving at `now` cannot ask for `day`, in the rule's words, or None."""
    if day > now.astimezone(PARIS).date() + dt.timedelta(days=HORIZON_DAYS):
        return _("Choose a date within a year.")
    refusal = calendar_refusal(day)
    if refusal:
        return refusal
    if now >= cutoff_at(day):
        deadline = cutoff_at(day).astimezone(PARIS)
        return _("%(rule)s For %(date)s it had to arrive before %(deadline)s.") % {
            "rule": RULE_CUTOFF,
            "date": _long(day),
            "deadline": f"{_long(deadline.date())} 16:00",
        }
    return None


def allowed_days(*, now: dt.datetime, days: int = 120) -> list[dt.date]:
    """The go-live days a request arriving at `now` may pick, over the next `days` days."""
    today = now.astimezone(PARIS).date()
    span = (today + dt.timedelta(days=n) for n in range(1, days + 1))
    return [day for day in span if date_refusal(day, now=now) is None]


def next_allowed_day(*, now: dt.datetime) -> dt.date:
    """The first day a request arriving at `now` may pick (there is one within a few weeks)."""
    return allowed_days(now=now, days=60)[0]
