"""The main window: image, conversation, question box, actions and status, all by keyboard."""

from __future__ import annotations

import logging
import time

from PIL import Image
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from assistant import APP_NAME
from assistant.core.capture import Capture, Capturer, blank_reason
from assistant.core.conversation import Conversation
from assistant.core.history import HistoryStore, NewTurn
from assistant.core.prompts import Turn
from assistant.core.speech import Speaker
from assistant.core.vision import Answer, ModelInfo, Progress
from assistant.qt.a11y import announce, name
from assistant.qt.capture_flow import CaptureFlow
from assistant.qt.conversation_list import ConversationList
from assistant.qt.download_flow import DownloadFlow
from assistant.qt.history_actions import HistoryActions
from assistant.qt.hotkey_actions import PRESETS, HotkeyActions
from assistant.qt.input_actions import InputActions
from assistant.qt.inputs import pil_to_qimage
from assistant.qt.model_state import ModelStateLine, refusal, with_next_steps
from assistant.qt.question_box import QuestionBox
from assistant.qt.worker import ModelService, ModelState, Request

log = logging.getLogger(__name__)
THINKING = "…"


class MainWindow(InputActions, HotkeyActions, HistoryActions, QMainWindow):
    message_shown = Signal(str)  # every status message and error, as shown and spoken
    answer_shown = Signal(str)  # every caption and answer, once it is in the conversation

    def __init__(self, service: ModelService, capturer: Capturer, speaker: Speaker | None = None, settle_ms: int = 100,
                 auto_speak: bool = True, history: HistoryStore | None = None):
        super().__init__()
        self.setWindowTitle(APP_NAME)
        name(self, APP_NAME, "Describes the screen or an image, and answers questions about it.")
        self.service = service
        self.speaker = speaker
        self.auto_speak = auto_speak
        self.history = history
        self._history_id: int | None = None
        self._unsaved = False  # the current conversation goes into the history with its first answer
        self.conversation: Conversation | None = None
        self._latest: tuple[int, str, QListWidgetItem] | None = None  # request id, question, item
        self.preset_index = 0
        self._timing: tuple[str, float, float | None] | None = None  # hotkey action, pressed at, captured at
        self.capture_flow = CaptureFlow(self, capturer, settle_ms)
        self.hotkey_help = "No global hotkeys are active."
        self.settings_controller = None  # set by SettingsController
        self._build()
        self._wire()
        self.download_flow = DownloadFlow(self, service)
        self.setAcceptDrops(True)
        self.show_status("Starting: loading the model…")
        self.resize(960, 640)

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.image_pane = name(QLabel("No image yet"), "Image", "No image yet. Open, paste or drop one, or describe the screen.")
        self.image_pane.setObjectName("imagePane")
        self.image_pane.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_pane.setMinimumSize(240, 180)
        self.image_pane.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.history_view = ConversationList()
        self.question = name(QuestionBox(), "Question", "Type a question about the image and press Enter.")
        self.question.setPlaceholderText("Ask about the image, then press Enter")
        label = QLabel("&Question:")
        label.setBuddy(self.question)

        self.actions_by_name: dict[str, QAction] = {}
        act = self._action
        act("describe_screen", "Describe &screen", "Ctrl+Shift+D", lambda: self.describe("screen"),
            "Capture the screen under the mouse pointer and describe it.")
        act("describe_window", "Describe active &window", "Ctrl+Shift+W", lambda: self.describe("window"),
            "Capture the window you were using and describe it.")
        act("describe_desktop", "Describe &all screens", "Ctrl+Shift+A", lambda: self.describe("desktop"),
            "Capture every monitor at once and describe the whole desktop.")
        act("open", "&Open image…", QKeySequence.StandardKey.Open, self.open_image, "Choose an image file to describe.")
        act("paste", "&Paste image", QKeySequence.StandardKey.Paste, self.paste_image, "Describe the image on the clipboard.")
        act("ask", "&Ask", None, self.ask, "Ask the question typed in the question box.")
        act("new", "&New conversation", QKeySequence.StandardKey.New, self.new_conversation, "Forget the image and questions.")
        act("stop", "S&top speaking", "Escape", self.stop_speaking, "Stop speaking now.")
        act("repeat", "&Repeat last answer", "Ctrl+R", self.repeat_last, "Say the last answer again.")
        act("latest", "Go to &latest answer", "Ctrl+L", self.focus_latest, "Move to the newest turn of the conversation.")
        act("preset", "Next prompt &preset", "Ctrl+P", lambda: self.run_action("cycle_preset"),
            "Switch between a short caption, a detailed description and the visible text.")
        act("history", "&History…", "Ctrl+H", self.show_history, "Find, reopen, export or delete past conversations.")
        act("keys", "&Keyboard shortcuts", "F1", self.show_keys, "Say and show every shortcut and global hotkey.")
        act("settings", "&Settings…", "Ctrl+,", self.open_settings,
            "Model, answer length, speech, hotkeys, history, colours and text size.")
        act("download", "&Download the model", "Ctrl+Shift+M", lambda: self.download_flow.retry(),
            "Download the chosen model if it is not on this computer yet, or try loading it again.")
        act("quit", "&Quit", "Ctrl+Q", self.close, "Close BLIP Assistant.")

        ask_row = QHBoxLayout()
        ask_row.addWidget(label)
        ask_row.addWidget(self.question, 1)
        ask_row.addWidget(self._button("ask"))
        right = QVBoxLayout()
        right.addWidget(self.history_view, 1)
        right.addLayout(ask_row)
        right_box = QWidget()
        right_box.setLayout(right)
        splitter = QSplitter()
        splitter.addWidget(self.image_pane)
        splitter.addWidget(right_box)
        splitter.setStretchFactor(1, 2)

        buttons = QHBoxLayout()
        for key in ("describe_screen", "describe_window", "open", "paste", "new", "repeat", "stop"):
            buttons.addWidget(self._button(key))
        buttons.addStretch(1)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.addLayout(buttons)
        self.model_state = ModelStateLine(self.service)  # a line of its own: no later message overwrites it
        outer.addWidget(self.model_state)
        outer.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.status = name(QLabel(), "Status", "Model state and the latest message.")
        self.status.setWordWrap(True)  # a long message (the model error with its hf download hint) is never cut off
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.status.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.statusBar().addWidget(self.status, 1)
        self._build_menus()
        self.panes = [self.image_pane, self.history_view, self.question]
        for seq, step in (("F6", 1), ("Shift+F6", -1)):
            QShortcut(QKeySequence(seq), self, lambda s=step: self.cycle_pane(s))
        QWidget.setTabOrder(self.question, self.history_view)
        self.question.setFocus()

    def _action(self, key, text, shortcut, slot, tip) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[key] = action
        return action

    def _button(self, key: str) -> QToolButton:
        action = self.actions_by_name[key]
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        plain = action.text().replace("&", "").rstrip("…")
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        return name(button, plain, f"{action.statusTip()} Shortcut: {shortcut}." if shortcut else action.statusTip())

    def _build_menus(self) -> None:
        menus = [
            ("&File", ["open", "paste", "history", None, "settings", "download", None, "quit"]),
            ("&Describe", ["describe_screen", "describe_window", "describe_desktop"]),
            ("&Conversation", ["ask", "latest", "repeat", "stop", "preset", None, "new"]),
            ("&Help", ["keys"]),
        ]
        for title, keys in menus:
            menu = self.menuBar().addMenu(title)
            for key in keys:
                menu.addSeparator() if key is None else menu.addAction(self.actions_by_name[key])

    def _wire(self) -> None:
        self.question.returnPressed.connect(self.ask)
        s = self.service
        s.progress.connect(self._on_progress)
        s.ready.connect(self._on_ready)
        s.load_failed.connect(lambda message: self.report(with_next_steps(message), error=True))
        s.state_changed.connect(self._on_model_state)
        s.answered.connect(self._on_answered)
        s.failed.connect(self._on_failed)
        self.capture_flow.captured.connect(self._on_captured)
        self.capture_flow.failed.connect(lambda message: self.report(message, error=True))

    # -- inputs ------------------------------------------------------------------------
    def describe(self, target: str) -> None:
        # Said at once, so the user knows the key press was heard; the description interrupts it.
        what = {"screen": "the screen", "window": "the active window", "desktop": "all screens"}[target]
        if self._refused("described"):
            return
        self.show_status(f"Describing {what}…", announced=False)
        self.speak(f"Describing {what}…")
        self.capture_flow.request(target)

    def _on_captured(self, capture: Capture) -> None:
        if self._timing is not None:
            self._timing = (self._timing[0], self._timing[1], time.perf_counter())
        reason = blank_reason(capture.image)
        if reason:
            self.report(reason)
            return
        self.start_conversation(capture.image, capture.source)
        if capture.note:
            self.report(capture.note)

    # -- conversation ------------------------------------------------------------------
    def start_conversation(self, image: Image.Image, source: str) -> None:
        if self._refused("described"):
            return
        self.conversation, self._latest = Conversation(image, source), None
        self._history_id, self._unsaved = None, True
        self.history_view.clear()
        self._show_image(image)
        self.image_pane.setAccessibleName(f"Image: {source}")
        self.image_pane.setAccessibleDescription("Being described…")
        preset = PRESETS[self.preset_index]
        if preset.question:
            request = Request("ask", image, question=preset.question)
            self._submit(request, f"Question: {preset.question}\nAnswer: {THINKING}", preset.question)
        else:
            self._submit(Request("caption", image, prefix=preset.prefix), f"Description of {source}: {THINKING}", "")

    def _show_image(self, image: Image.Image) -> None:
        """Shrink in PIL first (reduce, then resize): a full 4K capture would stall the GUI thread."""
        ratio = self.image_pane.devicePixelRatioF()
        width, height = max(1, int(self.image_pane.width() * ratio)), max(1, int(self.image_pane.height() * ratio))
        factor = max(1, min(image.width // width, image.height // height))
        preview = image.reduce(factor) if factor > 1 else image
        scale = min(width / preview.width, height / preview.height, 1.0)
        if scale < 1.0:
            preview = preview.resize((max(1, int(preview.width * scale)), max(1, int(preview.height * scale))),
                                     Image.Resampling.BILINEAR)
        pixmap = QPixmap.fromImage(pil_to_qimage(preview))
        pixmap.setDevicePixelRatio(ratio)
        self.image_pane.setPixmap(pixmap)

    def ask(self) -> None:
        question = self.question.text().strip()
        if not question:
            self.report("Type a question first, then press Enter.")
            return
        if self.conversation is None:
            self.report("There is no image yet: open, paste or drop one, or describe the screen first.")
            return
        if self._refused("answered"):
            return  # the question stays in its box, to ask again once the model is there
        self.question.clear()
        request = Request("ask", self.conversation.image, question=question, history=self.conversation.history())
        self._submit(request, f"Question: {question}\nAnswer: {THINKING}", question)

    def _submit(self, request: Request, placeholder: str, question: str) -> None:
        if self._latest is not None and self._latest[2].text().endswith(THINKING):
            self._latest[2].setText(self._latest[2].text()[: -len(THINKING)] + "(stopped: a newer request came first)")
        item = QListWidgetItem(placeholder)
        self.history_view.addItem(item)
        self._latest = (request.id, question, item)
        self.service.submit(request)
        if not self.service.is_ready:
            progress = self.service.last_progress
            how_far = f" ({progress})" if progress else ""
            self.report(f"The model is still loading{how_far}; your request will run when it is ready.")
        else:
            self.show_status("Working…")

    def _on_answered(self, request_id: int, answer: Answer) -> None:
        if self._latest is None or request_id != self._latest[0] or self.conversation is None:
            return  # an answer to a request the user has since replaced
        _, question, item = self._latest
        info = self.service.info
        model, device = (info.model, info.precision) if info else ("", "")
        self._keep(question, answer, model, device)
        if question:
            self.conversation.turns.append(Turn(question, answer.text))
            item.setText(f"Question: {question}\nAnswer: {answer.text}")
        else:
            self.conversation.caption = answer.text
            item.setText(f"Description of {self.conversation.source}: {answer.text}")
            self.image_pane.setAccessibleDescription(answer.text)
        self.history_view.setCurrentItem(item)
        notes = []
        if answer.prompt_shortened:
            notes.append("Your question was shortened to fit the model.")
        if answer.dropped_turns:
            notes.append(f"The {answer.dropped_turns} oldest turns were left out to fit.")
        precision = self.service.info.precision if self.service.info else ""
        self.show_status(f"Answered in {answer.seconds:.1f} s on {precision}. {' '.join(notes)}".strip())
        if self.auto_speak:
            self.speak(answer.text)
        self._log_action_done()
        self.answer_shown.emit(answer.text)

    def _on_failed(self, request_id: int, message: str) -> None:
        if self._latest is not None and request_id == self._latest[0]:
            item = self._latest[2]
            item.setText(item.text().replace(THINKING, f"failed: {message}"))
            self.report(message, error=True)

    def _keep(self, question: str, answer: Answer, model: str, device: str) -> None:
        """Into the history: a new conversation together with its first answer, then each turn."""
        turn = NewTurn(question, answer.text, model, device, answer.seconds)
        if self._unsaved and self.conversation is not None:
            image, source = self.conversation.image, self.conversation.source
            self._history_id = self._remember(lambda h: h.start(image, source, [turn]))
            self._unsaved = False
        elif self._history_id is not None:
            self._remember(lambda h: h.add_turn(self._history_id, turn.question, turn.answer, model=model,
                                                device=device, seconds=turn.seconds))

    def _refused(self, verb: str) -> bool:
        """While there is no model, a request is answered at once with why and what to do: nothing waits."""
        if self.service.available:
            return False
        self.report(refusal(self.service, verb))
        return True

    def _on_model_state(self, _state: ModelState) -> None:
        if not self.service.available and self._latest is not None and self._latest[2].text().endswith(THINKING):
            item = self._latest[2]  # waited for a model that did not come: it is not run later
            item.setText(item.text()[: -len(THINKING)] + "not run: there is no model.")
            self._latest = None

    def new_conversation(self) -> None:
        self.service.stop()
        self.conversation, self._latest, self._unsaved = None, None, False
        self.history_view.clear()
        self.image_pane.clear()
        self.image_pane.setText("No image yet")
        self.image_pane.setAccessibleName("Image")
        self.image_pane.setAccessibleDescription("No image yet.")
        self.report("New conversation.")

    def last_answer(self) -> str:
        if self.conversation is None:
            return ""
        return self.conversation.turns[-1].answer if self.conversation.turns else self.conversation.caption

    # -- speech, focus, status -----------------------------------------------------------
    def stop_speaking(self) -> None:
        if self.speaker is not None:
            self.speaker.stop()

    def repeat_last(self) -> None:
        text = self.last_answer()
        if text:
            self.speak(text)
        else:
            self.report("There is no answer to repeat yet.")

    def focus_latest(self) -> None:
        count = self.history_view.count()
        if count:
            self.history_view.setCurrentRow(count - 1)
        self.history_view.setFocus()

    def cycle_pane(self, step: int) -> None:
        current = next((i for i, w in enumerate(self.panes) if w.hasFocus() or w.isAncestorOf(self.focusWidget())), -1)
        self.panes[(current + step) % len(self.panes)].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def report(self, message: str, error: bool = False) -> None:
        """Show ``message`` in the status line and speak it. Errors never arrive as tracebacks."""
        self.show_status(message, announced=False)  # spoken just below, through the screen reader's own route
        self.speak(message)
        log.log(logging.WARNING if error else logging.INFO, "%s", message)
        self.message_shown.emit(message)

    def speak(self, text: str) -> None:
        if self.speaker is not None:
            self.speaker.say(text)

    def show_status(self, text: str, announced: bool = True) -> None:
        """The status line.

        Its text is its accessible name, so Tab to it reads the text itself;
        a change is also announced politely (WCAG 4.1.3) to screen readers that take announcements.
        """
        self.status.setText(text)
        self.status.setAccessibleName(f"Status: {text}" if text else "Status")
        if announced:
            announce(self.status, text)

    def _on_progress(self, progress: Progress) -> None:
        self.show_status(f"Loading the model: {progress}", announced=False)  # many a second: never queue them up

    def _on_ready(self, info: ModelInfo) -> None:
        self.report(f"Model ready on {info.precision}.")

    def open_settings(self) -> None:
        if self.settings_controller is None:
            self.report("Settings are not available here.")
            return
        self.settings_controller.open()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.service.shutdown()
        super().closeEvent(event)
