"""The one search box: what a person typed, read as the criterion they meant (docs/search.md,
"The search box").

`read(text)` returns the readings of a text, the one applied first; the others are offered as
"search as … instead". Each reading is a set of ordinary search criteria (the query-string
filters of transactions.filters), so the box adds no second way of matching a row:

- 1 to 6 digits: a transaction number (the number search's rule, feed.normalise_transaction_id);
  also offered: the card's first 4 digits (4 digits), an amount;
- an e-mail address (has an @): the customer e-mail, whatever its case;
- a card as it is masked (core.sips card mask, `4539.07`), or written with stars, dots or x for
  the hidden digits (`4539 **** **** **07`, `•••• 07`, `*1207`): its first 4 and/or last 2
  digits (only those are ever stored);
- an amount as people write it (`113,19 €`, `€113.19`, `113.19`, `1 343 JPY`, `1234567`): that
  exact amount in one currency, the one typed or else the one chosen in the form (EUR if none);
- anything else: an order reference, by prefix.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import CURRENCIES, AmountError, format_amount, parse_amount
from core.sips import FORBIDDEN_CHARS

from .feed import normalise_transaction_id

KIND_LABELS = {
    "number": _("transaction number"),
    "email": _("customer e-mail"),
    "card": _("card digits"),
    "amount": _("amount"),
    "order": _("order reference"),
}
DEFAULT_CURRENCY = "978"
MAX_LENGTH = 64

# Date presets: Paris days (TIME_ZONE), both ends included.
PERIOD_CHOICES = [
    ("today", _("Today")),
    ("yesterday", _("Yesterday")),
    ("7d", _("Last 7 days")),
    ("30d", _("Last 30 days")),
    ("month", _("This month")),
]


def period_days(period: str, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """A preset's first and last Paris day: "7d" is today and the 6 days before it."""
    today = today or timezone.localdate()
    if period == "yesterday":
        day = today - dt.timedelta(days=1)
        return day, day
    if period == "7d":
        return today - dt.timedelta(days=6), today
    if period == "30d":
        return today - dt.timedelta(days=29), today
    if period == "month":
        return today.replace(day=1), today
    if period == "today":
        return today, today
    raise ValueError(f"unknown period {period!r}")


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_DIGITS = re.compile(r"[0-9]+")
# Hidden card digits: *, x, X, •, · or … (people paste them from receipts).
_HIDDEN = "*xX•·…"
_CARD_FULL = re.compile(
    rf"([0-9]{{4}})(?:[ .\-{_HIDDEN}]+[{_HIDDEN}][ .\-{_HIDDEN}]*|\.)([0-9]{{2}})"
)
_CARD_LAST = re.compile(rf"[ .\-]*[{_HIDDEN}][ .\-{_HIDDEN}]*[0-9]{{0,2}}([0-9]{{2}})")
_CARD_FIRST = re.compile(rf"([0-9]{{4}})[ .\-]*[{_HIDDEN}][ .\-{_HIDDEN}]*")

# Symbols and letters a currency may be typed with, to its ISO 4217 numeric code. A symbol two
# currencies share ($) names the first of annex B's list that uses it alone.
_CURRENCY_MARKS: dict[str, str] = {}
for _code, _cur in CURRENCIES.items():
    _CURRENCY_MARKS.setdefault(_cur.alpha.lower(), _code)
    _CURRENCY_MARKS.setdefault(_cur.symbol.lower(), _code)
_CURRENCY_MARKS["$"] = "840"
_CURRENCY_MARKS["euros"] = _CURRENCY_MARKS["euro"] = "978"
_MARK_RE = re.compile(
    "|".join(re.escape(m) for m in sorted(_CURRENCY_MARKS, key=len, reverse=True)),
    re.IGNORECASE,
)
# An order reference as a merchant writes one: starts with a letter or digit, no spaces.
_ORDER = re.compile(r"[A-Za-z0-9][^\s]{0,31}")
_AMOUNT_CHARS = re.compile(r"[0-9][0-9 \u00a0\u202f.,]*")


@dataclass(frozen=True)
class Reading:
    """One way of reading the box: its kind, the criteria it stands for, and their values."""

    kind: str  # number | email | card | amount | order
    criteria: dict[str, str] = field(default_factory=dict)
    # An amount's value in minor units and currency (the criteria give the typed text).
    minor: int | None = None
    currency: str = ""

    def describe(self, language: str | None = None) -> str:
        if self.kind == "amount":
            return format_amount(self.minor, self.currency, language=language)
        return " ".join(v for k, v in self.criteria.items() if k != "currency_code")


