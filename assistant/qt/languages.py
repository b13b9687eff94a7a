"""The app in the user's language: Qt's own words, and the translation models followed through Settings.

Called by ``assistant.app.run``: ``translate_qt`` once the QApplication exists, ``follow_language`` once the
window is composed (the models are looked for, asked for, and asked for again when Settings change the language).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QTimer, QTranslator

from assistant import i18n
from assistant.config import Settings, remember
from assistant.core.answer_language import LanguageNow
from assistant.qt.translation_flow import TranslationFlow

log = logging.getLogger(__name__)


def translate_qt(app) -> None:
    """Qt's own words (Yes, No, Cancel in its dialogs, the text boxes' menus) in the interface's language."""
    if i18n.language() == i18n.ENGLISH:
        return
    translator = QTranslator(app)
    if translator.load(f"qtbase_{i18n.language()}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(translator)
    else:
        log.info("Qt has no translation for %s: its own buttons stay in English", i18n.language())


def follow_language(settings: Settings, saved: Settings | None, window, announcer, settings_controller,
                    now: LanguageNow) -> None:
    """Answers in the user's language: their translation models found, or asked for and downloaded (translation_flow).

    Asked again when the language changes in Settings; the model's wrapper follows ``now`` from its next request.
    """
    def said(language: str) -> None:
        problem = remember(saved or settings, "language", missing_said=language)
        if problem:
            log.info("the missing translation is said again next time: %s", problem)

    flow = TranslationFlow(window, announcer, settings.language, said)
    QTimer.singleShot(0, flow.start)

    def changed(new: Settings) -> None:
        if new.language != now.language:
            now.language = flow.settings = new.language
            flow.start()

    settings_controller.listeners.append(changed)
