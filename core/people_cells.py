"""Cells of a file for people (core.csv's people writer) as the user reads them on screen, in
the active language: amounts as people write them (core.money, without the symbol: the
currency has its own column), currency letters (EUR, not 978), Paris dates and times in the
language's short formats, and choices (statuses, kinds) by their translated labels.

One `PeopleCells` per file: it remembers each date, currency and label it has formatted, so a
file of a million rows formats each distinct value once.
"""

import datetime as dt

from django.utils import translation
from django.utils.formats import date_format

from .dates import PARIS
from .money import CURRENCIES, format_amount


class PeopleCells:
    def __init__(self, language: str | None = None):
        self.language = language or translation.get_language()
        self._dates: dict = {}
        self._labels: dict = {}

    def amount(self, minor: int | None, currency_code: str) -> str:
        if minor is None:
            return ""
        return format_amount(minor, currency_code, language=self.language, symbol=False)

    @staticmethod
    def currency(currency_code: str) -> str:
        known = CURRENCIES.get(currency_code)
        return known.alpha if known else currency_code

    def date(self, day: dt.date | None) -> str:
        if day is None:
            return ""
        text = self._dates.get(day)
        if text is None:
            text = self._dates[day] = date_format(day, "SHORT_DATE_FORMAT")
        return text

    @staticmethod
    def time(at: dt.datetime | None) -> str:
        """A UTC instant as its Paris time (24-hour clock, seconds)."""
        return f"{at.astimezone(PARIS):%H:%M:%S}" if at is not None else ""

    def moment(self, at: dt.datetime | None) -> str:
        """A UTC instant as its Paris date and time (24-hour clock, seconds)."""
        if at is None:
            return ""
        local = at.astimezone(PARIS)
        return f"{self.date(local.date())} {local:%H:%M:%S}"

    def label(self, choices, value: str | None) -> str:
        """A choice (a TextChoices value) by its label in the active language."""
        if not value:
            return ""
        key = (choices, value)
        text = self._labels.get(key)
        if text is None:
            try:
                text = str(choices(value).label)
            except ValueError:
                text = value
            self._labels[key] = text
        return text
