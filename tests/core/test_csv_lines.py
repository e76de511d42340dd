"""One low-level CSV line writer under the people's files and the journals (core.csv)."""

from core.csv import CsvLines, PeopleCsvWriter


def test_a_line_is_semicolon_separated_and_quoted_only_where_needed():
    lines = CsvLines(line_end="\n")
    assert lines.line(["a", "ctx;semi", 'say "hi"', "", 12]) == 'a;"ctx;semi";"say ""hi""";;12\n'


def test_people_and_journal_lines_differ_only_by_their_line_end_and_the_formula_guard():
    cells = ["014213245611111", "x;y", "plain"]
    people = PeopleCsvWriter().row(cells)
    journal = CsvLines(line_end="\n").line(cells)
    assert people == journal[:-1] + "\r\n"
    assert PeopleCsvWriter().row(["=1+1"]) == "'=1+1\r\n"
    assert CsvLines(line_end="\n").line(["=1+1"]) == "=1+1\n"  # journals guard their free fields
