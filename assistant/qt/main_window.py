"""The main window, a view: image, text found, conversation, question box, actions and status, all by keyboard.

It builds the widgets, the layout, the focus order and the menus; each user action leaves
it as an intent signal, and it implements :class:`assistant.qt.view.ConversationView`,
which the controller drives. It builds no controller and holds no conversation state.
"""

from __future__ import annotations

import logging

from PIL import Image
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from assistant import APP_NAME
from assistant.core.errors import ImageError
from assistant.i18n import N_, _
from assistant.qt.a11y import announce, name
from assistant.qt.changes_pane import ChangesPane
from assistant.qt.conversation_list import ConversationList
from assistant.qt.inputs import IMAGE_FILTER, image_from_mime, mime_has_image, pil_to_qimage
from assistant.qt.question_box import QuestionBox
from assistant.qt.text_pane import TextPane
from assistant.qt.wrapping import WrappingButton, wrapping_row

log = logging.getLogger(__name__)
TOOLBAR = ("describe_screen", "describe_window", "open", "paste", "new", "repeat", "stop")


class MainWindow(QMainWindow):
    """The window. ``model_state`` is the model's state line, made by whoever owns the model."""

    describe_requested = Signal(str)  # "screen", "window" or "desktop"
    open_requested = Signal(str)  # a file the user chose
    image_received = Signal(object, str)  # an image pasted or dropped, and its source name
    image_refused = Signal(str)  # why a paste or drop held no image we can read
    question_asked = Signal(str)
    action_requested = Signal(str)  # repeat, stop, new, copy_text, cycle_preset, history, keys, settings, download, unload

    def __init__(self, model_state: QWidget | None = None):
        super().__init__()
        self.setWindowTitle(APP_NAME)
        name(self, APP_NAME, _("Describes the screen or an image, and answers questions about it."))
        self.model_state = model_state or QLabel()
        self._build()
        self.setAcceptDrops(True)
        self.show_status(_("Starting: loading the model…"))
        self.resize(960, 640)

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        self.image_pane = name(QLabel(_("No image yet")), _("Image"),
                               _("No image yet. Open, paste or drop one, or describe the screen."))
        self.image_pane.setObjectName("imagePane")
        self.image_pane.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_pane.setMinimumSize(240, 180)
        self.image_pane.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.history_view = ConversationList()
        self.question = name(QuestionBox(), _("Question"), _("Type a question about the image and press Enter."))
        self.question.setPlaceholderText(_("Ask about the image, then press Enter"))
        self.question.returnPressed.connect(self._ask)
        label = QLabel(_("&Question:"))
        label.setBuddy(self.question)
        self._build_actions()

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
        self.changes = ChangesPane()  # shown while watching
        left.addWidget(self.changes)
        splitter = self.splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right_box)
        splitter.setStretchFactor(1, 2)
        splitter.setMinimumWidth(1)  # side by side while they fit, else one above the other: see resizeEvent

        central = QWidget()
        central.setObjectName("content")
        outer = QVBoxLayout(central)
        self.toolbar = wrapping_row([self._button(key) for key in TOOLBAR])  # wraps: no label is ever cut off
        outer.addWidget(self.toolbar)
        outer.addWidget(self.model_state)  # a line of its own: no later message overwrites it
        outer.addWidget(splitter, 1)
        # Scrolls, rather than squeezes, when the window is smaller than its content at a large text size:
        # every label stays whole, and Tab scrolls to the control it reaches.
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own: Tab goes to the controls
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroller.setWidget(central)
        self.setCentralWidget(scroller)
        self.scroller = scroller

        self.status = name(QLabel(), _("Status"), _("Model state and the latest message."))
        self.status.setWordWrap(True)  # a long message (the model error with its hf download hint) is never cut off
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.status.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.statusBar().addWidget(self.status, 1)
        self._build_menus()
        self.panes = [self.image_pane, self.text_view, self.changes.list, self.history_view, self.question]
        for seq, step in (("F6", 1), ("Shift+F6", -1)):
            QShortcut(QKeySequence(seq), self, lambda s=step: self.cycle_pane(s))
        QWidget.setTabOrder(self.question, self.history_view)
        self.question.setFocus()
        QApplication.instance().focusChanged.connect(self._keep_in_view)

    def _build_actions(self) -> None:
        self.actions_by_name: dict[str, QAction] = {}
        act, intent = self._action, self.action_requested.emit
        describe = self.describe_requested.emit
        act("describe_screen", _("Describe &screen"), "Ctrl+Shift+D", lambda: describe("screen"),
            _("Capture the screen under the mouse pointer and describe it."))
        act("describe_window", _("Describe active &window"), "Ctrl+Shift+W", lambda: describe("window"),
            _("Capture the window you were using and describe it."))
        act("describe_desktop", _("Describe &all screens"), "Ctrl+Shift+A", lambda: describe("desktop"),
            _("Capture every monitor at once and describe the whole desktop."))
        for key, text, keys, tip in (
            ("describe_focus", N_("Describe the &focused control"), "Ctrl+Shift+F",
             N_("Say what the control you were on is: its role and name, the text in it, then what it looks like.")),
            ("describe_pointer", N_("Describe what is under the &pointer"), "Ctrl+Shift+O",
             N_("Describe the object under the mouse pointer, or the area around it.")),
            ("explore", N_("&Explore the screen items…"), "Ctrl+Shift+E",
             N_("List the text and controls of the window you were using; Enter clicks one.")),
            ("watch", N_("Wa&tch for changes (again to stop)"), "Ctrl+Shift+T",
             N_("Watch the window you were using and say only the text that is new; press again to stop.")),
            ("what_changed", N_("What &changed?"), "Ctrl+Shift+I",
             N_("Look again at the window or screen last described and say what is new, what is gone, what moved.")),
        ):
            act(key, text, keys, lambda _checked=False, k=key: intent(k), tip)
        act("open", _("&Open image…"), QKeySequence.StandardKey.Open, self._choose_file, _("Choose an image file to describe."))
        act("paste", _("&Paste image"), QKeySequence.StandardKey.Paste, self._paste, _("Describe the image on the clipboard."))
        act("ask", _("&Ask"), None, self._ask, _("Ask the question typed in the question box."))
        for key, text, keys, tip in (
            ("new", N_("&New conversation"), QKeySequence.StandardKey.New, N_("Forget the image and questions.")),
            ("copy_text", N_("&Copy the text found"), "Ctrl+Shift+C",
             N_("Copy all the text read in the image to the clipboard, one line each.")),
            ("translate_text", N_("Tra&nslate the text found"), "Ctrl+Shift+L",
             N_("Translate each line of the text read in the image into your language, and say it.")),
            ("stop", N_("S&top speaking"), "Escape", N_("Stop speaking now.")),
            ("repeat", N_("&Repeat last answer"), "Ctrl+R", N_("Say the last answer again.")),
            ("cycle_preset", N_("Next prompt &preset"), "Ctrl+P",
             N_("Switch between a short caption, a detailed description and the visible text.")),
            ("history", N_("&History…"), "Ctrl+H", N_("Find, reopen, export or delete past conversations.")),
            ("keys", N_("&Keyboard shortcuts"), "F1", N_("Say and show every shortcut and global hotkey.")),
            ("settings", N_("&Settings…"), "Ctrl+,",
             N_("Model, answer length, speech, hotkeys, history, colours and text size.")),
            ("download", N_("&Download the model"), "Ctrl+Shift+M",
             N_("Download the chosen model if it is not on this computer yet, or try loading it again.")),
            ("unload", N_("&Free the model's memory"), "Ctrl+Shift+U",
             N_("Take the model out of memory now; it loads again with your next request.")),
        ):
            act(key, text, keys, lambda _checked=False, k=key: intent(k), tip)
        act("latest", _("Go to &latest answer"), "Ctrl+L", self.focus_latest, _("Move to the newest turn of the conversation."))
        act("quit", _("&Quit"), "Ctrl+Q", self.close, _("Close BLIP Assistant."))

    def _action(self, key, text, shortcut, slot, tip) -> QAction:
        action = QAction(_(text), self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(_(tip))
        action.setToolTip(_(tip))
        action.triggered.connect(slot)
        self.addAction(action)
        self.actions_by_name[key] = action
        return action

    def _button(self, key: str) -> QToolButton:
        action = self.actions_by_name[key]
        button = WrappingButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        plain = action.text().replace("&", "").rstrip("…")
        shortcut = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        tip = action.statusTip()
        return name(button, plain, _("{tip} Shortcut: {shortcut}.").format(tip=tip, shortcut=shortcut) if shortcut else tip)

    def _build_menus(self) -> None:
        menus = [
            (N_("&File"), ["open", "paste", "history", None, "settings", "download", "unload", None, "quit"]),
            (N_("&Describe"), ["describe_screen", "describe_window", "describe_desktop", None, "describe_focus",
                           "describe_pointer", "explore", None, "watch", "what_changed"]),
            (N_("&Conversation"), ["ask", "latest", "repeat", "stop", "cycle_preset", "copy_text", "translate_text", None,
                               "new"]),
            (N_("&Help"), ["keys"]),
        ]
        for title, keys in menus:
            menu = self.menuBar().addMenu(_(title))
            for key in keys:
                menu.addSeparator() if key is None else menu.addAction(self.actions_by_name[key])

    # -- ways in: intents ----------------------------------------------------------------------
    def _ask(self) -> None:
        self.question_asked.emit(self.question.text())

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Open image"), "", _(IMAGE_FILTER))
        if path:
            self.open_requested.emit(path)

    def _paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if not mime_has_image(mime) and self.question.hasFocus():
            self.question.paste()  # text on the clipboard: an ordinary paste into the question
            return
        self._take_mime(mime)

    def _take_mime(self, mime) -> None:
        try:
            image, source = image_from_mime(mime)
        except ImageError as err:
            self.image_refused.emit(str(err))
            return
        self.image_received.emit(image, source)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if mime_has_image(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        event.acceptProposedAction()
        self._take_mime(event.mimeData())

    # -- the view protocol -------------------------------------------------------------------------
    def show_conversation(self, image: Image.Image | None, source: str, turns: list[str], description: str = "") -> None:
        self.history_view.clear()
        for text in turns:
            self.history_view.addItem(QListWidgetItem(text))
        if turns:
            self.history_view.setCurrentRow(self.history_view.count() - 1)
        if image is None:
            self.image_pane.clear()
            return
        self._show_image(image)
        self.image_pane.setAccessibleName(_('Image: {source}').format(source=source))
        self.image_pane.setAccessibleDescription(description or _("Being described…"))

    def clear_conversation(self) -> None:
        self.text_pane.show_note(_("No image yet."))
        self.history_view.clear()
        self.image_pane.clear()
        self.image_pane.setText(_("No image yet"))
        self.image_pane.setAccessibleName(_("Image"))
        self.image_pane.setAccessibleDescription(_("No image yet."))

    def add_turn(self, text: str) -> int:
        self.history_view.addItem(QListWidgetItem(text))
        row = self.history_view.count() - 1
        self.history_view.setCurrentRow(row)
        return row

    def set_turn(self, row: int, text: str) -> None:
        item = self.history_view.item(row)
        if item is not None:
            item.setText(text)
            self.history_view.setCurrentItem(item)

    def describe_image(self, description: str) -> None:
        self.image_pane.setAccessibleDescription(description)

    def show_text(self, items: list[str], note: str = "") -> None:
        if items:
            self.text_pane.show_lines(items)
        else:
            self.text_pane.show_note(note)

    def show_status(self, text: str, announced: bool = True) -> None:
        """The status line.

        Its text is its accessible name, so Tab to it reads the text itself;
        a change is also announced politely (WCAG 4.1.3) to screen readers that take announcements.
        """
        self.status.setText(text)
        self.status.setAccessibleName(_('Status: {text}').format(text=text) if text else _("Status"))
        if announced:
            announce(self.status, text)

    def clear_question(self) -> None:
        self.question.clear()

    def focus_question(self, bring_up: bool = False) -> None:
        if bring_up:
            self.showNormal()
            self.raise_()
            self.activateWindow()
        self.question.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def shortcuts(self) -> list[str]:
        return [f"{a.text().replace('&', '')}: {a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}"
                for a in self.actions_by_name.values() if not a.shortcut().isEmpty()]

    def clipboard_image(self) -> tuple[Image.Image, str]:
        return image_from_mime(QGuiApplication.clipboard().mimeData())

    def copy_text(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """Panes side by side while both fit whole; one above the other in a narrow window or at a large text size."""
        super().resizeEvent(event)
        panes = [self.splitter.widget(i) for i in range(self.splitter.count())]
        needed = sum(p.minimumSizeHint().width() for p in panes) + self.splitter.handleWidth() + 24
        wanted = Qt.Orientation.Horizontal if self.width() >= needed else Qt.Orientation.Vertical
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)

    # -- moving around -------------------------------------------------------------------------------
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

    def _keep_in_view(self, _old, now) -> None:
        """Whatever gets the focus (Tab, F6, a shortcut) is scrolled into view at a large text size."""
        if now is not None and self.scroller.widget().isAncestorOf(now):
            self.scroller.ensureWidgetVisible(now)

    def focus_latest(self) -> None:
        """Ctrl+L: the newest turn, current and focused."""
        count = self.history_view.count()
        if count:
            self.history_view.setCurrentRow(count - 1)
        self.history_view.setFocus()

    def cycle_pane(self, step: int) -> None:
        """F6 and Shift+F6: the next or previous pane."""
        panes = [w for w in self.panes if w.isVisibleTo(self)]  # the Changes list only while watching
        current = next((i for i, w in enumerate(panes) if w.hasFocus() or w.isAncestorOf(self.focusWidget())), -1)
        panes[(current + step) % len(panes)].setFocus(Qt.FocusReason.ShortcutFocusReason)
