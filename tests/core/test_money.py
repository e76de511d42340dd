import pytest

from core.money import AmountError, format_amount, parse_amount


@pytest.mark.parametrize(
    ("typed", "currency", "language", "minor"),
    [
        ("12,50", "978", "fr", 1250),
        ("12.50", "978", "en", 1250),
        ("12.5", "978", "fr", 1250),
        ("1 234,56", "978", "fr", 123456),
        ("1.234,56", "978", "fr", 123456),
        ("1,234.56", "978", "en", 123456),
        ("1050", "392", "fr", 1050),
        ("0,01", "978", "fr", 1),
        ("100", "978", "en", 10000),
    ],
)
def test_amounts_are_read_as_people_of_that_language_type_them(typed, currency, language, minor):
    assert parse_amount(typed, currency, language=language) == minor


@pytest.mark.parametrize(
    ("typed", "currency", "language"),
    [
        ("12,50", "978", "en"),  # never read as 1250.00
        ("10,5", "392", "fr"),  # JPY has no decimals
        ("1,555", "978", "fr"),
        ("-1", "978", "fr"),
        ("", "978", "fr"),
        ("douze", "978", "fr"),
        ("12", "999", "fr"),
    ],
)
def test_what_is_not_an_amount_is_refused(typed, currency, language):
    with pytest.raises(AmountError):
        parse_amount(typed, currency, language=language)


def test_amounts_are_shown_as_people_write_them():
    assert format_amount(123456, "978", language="fr") == "1\u202f234,56\u00a0€"
    assert format_amount(123456, "978", language="en") == "€1,234.56"
    assert format_amount(1050, "392", language="fr") == "1\u202f050\u00a0¥"
    assert format_amount(5, "756", language="en") == "CHF\u00a00.05"
