"""Both catalogues are complete, and the English one is what English visitors get."""

import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def untranslated(po: Path) -> list[str]:
    """Return the msgids of entries without a translation (or marked fuzzy)."""
    text = po.read_text(encoding="utf-8")
    missing = []
    for block in text.split("\n\n")[1:]:
        if "#, fuzzy" in block:
            missing.append(block)
            continue
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"\n?((?:".*"\n?)*)', block, re.M)
        if not msgstrs or any(not (first or rest.strip()) for first, rest in msgstrs):
            missing.append(block.strip().splitlines()[-1])
    return missing


@pytest.mark.parametrize("language", ["nb", "en"])
def test_the_catalogue_has_a_translation_for_every_message(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert untranslated(po) == []


def test_english_visitors_get_english_text():
    with translation.override("en"):
        assert translation.gettext("Logg inn") == "Log in"
        assert translation.gettext("Min side") != "Min side"
