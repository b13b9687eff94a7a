"""The languages answers can be translated to and from English, and where their OPUS-MT models are."""

from __future__ import annotations

from pathlib import Path

from assistant.core.translate.engine import CONVERTED_MARK
from assistant.i18n import ENGLISH, base_language  # noqa: F401 (one place for both)

# OPUS-MT has a model in each direction between English and each of these (Helsinki-NLP/opus-mt-en-xx and -xx-en).
LANGUAGES = {
    "de": "Deutsch", "es": "Español", "fr": "Français", "it": "Italiano", "nl": "Nederlands",
    "sv": "Svenska", "fi": "Suomi", "da": "Dansk", "ru": "Русский", "cs": "Čeština",
}


def pairs(language: str) -> tuple[str, str]:
    """The two directions a language needs: its questions to English, and English answers to it."""
    return f"{language}-{ENGLISH}", f"{ENGLISH}-{language}"


def hub_repo(pair: str) -> str:
    """The OPUS-MT model of ``pair`` on the Hugging Face Hub."""
    return f"Helsinki-NLP/opus-mt-{pair}"


def converted(folder: Path) -> bool:
    """Whether ``folder`` holds a model converted for CTranslate2."""
    return (Path(folder) / CONVERTED_MARK).is_file()


def find_pair(pair: str, places: list[Path]) -> Path | None:
    """The converted model for ``pair`` in the first of ``places`` that has it.

    Each place is a folder holding one folder per pair (``en-de``, ``de-en``, ...; the cache's layout,
    and what ``--mt-model`` names), or a converted model itself whose name ends in the pair.
    """
    for place in places:
        place = Path(place).expanduser()
        if converted(place / pair):
            return place / pair
        if converted(place) and place.name.endswith(pair):
            return place
    return None