def _amount(text: str, *, language: str | None, currency: str) -> Reading | None:
    marks = _MARK_RE.findall(text)
    codes = {_CURRENCY_MARKS[m.lower()] for m in marks}
    if len(codes) > 1:
        return None
    code = codes.pop() if codes else currency
    number = _MARK_RE.sub("", text).strip()
    if not number or not _AMOUNT_CHARS.fullmatch(number):
        return None
    other = "en" if (language or "fr").startswith("fr") else "fr"
    for lang in (language, other):
        try:
            minor = parse_amount(number, code, language=lang)
        except AmountError:
            continue
        return Reading("amount", {"amount": number, "currency_code": code}, minor, code)
    return None


def _card(text: str) -> Reading | None:
    compact = text.strip()
    if match := _CARD_FULL.fullmatch(compact):
        first, last = match.groups()
        return Reading("card", {"card_first_digits": first, "card_last_digits": last})
    if match := _CARD_LAST.fullmatch(compact):
        return Reading("card", {"card_last_digits": match.group(1)})
    if match := _CARD_FIRST.fullmatch(compact):
        return Reading("card", {"card_first_digits": match.group(1)})
    return None


def read(text: str, *, language: str | None = None, currency: str = "") -> list[Reading]:
    """The readings of `text`, the one to apply first; [] for an empty box.

    `currency`: the currency chosen in the form, for an amount typed without one (EUR if none).
    Raises ValueError for a text no criterion can take (too long, or with characters Sips
    forbids in references).
    """
    text = (text or "").strip()
    if not text:
        return []
    if len(text) > MAX_LENGTH:
        raise ValueError("too long")
    currency = currency if currency in CURRENCIES else DEFAULT_CURRENCY
    readings: list[Reading] = []
    if _DIGITS.fullmatch(text) and len(text) <= 6:
        readings.append(Reading("number", {"transaction_id": normalise_transaction_id(text)}))
        if len(text) == 4:
            readings.append(Reading("card", {"card_first_digits": text}))
    elif _EMAIL.fullmatch(text):
        return [Reading("email", {"customer_email": text})]
    elif card := _card(text):
        readings.append(card)
    if (amount := _amount(text, language=language, currency=currency)) is not None:
        readings.append(amount)
    if _ORDER.fullmatch(text) and not FORBIDDEN_CHARS & set(text):
        readings.append(Reading("order", {"order_id": text}))
    if not readings:
        raise ValueError("not a criterion")
    return readings


# Shown next to the box; the other criteria are folded away ("More criteria").
COMMON_CRITERIA = (
    "payment_date_from",
    "payment_date_to",
    "merchant_id",
    "payment_means",
    "amount_min",
    "amount_max",
)


def page_context(form, query) -> dict:
    return {
        "presets": presets(query),
        "chips": chips(form, query),
        "common": [form[name] for name in COMMON_CRITERIA],
        "rare": [f for f in form if f.name not in COMMON_CRITERIA and f.name != "q"],
    }


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    remove_url: str


def chips(form, query) -> list[Chip]:
    """One removable chip per criterion in `query` (a QueryDict), labelled as the form labels it;
    each chip's link is the same search without it (and back on the first page)."""
    found = []
    for name in query:
        if name not in form.fields:
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", ()) or ())
        for value in query.getlist(name):
            if not value:
                continue
            rest = query.copy()
            rest.setlist(name, [v for v in query.getlist(name) if v != value])
            rest.pop("cursor", None)
            found.append(
                Chip(str(field.label), str(choices.get(value, value)), f"?{rest.urlencode()}")
            )
    return found


def presets(query) -> list[dict]:
    """The date presets as links: the same search over that period (dates typed are dropped)."""
    links = []
    for value, label in PERIOD_CHOICES:
        rest = query.copy()
        for name in ("payment_date_from", "payment_date_to", "cursor"):
            rest.pop(name, None)
        rest["period"] = value
        links.append(
            {"label": label, "url": f"?{rest.urlencode()}", "active": query.get("period") == value}
        )
    return links


def alternatives(readings: list[Reading], query, *, language: str | None = None) -> list[dict]:
    """The other readings of the box, each as a link to the same search with that criterion
    written out in place of the box."""
    links = []
    for reading in readings[1:]:
        rest = query.copy()
        rest.pop("q", None)
        rest.pop("cursor", None)
        if reading.kind == "amount":
            text = format_amount(reading.minor, reading.currency, language=language, symbol=False)
            rest.update({"amount_min": text, "amount_max": text})
            rest["currency_code"] = reading.currency
        else:
            for name, value in reading.criteria.items():
                rest[name] = value
        links.append(
            {
                "kind": KIND_LABELS[reading.kind],
                "text": reading.describe(language),
                "url": f"?{rest.urlencode()}",
            }
        )
    return links
