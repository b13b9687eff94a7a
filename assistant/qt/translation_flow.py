"""Questions and answers in the user's language: ask once, download the two translation models, convert them.

At start, when the answer language (Settings, Language; else the system's) needs OPUS-MT models that
are not here, the user is asked (the same one-time, offline-afterwards question as for the BLIP-2 model),
and the download shows and speaks its progress in the status bar with its own Cancel button; it
resumes next time. Until the models are here answers are in English, and the user is told so once.
The model's wrapper (``core.translated``) picks the models up at its next request: nothing reloads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QMainWindow, QMessageBox

from assistant.config import LanguageSettings
from assistant.core import answer_language as al
from assistant.core.announcer import Announcer
from assistant.core.errors import AssistantError, Cancelled, one_line
from assistant.core.model.local.hub import NoNetworkError, human_bytes
from assistant.i18n import _
from assistant.qt.download_flow import status_progress


class TranslationFlow(QObject):
    """Owns the translation models' download: the question, the progress bar and its Cancel button."""

    _planned = Signal(object, object)  # setup, plans (from the network thread)
    _failed = Signal(str)
    _progress = Signal(object, object)
    _finished = Signal(str)  # "" when the models are ready, else why not

    def __init__(self, window: QMainWindow, announcer: Announcer, settings: LanguageSettings,
                 remember: Callable[[str], None]):
        super().__init__(window)
        self.window, self.announcer, self.settings, self.remember = window, announcer, settings, remember
        self.bar, self.cancel_button = status_progress(
            window, (_("Translation models download"), _("How much of the translation models has been downloaded.")),
            (_("Cancel translation download"),
             _("Stop the download; answers stay in English, and it continues next time.")), self.cancel)
        self._cancel = threading.Event()
        self.setup: al.Setup | None = None
        self._planned.connect(self._ask)
        self._failed.connect(self._missing)
        self._progress.connect(self._on_progress)
        self._finished.connect(self._on_finished)

    def start(self) -> None:
        """Look for the models (no network); if some are missing, size the download on a thread."""
        self.setup = al.set_up(self.settings)
        if not self.setup.missing:
            if self.setup.message:  # a language without offline translation
                self._missing("")
            return
        threading.Thread(target=self._plan, name="translation-plan", daemon=True).start()

    def _plan(self) -> None:
        try:
            self._planned.emit(self.setup, al.plans(self.setup))
        except NoNetworkError:
            self._failed.emit(_("They cannot be downloaded now: the internet cannot be reached."))
        except AssistantError as err:
            self._failed.emit(str(err))

    def _missing(self, why: str) -> None:
        """Answers stay in English: said once per language (Settings remembers it)."""
        if self.settings.missing_said == self.setup.language:
            return
        self.announcer.message(f"{self.setup.message} {why}".strip())
        self.remember(self.setup.language)

    def _ask(self, setup: al.Setup, todo: list) -> None:
        if not todo:  # downloaded before, not yet converted
            return self._download(setup, todo)
        text = al.question(setup, todo)
        if not QAccessible.isActive():  # a screen reader reads the dialog itself; others hear our voice
            self.announcer.say(text)
        box = QMessageBox(QMessageBox.Icon.Question, _("Download the translation models?"), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.window)
        box.setDefaultButton(QMessageBox.StandardButton.Yes)
        box.setAccessibleName(_("Download the translation models?"))
        if box.exec() != QMessageBox.StandardButton.Yes:
            return self._missing("")
        self._download(setup, todo)

    def _download(self, setup: al.Setup, todo: list) -> None:
        self._cancel.clear()
        self.bar.setValue(0)
        self.bar.show()
        self.cancel_button.show()
        size = human_bytes(sum(plan.bytes_needed for plan in todo))
        self.announcer.message(_("Downloading the translation models, {size}. Answers are in English until they are "
                                 "ready.").format(size=size))

        def run() -> None:
            try:
                al.fetch(setup, todo, self._progress.emit, self._cancel)
            except Cancelled as err:
                self._finished.emit(str(err))
            except AssistantError as err:
                self._finished.emit(str(err))
            except Exception as err:  # noqa: BLE001 - never a traceback for the user
                self._finished.emit(_("The translation models could not be prepared: {error}").format(error=one_line(err)))
            else:
                self._finished.emit("")

        threading.Thread(target=run, name="translation-download", daemon=True).start()

    def cancel(self) -> None:
        self._cancel.set()

    def _on_progress(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        self.bar.setValue(int(1000 * fraction))
        text = f"{int(100 * fraction)} percent, {human_bytes(done)} of {human_bytes(total)}"
        self.bar.setAccessibleDescription(text)
        self.announcer.status(_('Downloading the translation models: {text}.').format(text=text), announced=False)

    def _on_finished(self, problem: str) -> None:
        self.bar.hide()
        self.cancel_button.hide()
        if problem:
            self.announcer.message(_('{problem} Answers stay in English for now.').format(problem=problem))
            return
        self.announcer.message(_("The translation models are ready: questions and answers are now in {language}.").format(
            language=al.language_name(self.setup.language)))
