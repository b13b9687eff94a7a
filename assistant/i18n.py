"""The interface in the user's language: gettext catalogues, with Babel for plurals, numbers and dates.

One system for the core, the command line and the window (the core has no Qt, so Qt Linguist could
not serve it): every user-visible string is written ``_("...")`` (``ngettext`` for plurals, ``N_`` for
a constant translated where it is used), with ``{name}`` placeholders filled by ``str.format`` after
translation, so a translator can move them. The catalogues are ``assistant/locale/LANG/LC_MESSAGES/
blip_assistant.po``, read with Babel at start (nothing compiled to keep in step); the template is
``assistant/locale/blip_assistant.pot`` (``pybabel extract``, see the README's translator's guide).
The language is ``--language``, else Settings, else the system's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
"""

from __future__ import annotations

import gettext
import io
import locale
import os
import time
from pathlib import Path

DOMAIN = "blip_assistant"
LOCALE_DIR = Path(__file__).parent / "locale"
ENGLISH = "en"
INTERFACE_LANGUAGES = {"en": "English", "de": "Deutsch", "es": "Español"}  # a complete catalogue each

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = ENGLISH


def base_language(code: str) -> str:
    """"de_DE.UTF-8" -> "de"; "" and "C"/"POSIX" -> "en"."""
    code = (code or "").split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return ENGLISH if code in ("", "c", "posix") else code


def system_language() -> str:
    """The system's language ("de"), from LANGUAGE, LC_ALL, LC_MESSAGES, LANG, then the locale module."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").split(":")[0]
        if value:
            return base_language(value)
    try:
        return base_language(locale.getlocale()[0] or "")
    except ValueError:
        return ENGLISH


def catalogue(language: str) -> Path:
    """Where ``language``'s messages are."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def install(language: str = "") -> str:
    """Use ``language`` (else the system's) from now on; returns the one in use ("en" where none is shipped)."""
    global _translations, _language
    code = base_language(language or system_language())
    path = catalogue(code)
    if code == ENGLISH or not path.is_file():
        _translations, _language = gettext.NullTranslations(), ENGLISH
        return _language
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        messages = read_po(f, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, messages)  # fuzzy entries are left out: they show in English
    compiled.seek(0)
    _translations, _language = gettext.GNUTranslations(compiled), code
    return _language


def language() -> str:
    """The interface's language now ("en", "de", "es")."""
    return _language


def _(message: str) -> str:
    """``message`` in the interface's language."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n``, by the language's plural rule."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 (gettext's name)
    """Marks a constant for the catalogue; it is translated with ``_`` where it is used."""
    return message


def number(value: float, digits: int | None = None) -> str:
    """``value`` written the way the language writes numbers ("1.234,5" in German)."""
    from babel.numbers import format_decimal

    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=_language)


def when(timestamp: float) -> str:
    """A moment as the language writes a date and time ("03.12.2026, 14:05")."""
    from datetime import datetime

    from babel.dates import format_datetime

    return format_datetime(datetime.fromtimestamp(timestamp), "short", locale=_language)


def today(timestamp: float | None = None) -> str:
    """A day as the language writes it."""
    from datetime import date

    from babel.dates import format_date

    return format_date(date.fromtimestamp(timestamp or time.time()), "medium", locale=_language)
