"""Formats people read and type, per language (Django's FORMAT_MODULE_PATH points here).

One rule for dates people type, whatever the language: ISO `2026-02-01`, or day first
`01/02/2026` (1 February), as in French and British English. Never month first: the same text
must name the same day on every page and in every language.
"""

PEOPLE_DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
