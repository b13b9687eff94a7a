"""The main window, a view: image, conversation, question box, actions and status, all by keyboard.

It builds the widgets, the layout, the focus order and the menus, and forwards each user
action to its :class:`ConversationController`, which runs the conversation. Its
collaborators come in through the constructor; nothing outside patches it.
"""

from __future__ import annotations

import logging

from PIL import Image
from PySide6.QtCore import QMetaMethod, Qt, Signal
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
from assistant.core.capture.screen import Capturer
from assistant.core.history.store import HistoryStore
from assistant.core.session import TextRunner
from assistant.core.speech import Speaker
from assistant.qt.a11y import announce, name
from assistant.qt.conversation_controller import ConversationController
from assistant.qt.conversation_list import ConversationList
from assistant.qt.inputs import mime_has_image, pil_to_qimage
from assistant.qt.model_state import ModelStateLine
from assistant.qt.question_box import QuestionBox
from assistant.qt.text_pane import TextPane
from assistant.qt.worker import ModelService

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    message_shown = Signal(str)  # every status message and error, as shown and spoken
    answer_shown = Signal(str)  # every caption and answer, once it is in the conversation
    settings_requested = Signal()  # the Settings action: whoever owns the settings opens them

    def __init__(self, service: ModelService, capturer: Capturer, speaker: Speaker | None = None, settle_ms: int = 100,
                 auto_speak: bool = True, history: HistoryStore | None = None, reader: TextRunner | None = None,
                 spoken_lines: int = 10):
        super().__init__()
        self.setWindowTitle(APP_NAME)
        name(self, APP_NAME, "Describes the screen or an image, and answers questions about it.")
        self.service = service
        self._build()
        self.controller = ConversationController(self, service, capturer, speaker, history, auto_speak, settle_ms,
                                                 reader, spoken_lines)
        self.question.returnPressed.connect(self.controller.ask)
        self.setAcceptDrops(True)
        self.show_status("Starting: loading the model…")
        self.resize(960, 640)

    # -- what others read and call (forwarded to the controller) --------------------------------
    @property
    def conversation(self):
        return self.controller.session.conversation

    @property
    def speaker(self) -> Speaker | None:
        return self.controller.speaker

    @property
    def history(self) -> HistoryStore | None:
        return self.controller.history

    @property
    def capture_flow(self):
        return self.controller.capture_flow

    @property
    def download_flow(self):
        return self.controller.download_flow

    @property
    def hotkey_help(self) -> str:
        return self.controller.hotkey_help

    @property
    def auto_speak(self) -> bool:
        return self.controller.session.auto_speak

    def describe(self, target: str) -> None:
        self.controller.describe(target)

    def open_path(self, path: str) -> None:
        self.controller.open_path(path)

    def ask(self) -> None:
        self.controller.ask()

    def run_action(self, action: str, pressed_at: float | None = None) -> None:
        self.controller.run_action(action, pressed_at)

    def report(self, message: str, error: bool = False) -> None:
        self.controller.report(message, error)

    def speak(self, text: str) -> None:
        self.controller.speak(text)

    def show_history(self) -> None:
        self.controller.show_history()

    def open_stored(self, stored) -> None:
        self.controller.open_stored(stored)

    def forget_history_id(self, conversation_id: int | None) -> None:
        self.controller.forget_history_id(conversation_id)

    def last_answer(self) -> str:
        return self.controller.last_answer()

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
        c = lambda name: lambda: getattr(self.controller, name)()  # noqa: E731 (the controller is made after the actions)
        act("describe_screen", "Describe &screen", "Ctrl+Shift+D", lambda: self.describe("screen"),
            "Capture the screen under the mouse pointer and describe it.")
        act("describe_window", "Describe active &window", "Ctrl+Shift+W", lambda: self.describe("window"),
            "Capture the window you were using and describe it.")
        act("describe_desktop", "Describe &all screens", "Ctrl+Shift+A", lambda: self.describe("desktop"),
            "Capture every monitor at once and describe the whole desktop.")
        act("open", "&Open image…", QKeySequence.StandardKey.Open, c("open_image"), "Choose an image file to describe.")
        act("paste", "&Paste image", QKeySequence.StandardKey.Paste, c("paste_image"), "Describe the image on the clipboard.")
        act("ask", "&Ask", None, c("ask"), "Ask the question typed in the question box.")
        act("new", "&New conversation", QKeySequence.StandardKey.New, c("new_conversation"), "Forget the image and questions.")
        act("copy_text", "&Copy the text found", "Ctrl+Shift+C", c("copy_text"),
            "Copy all the text read in the image to the clipboard, one line each.")
        act("stop", "S&top speaking", "Escape", c("stop_speaking"), "Stop speaking now.")
        act("repeat", "&Repeat last answer", "Ctrl+R", c("repeat_last"), "Say the last answer again.")
        act("latest", "Go to &latest answer", "Ctrl+L", self.focus_latest, "Move to the newest turn of the conversation.")
        act("preset", "Next prompt &preset", "Ctrl+P", lambda: self.run_action("cycle_preset"),
            "Switch between a short caption, a detailed description and the visible text.")
        act("history", "&History…", "Ctrl+H", c("show_history"), "Find, reopen, export or delete past conversations.")
        act("keys", "&Keyboard shortcuts", "F1", c("show_keys"), "Say and show every shortcut and global hotkey.")
        act("settings", "&Settings…", "Ctrl+,", self._open_settings,
            "Model, answer length, speech, hotkeys, history, colours and text size.")
        act("download", "&Download the model", "Ctrl+Shift+M", lambda: self.download_flow.retry(),
            "Download the chosen model if it is not on this computer yet, or try loading it again.")
        act("unload", "&Free the model's memory", "Ctrl+Shift+U", c("unload_model"),
            "Take the model out of memory now; it loads again with your next request.")
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
        self.text_pane = TextPane()
        self.text_view = self.text_pane.list
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.image_pane)
        left.addWidget(self.text_pane)
        splitter = QSplitter()
        splitter.addWidget(left)
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
        self.panes = [self.image_pane, self.text_view, self.history_view, self.question]
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
            ("&File", ["open", "paste", "history", None, "settings", "download", "unload", None, "quit"]),
            ("&Describe", ["describe_screen", "describe_window", "describe_desktop"]),
            ("&Conversation", ["ask", "latest", "repeat", "stop", "preset", "copy_text", None, "new"]),
            ("&Help", ["keys"]),
        ]
        for title, keys in menus:
            menu = self.menuBar().addMenu(title)
            for key in keys:
                menu.addSeparator() if key is None else menu.addAction(self.actions_by_name[key])

    # -- what the controller shows -------------------------------------------------------------
    def show_conversation(self, image: Image.Image | None, source: str, texts: list[str], description: str = "") -> None:
        """A new or reopened conversation: its image (or none) and its turns so far."""
        self.history_view.clear()
        for text in texts:
            self.history_view.addItem(QListWidgetItem(text))
        if texts:
            self.history_view.setCurrentRow(self.history_view.count() - 1)
        if image is None:
            self.image_pane.clear()
            return
        self._show_image(image)
        self.image_pane.setAccessibleName(f"Image: {source}")
        self.image_pane.setAccessibleDescription(description or "Being described…")

    def add_turn_item(self, text: str) -> QListWidgetItem:
        item = QListWidgetItem(text)
        self.history_view.addItem(item)
        return item

    def clear_conversation(self) -> None:
        self.text_pane.show_note("No image yet.")
        self.history_view.clear()
        self.image_pane.clear()
        self.image_pane.setText("No image yet")
        self.image_pane.setAccessibleName("Image")
        self.image_pane.setAccessibleDescription("No image yet.")

    def bring_up_question(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.question.setFocus(Qt.FocusReason.ShortcutFocusReason)

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

    def focus_latest(self) -> None:
        count = self.history_view.count()
        if count:
            self.history_view.setCurrentRow(count - 1)
        self.history_view.setFocus()

    def cycle_pane(self, step: int) -> None:
        current = next((i for i, w in enumerate(self.panes) if w.hasFocus() or w.isAncestorOf(self.focusWidget())), -1)
        self.panes[(current + step) % len(self.panes)].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_status(self, text: str, announced: bool = True) -> None:
        """The status line.

        Its text is its accessible name, so Tab to it reads the text itself;
        a change is also announced politely (WCAG 4.1.3) to screen readers that take announcements.
        """
        self.status.setText(text)
        self.status.setAccessibleName(f"Status: {text}" if text else "Status")
        if announced:
            announce(self.status, text)

    def _open_settings(self) -> None:
        if not self.isSignalConnected(QMetaMethod.fromSignal(self.settings_requested)):
            self.report("Settings are not available here.")
            return
        self.settings_requested.emit()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if mime_has_image(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        event.acceptProposedAction()
        self.controller.take_mime(event.mimeData())

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.service.shutdown()
        super().closeEvent(event)
