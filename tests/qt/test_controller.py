"""The conversation controller driven with a fake view and no window: what it asks the view to show, and what is said.

The model is the real tiny BLIP-2 on the real model thread; the text reader is FakeTextReader
(fixed lines, so what the controller does with them is what is tested); the history is a real
HistoryStore. The view is a fake because this test is about the controller alone: the real
window is tested with the same controller in the other files here and under Orca in tests/xscreen.
"""

from __future__ import annotations

import threading

from PIL import Image
from PySide6.QtWidgets import QWidget

from assistant.config import HotkeySettings
from assistant.core.announcer import Announcer
from assistant.core.capture.screen import FakeCapturer
from assistant.core.errors import ImageError
from assistant.core.geometry import Rect
from assistant.core.history.store import HistoryStore
from assistant.core.hotkeys.source import FakeHotkeys
from assistant.core.session import Session
from assistant.core.speech import SilentSpeaker
from assistant.core.text.reader import FakeTextReader, TextLine
from assistant.core.text.runner import ThreadTextRunner
from assistant.qt.capture_flow import CaptureFlow
from assistant.qt.conversation_controller import ConversationController
from assistant.qt.model_service import ModelService
from assistant.qt.text_flow import TextFlow

WAIT = 120_000
LINES = [TextLine("Export", Rect(300, 20, 80, 24), 0.99), TextLine("Cancel", Rect(20, 200, 80, 24), 0.98)]


class FakeView:
    """Records what the controller shows; implements ``assistant.qt.view.ConversationView``."""

    def __init__(self):
        self.turns: list[str] = []
        self.text: tuple[list[str], str] = ([], "")
        self.status = ""
        self.image_description = ""
        self.source = ""
        self.question_cleared = 0
        self.clipboard = ""

    def show_conversation(self, image, source, turns, description=""):
        self.source, self.turns = source, list(turns)

    def clear_conversation(self):
        self.source, self.turns = "", []

    def add_turn(self, text):
        self.turns.append(text)
        return len(self.turns) - 1

    def set_turn(self, row, text):
        self.turns[row] = text

    def describe_image(self, description):
        self.image_description = description

    def show_text(self, items, note=""):
        self.text = (list(items), note)

    def show_status(self, text, announced=True):
        self.status = text

    def clear_question(self):
        self.question_cleared += 1

    def focus_question(self, bring_up=False):
        pass

    def shortcuts(self):
        return ["Describe screen: Ctrl+Shift+D"]

    def clipboard_image(self):
        raise ImageError("The clipboard holds no image.")

    def copy_text(self, text):
        self.clipboard = text


def test_describe_text_caption_follow_up_and_history_with_a_fake_view(qtbot, tiny_model_dirs, tmp_path):
    from conftest import tiny_factory  # tests/qt/conftest.py

    view, speaker = FakeView(), SilentSpeaker()
    announcer = Announcer(view, speaker)
    history = HistoryStore(tmp_path / "history")
    reader = FakeTextReader(LINES)
    session = Session(history, announcer, reader=ThreadTextRunner(reader))
    service = ModelService(tiny_factory(tiny_model_dirs["opt"]))
    hidden = QWidget()  # what a capture hides: never shown here, so nothing is hidden
    capture = CaptureFlow(hidden, FakeCapturer(Image.effect_noise((400, 240), 80).convert("RGB")), settle_ms=0)
    hotkeys = FakeHotkeys(lambda action, pressed_at: controller.run_action(action, pressed_at))
    controller = ConversationController(view, session, service, capture, TextFlow(view, session, announcer), announcer,
                                        hotkeys)
    hotkeys.start(HotkeySettings())
    try:
        service.start()
        qtbot.waitUntil(lambda: service.is_ready, timeout=WAIT)
        assert hotkeys.press("describe_screen")  # the global hotkey
        assert speaker.said[-1] == "Describing the screen…"
        qtbot.waitUntil(lambda: bool(view.turns) and not controller.pending, timeout=WAIT)
        caption = session.conversation.caption
        assert len(view.turns) == 1 and view.turns[0].startswith(f"Description of screen: {caption}\n")
        assert "Export" in view.turns[0] and "Cancel" in view.turns[0]
        assert view.text[0] and "Export" in view.text[0][0] + view.text[0][1]  # the Text found list, with where
        assert view.image_description == caption
        said = speaker.said[speaker.said.index("Describing the screen…") + 1:]
        # The text found the moment it is read, then the caption; or both together when the caption came first.
        assert (len(said) == 2 and said[0].startswith("Text on screen:") and "Export" in said[0] and said[1] == caption) \
            or (said == [said[0]] and said[0].startswith(caption) and "Export" in said[0]), said
        assert view.status.startswith("Answered in")

        controller.ask("where is Export?")  # answered from the text found: no model
        assert view.turns[-1].startswith("Question: where is Export?\nAnswer: ") and "top right" in view.turns[-1]
        assert not controller.pending
        controller.ask("what colour is it?")
        assert view.turns[-1] == "Question: what colour is it?\nAnswer: …" and controller.pending
        qtbot.waitUntil(lambda: not controller.pending, timeout=WAIT)
        answer = session.conversation.turns[-1].answer
        assert view.turns[-1] == f"Question: what colour is it?\nAnswer: {answer}"
        assert speaker.said[-1] == answer

        controller.run_action("copy_text")
        assert view.clipboard.splitlines() == ["Export", "Cancel"]  # in reading order, one a line
        kept = history.list()
        assert len(kept) == 1 and [t.question for t in kept[0].turns] == ["", "where is Export?", "what colour is it?"]
        assert kept[0].turns[0].answer == caption
    finally:
        service.shutdown()
        session.close()
        history.close()


def test_a_newer_request_marks_the_pending_turn_stopped_and_pending_state_is_the_controllers(qtbot, tiny_model_dirs):
    from conftest import tiny_factory

    view, speaker = FakeView(), SilentSpeaker()
    announcer = Announcer(view, speaker)
    session = Session(None, announcer)
    gate = threading.Event()
    service = ModelService(tiny_factory(tiny_model_dirs["opt"], gate))
    capture = CaptureFlow(QWidget(), FakeCapturer(), settle_ms=0)
    controller = ConversationController(view, session, service, capture, TextFlow(view, session, announcer), announcer)
    try:
        service.start()
        controller.start(Image.effect_noise((64, 48), 80).convert("RGB"), "photo.png")
        assert view.turns == ["Description of photo.png: …"] and controller.pending
        assert "still loading" in speaker.said[-1]
        controller.ask("is it red?")
        assert view.turns[0] == "Description of photo.png: (stopped: a newer request came first)"
        gate.set()
        qtbot.waitUntil(lambda: not controller.pending, timeout=WAIT)
        assert view.turns[1].startswith("Question: is it red?\nAnswer: ") and not view.turns[1].endswith("…")
    finally:
        service.shutdown()
