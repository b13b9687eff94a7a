"""Which language questions and answers are in, and the translation models it needs: found, or fetched once.

The language is the settings' answer language, else the interface's, else the system's. For each
language two OPUS-MT models are needed (its questions to English, and English answers to it). They
are looked for in the ``--mt-model`` folder and in the cache; a missing one is downloaded from the
Hub (after the user agreed, in the window) with the same progress, cancel and resume as the BLIP-2
download, and converted once into the cache (``cache/translate/en-de``). After that only
CTranslate2 and sentencepiece run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.config import LanguageSettings, cache_dir
from assistant.core.errors import ModelUnavailableError
from assistant.core.model.local import hub
from assistant.core.translate.engine import CTranslate2Translator, convert
from assistant.core.translate.languages import ENGLISH, LANGUAGES, base_language, find_pair, hub_repo, pairs
from assistant.core.translate.pipeline import AnswerTranslation
from assistant.i18n import _, system_language

MT_PATTERNS = ["config.json", "generation_config.json", "tokenizer_config.json", "vocab.json", "*.spm", "*.safetensors"]


class LanguageNow:
    """The language settings as they are now: Settings may change them while the model stays loaded."""

    def __init__(self, language: LanguageSettings):
        self.language = language


def answer_language(settings: LanguageSettings) -> str:
    """The language questions are asked and answered in: "en" needs no translation."""
    return base_language(settings.answers or settings.interface or system_language())


def language_name(code: str) -> str:
    """The language's own name ("Deutsch"), or its code."""
    return LANGUAGES.get(code, code)


def model_places(settings: LanguageSettings) -> list[Path]:
    """Where converted translation models are looked for: the ``--mt-model`` folder, then the cache."""
    places = [Path(settings.mt_models).expanduser()] if settings.mt_models else []
    return [*places, translation_cache()]


def translation_cache() -> Path:
    """Where converted translation models are kept: one folder per pair."""
    return cache_dir() / "translate"


@dataclass(frozen=True)
class Setup:
    """What the answer language needs: the translation (None: answers stay in English), else what is missing."""

    language: str
    translation: AnswerTranslation | None = None
    missing: tuple[str, ...] = ()  # pairs to download ("de-en", "en-de")
    message: str = ""  # for the user, once: why answers stay in English


def set_up(settings: LanguageSettings, threads: int = 2) -> Setup:
    """The translation for the answer language, from models already here (nothing is downloaded)."""
    language = answer_language(settings)
    if language == ENGLISH:
        return Setup(language)
    if language not in LANGUAGES:
        return Setup(language, message=_("Answers stay in English: there is no offline translation for {language!r} "
                                         "(available: {languages}).").format(language=language,
                                                                            languages=", ".join(sorted(LANGUAGES))))
    places = model_places(settings)
    found = {pair: find_pair(pair, places) for pair in pairs(language)}
    missing = tuple(pair for pair, folder in found.items() if folder is None)
    if missing:
        return Setup(language, missing=missing, message=missing_message(language, missing))
    key = (language, found[pairs(language)[0]], found[pairs(language)[1]], threads)
    if key not in _MADE:  # one pair of translators per models found: asked at every request, loaded once
        to_english, from_english = (CTranslate2Translator(found[pair], pair, threads=threads) for pair in pairs(language))
        _MADE[key] = AnswerTranslation(language, to_english, from_english)
    return Setup(language, _MADE[key])


_MADE: dict[tuple, AnswerTranslation] = {}


def missing_message(language: str, missing: tuple[str, ...]) -> str:
    """Why answers stay in English, and what to do about it."""
    return _("Answers stay in English: the translation models for {language} ({models}) are not on this computer. "
             "They are downloaded once, with your agreement, when there is internet; or give a folder of converted "
             "models with --mt-model or in Settings, Language.").format(language=language_name(language),
                                                                      models=", ".join(hub_repo(p) for p in missing))


def plans(setup: Setup) -> list[hub.DownloadPlan]:
    """What the missing models are on the Hub, and how big (network). Raises NoNetworkError, ModelUnavailableError."""
    return [hub.plan_download(hub_repo(pair), MT_PATTERNS, torch_weights=True)
            for pair in setup.missing if hub.find_downloaded(hub_repo(pair)) is None]


def question(setup: Setup, todo: list[hub.DownloadPlan]) -> str:
    """What the user is asked before the translation models are downloaded."""
    size = hub.human_bytes(sum(plan.bytes_needed for plan in todo))
    return _("To ask and answer in {language}, BLIP Assistant needs two translation models (OPUS-MT by Helsinki-NLP, "
             "CC-BY 4.0): a one-time download of {size}. After that translation works without internet, and nothing "
             "you describe ever leaves this computer. Download them now?").format(language=language_name(setup.language),
                                                                                 size=size)


def fetch(setup: Setup, todo: list[hub.DownloadPlan], on_bytes: Callable[[int, int], None] | None = None,
          cancel: threading.Event | None = None, on_step: Callable[[str], None] | None = None) -> None:
    """Download what ``todo`` lists (resumable, cancellable), then convert each missing pair into the cache.

    Raises Cancelled, NoNetworkError, ModelUnavailableError; what was downloaded is kept.
    """
    total = sum(plan.bytes_total for plan in todo) or 1
    before = 0
    for plan in todo:
        hub.fetch(plan, (lambda done, _t, b=before: on_bytes(b + done, total)) if on_bytes else None, cancel)
        before += plan.bytes_total
    for pair in setup.missing:
        source = hub.find_downloaded(hub_repo(pair))
        if source is None:
            raise ModelUnavailableError(_('The translation model {n0} did not download completely.').format(n0=hub_repo(pair)))
        if on_step is not None:
            on_step(_('Preparing the {pair} translation model.').format(pair=pair))
        translation_cache().mkdir(parents=True, exist_ok=True)
        convert(source, translation_cache() / pair)
