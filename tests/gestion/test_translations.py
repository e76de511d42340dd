import re
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext

PO = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_the_french_catalogue_ships_compiled():
    assert PO.with_suffix(".mo").exists()
    with translation.override("fr"):
        assert gettext("Your shops") == "Vos boutiques"
        assert gettext("To capture") == "À remiser"


def test_every_string_of_the_french_catalogue_is_translated_and_current():
    text = PO.read_text(encoding="utf-8")
    entries = text.split("\n\n")[1:]  # the first is the header
    untranslated = [
        e
        for e in entries
        if re.search(r'^msgstr(\[\d\])? ""$', e, re.M) and 'msgstr ""\n"' not in e
    ]
    fuzzy = [e for e in entries if "#, fuzzy" in e]
    assert not untranslated, untranslated[:3]
    assert not fuzzy, fuzzy[:3]
