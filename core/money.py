"""Money at the edge: amounts are integers in minor units with an ISO 4217 numeric currency.

This module turns them into text as people write them, and reads what people type, per language.
Nothing here is ever stored: the database keeps only the integer and the currency code.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import get_language


@dataclass(frozen=True)
class Currency:
    numeric: str
    alpha: str
    exponent: int
    symbol: str


# Sips data dictionary, annexe B: the currencies the payment server accepts.
CURRENCIES: dict[str, Currency] = {
    c.numeric: c
    for c in (
        Currency("978", "EUR", 2, "€"),
        Currency("840", "USD", 2, "$"),
        Currency("756", "CHF", 2, "CHF"),
        Currency("826", "GBP", 2, "£"),
        Currency("124", "CAD", 2, "CA$"),
        Currency("392", "JPY", 0, "¥"),
        Currency("484", "MXN", 2, "MX$"),
        Currency("949", "TRY", 2, "TRY"),
        Currency("036", "AUD", 2, "AU$"),
        Currency("554", "NZD", 2, "NZ$"),
        Currency("578", "NOK", 2, "NOK"),
        Currency("986", "BRL", 2, "R$"),
        Currency("032", "ARS", 2, "ARS"),
        Currency("116", "KHR", 2, "KHR"),
        Currency("901", "TWD", 2, "NT$"),
        Currency("752", "SEK", 2, "SEK"),
        Currency("208", "DKK", 2, "DKK"),
        Currency("410", "KRW", 0, "₩"),
        Currency("702", "SGD", 2, "SG$"),
        Currency("953", "XPF", 0, "XPF"),
        Currency("952", "XOF", 0, "XOF"),
    )
}
CURRENCY_CHOICES = [(c.numeric, f"{c.alpha} ({c.numeric})") for c in CURRENCIES.values()]


class AmountError(ValueError):
    """What a person typed is not an amount in that currency."""


def currency(numeric: str) -> Currency:
    try:
        return CURRENCIES[numeric]
    except KeyError:
        raise AmountError(f"unknown currency {numeric!r}") from None


_PATTERNS = {
    # French: 12,50 · 1.234,50 (dots group thousands) · 12.50 (a dot with 1–2 decimals).
    "fr": (
        (re.compile(r"\d+(?:,\d+)?"), ",", ""),
        (re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"), ",", "."),
        (re.compile(r"\d+\.\d{1,2}"), ".", ""),
    ),
    # English: 12.50 · 1,234.50. "12,50" matches nothing: it is refused, never read as 1250.
    "en": (
        (re.compile(r"\d+(?:\.\d+)?"), ".", ""),
        (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"), ".", ","),
    ),
}


def _lang(language: str | None) -> str:
    return "en" if (language or get_language() or "fr").startswith("en") else "fr"


def format_amount(
    minor: int, currency_code: str, *, language: str | None = None, symbol: bool = True
) -> str:
    """1050, "978" → "10,50 €" (fr) or "€10.50" (en); 0-decimal currencies (JPY) have none."""
    cur = currency(currency_code)
    lang = _lang(language)
    sign = "-" if minor < 0 else ""
    units, fraction = divmod(abs(int(minor)), 10**cur.exponent)
    if lang == "en":
        text = f"{units:,}" + (f".{fraction:0{cur.exponent}d}" if cur.exponent else "")
    else:
        text = f"{units:,}".replace(",", "\u202f")
        text += f",{fraction:0{cur.exponent}d}" if cur.exponent else ""
    if not symbol:
        return sign + text
    if lang == "en":
        if cur.symbol.isalpha():
            return f"{sign}{cur.symbol}\u00a0{text}"
        return f"{sign}{cur.symbol}{text}"
    return f"{sign}{text}\u00a0{cur.symbol}"


def parse_amount(text: str, currency_code: str, *, language: str | None = None) -> int:
    """What a person typed → minor units: "12,50" (fr) or "12.50" (en) in EUR → 1250.

    Spaces are ignored; a negative, empty or ill-formed amount, or more decimals than the
    currency has ("10,5" in JPY), raises AmountError.
    """
    cur = currency(currency_code)
    cleaned = "".join(str(text).split()).replace("\u202f", "")
    for pattern, decimal_mark, group_mark in _PATTERNS[_lang(language)]:
        if pattern.fullmatch(cleaned):
            number = cleaned.replace(group_mark, "") if group_mark else cleaned
            number = number.replace(decimal_mark, ".")
            break
    else:
        raise AmountError(f"not an amount: {text!r}")
    minor = Decimal(number).scaleb(cur.exponent)
    if minor != minor.to_integral_value():
        raise AmountError(f"too many decimals for {cur.alpha}: {text!r}")
    return int(minor)
