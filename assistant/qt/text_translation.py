"""The window's "Translate the text found": each line of the text read in the image, in the user's language.

The text on screen is read as it is (usually it is already in the user's language); this action
translates it line by line with the answers' translation model (English to the user's language),
off the GUI thread, and shows and says it as a turn of the conversation, kept in the history.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from assistant.core.announcer import Announcer
from assistant.core.errors import AssistantError, one_line
from assistant.core.session import Session
from assistant.core.translate.pipeline import AnswerTranslation
from assistant.i18n import _
from assistant.qt.view import ConversationView


class TextTranslation(QObject):
    """Runs the action; ``find`` gives the translation, or None (then the user hears why)."""

    _done = Signal(object, object)  # the conversation, the turn (or the sentence why not)

    def __init__(self, view: ConversationView, session: Session, announcer: Announcer,
                 find: Callable[[], AnswerTranslation | None], why_not: Callable[[], str], parent=None):
        super().__init__(parent)
        self.view, self.session, self.announcer, self.find, self.why_not = view, session, announcer, find, why_not
        self._done.connect(self._show)

    def run(self) -> None:
        conversation = self.session.conversation
        if conversation is None:
            self.announcer.message(_("There is no image yet: describe the screen or open an image first."))
            return
        translation = self.find()
        if translation is None:
            self.announcer.message(self.why_not())
            return
        self.announcer.status(_("Translating the text found…"), announced=False)

        def job() -> None:
            try:
                result = self.session.translated_text(translation)
            except AssistantError as err:
                result = str(err)
            except Exception as err:  # noqa: BLE001 - never a traceback for the user
                result = _('The text could not be translated: {n0}').format(n0=one_line(err))
            self._done.emit(conversation, result)

        threading.Thread(target=job, name="translate-text", daemon=True).start()

    def _show(self, conversation, result) -> None:
        if conversation is not self.session.conversation:
            return  # the user moved on meanwhile
        if isinstance(result, str):
            self.announcer.message(result)
            return
        self.view.add_turn(result.text)
        self.announcer.status(_("The text found, translated."), announced=False)
