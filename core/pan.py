"""Full card numbers (PAN) in free text: any Luhn-valid run of 13 to 19 digits, the digits
possibly grouped by single spaces or dashes (`4974 0123 4567 8907`, `4974-0123-4567-8907`). A run
is bounded by anything else (a letter, two separators in a row, the end of the text).

No free-text value carrying one is accepted, stored or echoed (docs/security.md).
"""

import re

# Digits, each possibly followed by one space or dash, starting and ending on a digit.
_RUN = re.compile(r"\d(?:[ \-]?\d)+")
MIN_DIGITS = 13
MAX_DIGITS = 19


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def contains_pan(text) -> bool:
    """Whether `text` (any value; non-text is read as its str) carries a full card number."""
    if text is None or isinstance(text, bool):
        return False
    text = text if isinstance(text, str) else str(text)
    if sum(c.isdigit() for c in text) < MIN_DIGITS:
        return False
    for match in _RUN.finditer(text):
        digits = re.sub(r"[ \-]", "", match.group())
        # Only ASCII digits are card digits; \d also matches other scripts' digits.
        digits = "".join(c for c in digits if "0" <= c <= "9")
        # The whole run only: a window inside a longer run (a 15-digit shop id holds several
        # 13-digit ones) would pass Luhn one time in ten and refuse ordinary references.
        if MIN_DIGITS <= len(digits) <= MAX_DIGITS and luhn_valid(digits):
            return True
    return False


def contains_pan_anywhere(value, *, depth: int = 0) -> bool:
    """`contains_pan` over a decoded JSON value: its strings, numbers and keys, nested."""
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(
            contains_pan(k) or contains_pan_anywhere(v, depth=depth + 1) for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return any(contains_pan_anywhere(v, depth=depth + 1) for v in value)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return contains_pan(value)
    return False
