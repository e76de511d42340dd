"""The CSV writers: one low-level line writer (`CsvLines`) every CSV file of the project goes
through, and on it the writer for files people open in a spreadsheet (docs/core.md). Machine
files (the daily journals, docs/journals.md) use `CsvLines` with their own line end.

For people: `;`-separated, UTF-8 with a byte-order mark (so Excel reads accents right), CRLF
line ends. A cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`,
a tab or a carriage return, OWASP "CSV injection") is neutralised with a leading apostrophe: it
shows as text and is never evaluated. Numbers (int) are written as they are: a negative amount
stays a number.
"""

import csv as _csv
import io
from collections.abc import Iterable, Iterator

BOM = "\ufeff"
DELIMITER = ";"
LINE_END = "\r\n"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)


def neutralise(value) -> str | int:
    """A cell as text a spreadsheet shows and never evaluates (called once per cell of an
    export: exact type checks, no startswith, to stay cheap)."""
    kind = type(value)
    if kind is int:
        return value
    if value is None:
        return ""
    text = value if kind is str else str(value)
    if text and text[0] in _FORMULA_FIRST:
        return "'" + text
    return text


class _Line:
    def write(self, text):
        return text


class CsvLines:
    """`lines.line(cells)` → one line's text: `;`-separated, quoted only where a cell holds `;`,
    `"` or a line break (`""` for a quote), ended by `line_end`. Cells are written as given."""

    def __init__(self, *, line_end: str = LINE_END):
        self._writer = _csv.writer(
            _Line(), delimiter=DELIMITER, lineterminator=line_end, quoting=_csv.QUOTE_MINIMAL
        )

    def line(self, cells: Iterable) -> str:
        return self._writer.writerow(cells)


class PeopleCsvWriter(CsvLines):
    """`writer.row(cells)` → the line's text; `writer.start()` → the byte-order mark."""

    def __init__(self):
        super().__init__(line_end=LINE_END)

    @staticmethod
    def start() -> str:
        return BOM

    def row(self, cells: Iterable) -> str:
        # Only text can hold a formula: numbers, dates and None go to csv as they are (an int
        # stays a number, None an empty cell), the cheap path for the other columns of a row.
        first = _FORMULA_FIRST
        return self._writer.writerow(
            ["'" + c if type(c) is str and c and c[0] in first else c for c in cells]
        )

    def rows(self, rows: Iterable[Iterable]) -> str:
        return "".join(self.row(r) for r in rows)


def people_csv(rows: Iterable[Iterable]) -> Iterator[str]:
    """The whole file, line by line, the first one preceded by the byte-order mark."""
    writer = PeopleCsvWriter()
    yield writer.start()
    for row in rows:
        yield writer.row(row)


def people_csv_text(rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    for chunk in people_csv(rows):
        out.write(chunk)
    return out.getvalue()
