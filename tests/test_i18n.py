"""The interface's catalogues: every string of the source is in the template and translated in each shipped language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from assistant import i18n

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = [code for code in i18n.INTERFACE_LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def source_messages() -> set[str | tuple[str, ...]]:
    """What `pybabel extract` finds in assistant/ (the same keywords: _, ngettext, N_)."""
    method_map = [("assistant/**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def catalogue_messages(path: Path) -> dict:
    with path.open("rb") as f:
        return {(m.id if isinstance(m.id, str) else tuple(m.id)): m for m in read_po(f) if m.id}


def test_the_template_holds_every_string_of_the_source():
    template = set(catalogue_messages(i18n.LOCALE_DIR / "blip_assistant.pot"))
    source = source_messages()
    assert source - template == set(), "run the pybabel extract line in assistant/locale/babel.cfg"
    assert template - source == set(), "strings no longer in the source: extract the template again"


@pytest.mark.parametrize("language", SHIPPED)
def test_every_string_is_translated_with_its_placeholders_and_its_access_key(language):
    messages = catalogue_messages(i18n.catalogue(language))
    missing = source_messages() - set(messages)
    assert not missing, f"not in {language}: {sorted(map(str, missing))[:5]} (pybabel update, then translate)"
    for msgid, message in messages.items():
        ids = (msgid,) if isinstance(msgid, str) else msgid
        strings = (message.string,) if isinstance(message.string, str) else message.string
        assert "fuzzy" not in message.flags, f"{language}: fuzzy {msgid!r}"
        assert all(s.strip() for s in strings), f"{language}: empty {msgid!r}"
        for n, text in enumerate(strings):  # a singular may leave the number out ("the oldest turn")
            wanted = set(PLACEHOLDER.findall(ids[min(n, len(ids) - 1)] if n == 0 else ids[-1]))
            got = set(PLACEHOLDER.findall(text))
            assert got == wanted or (n == 0 and len(ids) > 1 and got <= set(PLACEHOLDER.findall(ids[-1]))), \
                f"{language}: {msgid!r}"
            assert ("&" in ids[0].replace("&&", "")) == ("&" in text.replace("&&", "")), f"{language}: access key {msgid!r}"


def test_the_language_is_installed_with_plurals_numbers_and_dates():
    try:
        assert i18n.install("de_DE.UTF-8") == "de"
        assert i18n._("&Settings…") == "&Einstellungen…"
        assert [i18n.ngettext("{n} turn", "{n} turns", n).format(n=n) for n in (1, 2)] == ["1 Beitrag", "2 Beiträge"]
        assert i18n.number(1234.5, 1) == "1.234,5"
        assert i18n.when(86400 * 365).startswith("01.01.71")
        assert i18n.install("es") == "es" and i18n._("Describe &screen") == "Describir la &pantalla"
        assert i18n.number(1234.5, 1) in ("1234,5", "1.234,5")  # CLDR's grouping for Spanish has changed over versions
        assert i18n.install("xx") == "en" and i18n._("&Settings…") == "&Settings…"  # no catalogue: English
    finally:
        i18n.install("en")
    assert i18n.number(1234.5, 1) == "1,234.5"
