"""Connects the conversation service, the model, capture, history and speech to the window's widgets.

The window is a view: it forwards each user action here. This is the only Qt code that
runs the conversation, through :class:`assistant.core.session.Session`, the same service
the command line uses; ways in (capture, open, paste, drop, hotkeys) all end in ``start``.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QListWidgetItem

from assistant.core.capture.images import load_image
from assistant.core.capture.screen import Capture, Capturer, blank_reason
from assistant.core.errors import ImageError
from assistant.core.history.store import HistoryStore
from assistant.core.model.backend import Answer, ModelRequest, Progress
from assistant.core.session import PRESETS, Session, SessionError, SessionTurn, TextRunner, turn_text
from assistant.core.speech import Speaker
from assistant.qt.capture_flow import CaptureFlow
from assistant.qt.download_flow import DownloadFlow
from assistant.qt.inputs import IMAGE_FILTER, image_from_mime, mime_has_image
from assistant.qt.model_state import refusal, with_next_steps
from assistant.qt.text_flow import TextFlow
from assistant.qt.worker import ModelService, ModelState

log = logging.getLogger("assistant.qt.main_window")  # one logger name for every window message
THINKING = "…"
REPEAT_WINDOW_S = 1.0
TARGETS = {"screen": "the screen", "window": "the active window", "desktop": "all screens"}


class ConversationController(QObject):
    def __init__(self, window, service: ModelService, capturer: Capturer, speaker: Speaker | None,
                 history: HistoryStore | None, auto_speak: bool, settle_ms: int, reader: TextRunner | None = None,
                 spoken_lines: int = 10):
        super().__init__(window)
        self.window, self.service = window, service
        self.session = Session(history, speaker, auto_speak=auto_speak, reader=reader, spoken_lines=spoken_lines,
                               on_problem=lambda message: self.report(message, error=True))
        self.text_flow = TextFlow(window, self.session, self.report)
        self.history = history  # read by the history dialog; written only through the session
        self.capture_flow = CaptureFlow(window, capturer, settle_ms)
        self.download_flow = DownloadFlow(window, service)
        self.preset_index = 0
        self.hotkey_help = "No global hotkeys are active."
        self._latest: tuple[int, QListWidgetItem] | None = None  # the request shown as pending, and its item
        self._timing: tuple[str, float, float | None] | None = None  # hotkey action, pressed at, captured at
        self._last_describe: dict[str, float] = {}
        service.progress.connect(self._on_progress)
        service.ready.connect(lambda info: self.report(f"Model ready on {info.precision}."))
        service.ready.connect(lambda _info: self.capture_flow.preload())
        service.load_failed.connect(lambda message: self.report(with_next_steps(message), error=True))
        service.state_changed.connect(self._on_model_state)
        service.answered.connect(self._on_answered)
        service.partial.connect(self._on_partial)
        service.failed.connect(self._on_failed)
        self.capture_flow.captured.connect(self._on_captured)
        self.capture_flow.failed.connect(lambda message: self.report(message, error=True))

    # -- collaborators that settings change ------------------------------------------------
    @property
    def speaker(self) -> Speaker | None:
        return self.session.speaker

    def set_speaker(self, speaker: Speaker | None, auto_speak: bool | None = None) -> None:
        self.session.speaker = speaker
        if auto_speak is not None:
            self.session.auto_speak = auto_speak

    def set_reader(self, reader: TextRunner | None, spoken_lines: int) -> None:
        """Reading the text turned on or off (applies from the next image), or fewer or more lines spoken."""
        old = self.session.reader
        if old is not None and old is not reader and hasattr(old, "close"):
            old.close()
        self.session.reader, self.session.spoken_lines = reader, spoken_lines

    def set_history(self, history: HistoryStore | None) -> None:
        self.history = self.session.history = history

    # -- ways in -------------------------------------------------------------------------------
    def describe(self, target: str) -> None:
        if self._refused("described"):
            return
        what = TARGETS[target]
        # Said at once, so the user knows the key press was heard; the description interrupts it.
        self.window.show_status(f"Describing {what}…", announced=False)
        self.speak(f"Describing {what}…")
        self.capture_flow.request(target)

    def _on_captured(self, capture: Capture) -> None:
        if self._timing is not None:
            self._timing = (self._timing[0], self._timing[1], time.perf_counter())
        reason = blank_reason(capture.image)
        if reason:
            self.report(reason)
            return
        self.start(capture.image, capture.source)
        if capture.note:
            self.report(capture.note)

    def open_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open image", "", IMAGE_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        try:
            image = load_image(path)
        except ImageError as err:
            self.report(str(err), error=True)
            return
        self.start(image, Path(path).name)

    def paste_image(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if not mime_has_image(mime) and self.window.question.hasFocus():
            self.window.question.paste()  # text on the clipboard: an ordinary paste into the question
            return
        self.take_mime(mime)

    def take_mime(self, mime) -> None:
        try:
            image, source = image_from_mime(mime)
        except ImageError as err:
            self.report(str(err), error=True)
            return
        self.start(image, source)

    # -- the conversation ----------------------------------------------------------------------
    def start(self, image: Image.Image, source: str) -> None:
        preset = PRESETS[self.preset_index]
        text_only = preset.text_only and self.session.reader is not None  # needs no model: never refused
        if not text_only and self._refused("described"):
            return
        self.session.begin(image, source)
        self._latest = None
        self.window.show_conversation(image, source, [])
        self.text_flow.begin()
        if text_only:
            self._latest = (-1, self.window.add_turn_item(f"Text in {source}: {THINKING}"))
            self.text_flow.when_ready(self._show_text_only)
        else:
            request = self.session.describe_request(prefix=preset.prefix, question=preset.question)
            self._submit(request, turn_text(preset.question or "", THINKING, source))

    def _show_text_only(self) -> None:
        turn = self.session.text_only()
        self._show_turn(self._latest[1], turn)

    def copy_text(self) -> None:
        self.text_flow.copy()

    def ask(self) -> None:
        question = self.window.question.text()
        if not question.strip() or self.session.text_ready():
            self._ask(question)
            return
        self.window.question.clear()  # "where is X?" needs the text: asked once it is read
        self.window.show_status("Reading the text first…")
        self.text_flow.when_ready(lambda: self._ask(question))

    def _ask(self, question: str) -> None:
        try:
            request = self.session.ask_request(question)
        except SessionError as err:  # an empty question, or no image yet
            self.report(str(err))
            return
        if isinstance(request, SessionTurn):  # answered from the text found: no model needed
            self.window.question.clear()
            item = self.window.add_turn_item("")
            self._show_turn(item, request)
            return
        if self._refused("answered"):
            return  # the question stays in its box, to ask again once the model is there
        self.window.question.clear()
        self._submit(request, turn_text(question, THINKING, self.session.conversation.source))

    def _submit(self, request: ModelRequest, placeholder: str) -> None:
        if self._latest is not None and self._latest[1].text().endswith(THINKING):
            item = self._latest[1]
            item.setText(item.text()[: -len(THINKING)] + "(stopped: a newer request came first)")
        self._latest = (request.id, self.window.add_turn_item(placeholder))
        self.service.submit(request)
        if not self.service.is_ready:
            progress = self.service.last_progress
            how_far = f" ({progress})" if progress else ""
            self.report(f"The model is still loading{how_far}; your request will run when it is ready.")
        else:
            self.window.show_status("Working…")

    def _on_partial(self, request_id: int, text: str) -> None:
        if self._latest is not None and request_id == self._latest[0]:
            self.session.partial(request_id, text)  # speech starts at the first complete sentence

    def _on_answered(self, request_id: int, answer: Answer) -> None:
        if self._latest is None or request_id != self._latest[0]:
            return  # an answer to a request the user has since replaced
        self.text_flow.when_ready(lambda: self._record(request_id, answer))  # the caption is said with the text

    def _record(self, request_id: int, answer: Answer) -> None:
        if self._latest is None or request_id != self._latest[0]:
            return
        turn = self.session.record(request_id, answer, self.service.info)
        if turn is not None:
            self._show_turn(self._latest[1], turn)

    def _show_turn(self, item: QListWidgetItem, turn: SessionTurn) -> None:
        item.setText(turn.text)
        self.window.history_view.setCurrentItem(item)
        if not turn.question:
            self.window.image_pane.setAccessibleDescription(turn.answer.text or turn.text)
        if turn.from_text or turn.model is None:
            self.window.show_status("Answered from the text found.")
        else:
            self.window.show_status(f"Answered in {turn.answer.seconds:.1f} s on {turn.model.precision}. "
                                    f"{' '.join(turn.notes)}".strip())
        self._log_action_done()
        self.window.answer_shown.emit(turn.answer.text or turn.text)

    def _on_failed(self, request_id: int, message: str) -> None:
        if self._latest is not None and request_id == self._latest[0]:
            item = self._latest[1]
            item.setText(item.text().replace(THINKING, f"failed: {message}"))
            self.report(message, error=True)

    def new_conversation(self) -> None:
        self.service.stop()
        self.session.clear()
        self._latest = None
        self.text_flow.clear()
        self.window.clear_conversation()
        self.report("New conversation.")

    def last_answer(self) -> str:
        return self.session.last_answer()

    # -- the model's state -------------------------------------------------------------------
    def _refused(self, verb: str) -> bool:
        """While there is no model, a request is answered at once with why and what to do: nothing waits."""
        if self.service.available:
            return False
        self.report(refusal(self.service, verb))
        return True

    def _on_model_state(self, _state: ModelState) -> None:
        latest = self._latest
        if not self.service.available and latest is not None and latest[0] != -1 and latest[1].text().endswith(THINKING):
            item = self._latest[1]  # waited for a model that did not come: it is not run later
            item.setText(item.text()[: -len(THINKING)] + "not run: there is no model.")
            self._latest = None

    def unload_model(self) -> None:
        if self.service.state is ModelState.READY:
            self.service.unload()
            self.report("The model's memory is freed; it loads again with your next request.")
        elif self.service.state is ModelState.UNLOADED:
            self.report("The model is not in memory.")
        else:
            self.report("There is no model in memory to free.")

    def _on_progress(self, progress: Progress) -> None:
        self.window.show_status(f"Loading the model: {progress}", announced=False)  # many a second: never queue

    # -- history ---------------------------------------------------------------------------------
    def show_history(self) -> None:
        if self.history is None:
            self.report("The history is turned off.")
            return
        from assistant.qt.history_panel import HistoryDialog

        self.window.history_dialog = HistoryDialog(self.history, self.window)
        self.window.history_dialog.open()

    def open_stored(self, stored) -> None:
        """Make a past conversation current again: its image, its turns, and new questions continue it."""
        image = None
        if stored.image and stored.image.exists():
            try:
                image = load_image(stored.image)
            except ImageError:
                image = None
        self.service.stop()
        self._latest = None
        texts = [turn_text(t.question, t.answer, stored.source) for t in stored.turns]
        self.text_flow.clear()
        conversation = self.session.reopen(stored, image)
        self.window.show_conversation(image, stored.source, texts, description=stored.caption)
        if conversation is None:
            self.report(f"Reopened {stored.source} without its image (images were not stored), so you can read it "
                        "but not ask more.")
            return
        self.text_flow.show(conversation, conversation.lines or [], "No text was kept with this conversation.")
        self.report(f"Reopened {stored.source}: {stored.caption}. Ask a question to continue.")
        self.window.question.setFocus()

    def forget_history_id(self, conversation_id: int | None) -> None:
        self.session.forget_history_id(conversation_id)

    # -- speech and messages ---------------------------------------------------------------------
    def report(self, message: str, error: bool = False) -> None:
        """Show ``message`` in the status line and speak it. Errors never arrive as tracebacks."""
        self.window.show_status(message, announced=False)  # spoken just below, through the screen reader's route
        self.speak(message)
        log.log(logging.WARNING if error else logging.INFO, "%s", message)
        self.window.message_shown.emit(message)

    def speak(self, text: str) -> None:
        if self.speaker is not None:
            self.speaker.say(text)

    def stop_speaking(self) -> None:
        if self.speaker is not None:
            self.speaker.stop()

    def repeat_last(self) -> None:
        text = self.last_answer()
        if text:
            self.speak(text)
        else:
            self.report("There is no answer to repeat yet.")

    # -- hotkeys -----------------------------------------------------------------------------------
    def run_action(self, action: str, pressed_at: float | None = None) -> None:
        """A global hotkey (or its in-app twin). Runs in the GUI thread."""
        pressed_at = pressed_at or time.perf_counter()
        log.info("action %s", action)
        if action.startswith("describe"):
            # A burst of presses (a double press, a held key) is one request: the first one's
            # capture already shows what the later ones would.
            last = self._last_describe.get(action, -REPEAT_WINDOW_S)
            self._last_describe[action] = pressed_at
            if pressed_at - last < REPEAT_WINDOW_S:
                log.info("action %s repeated within %.0f s: one request already covers it", action, REPEAT_WINDOW_S)
                return
            self._timing = (action, pressed_at, None)
        if action == "describe_screen":
            self.describe("screen")
        elif action == "describe_window":
            self.describe("window")
        elif action == "describe_clipboard":
            if self._refused("described"):
                return
            self.speak("Describing the clipboard image…")  # the press was heard; the description interrupts it
            self.take_mime(QGuiApplication.clipboard().mimeData())
        elif action == "ask":
            self.window.bring_up_question()
            if self.session.conversation is None:
                self.report("There is no image yet: describe the screen or open an image first.")
        elif action == "stop":
            self.stop_speaking()
        elif action == "repeat":
            self.repeat_last()
        elif action == "cycle_preset":
            self.preset_index = (self.preset_index + 1) % len(PRESETS)
            self.report(f"Preset: {PRESETS[self.preset_index].name}.")

    def show_keys(self) -> None:
        lines = [f"{a.text().replace('&', '')}: {a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}"
                 for a in self.window.actions_by_name.values() if not a.shortcut().isEmpty()]
        text = "Shortcuts in this window: " + "; ".join(lines) + ". " + self.hotkey_help
        self.window.history_view.setCurrentRow(self.window.history_view.row(self.window.add_turn_item(text)))
        self.report(text)

    def _log_action_done(self) -> None:
        if self._timing is None:
            return
        action, pressed, captured = self._timing
        now = time.perf_counter()
        captured_part = f"captured in {1000 * (captured - pressed):.0f} ms, " if captured else ""
        log.info("action %s: %sanswered in %.0f ms", action, captured_part, 1000 * (now - pressed))
        self._timing = None

