"""The text found in the window: its own list, copied with Ctrl+Shift+C, the OCR-only preset, "where is X".

The text reader here is a fake (FakeTextReader, on a thread): what it reads is fixed, so the
window's part is what is tested; the real reader is tested in tests/text and the CLI tests.
"""

import threading

from conftest import answer_shown  # tests/qt/conftest.py
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from assistant.core.geometry import Rect
from assistant.core.text.reader import FakeTextReader, TextLine
from assistant.core.text.runner import ThreadTextRunner
from tests.text.screens import dialog

WAIT = 120_000
LINES = [TextLine("Save", Rect(1060, 630, 60, 24), 0.99), TextLine("Sign in", Rect(1720, 25, 80, 30), 0.98),
         TextLine("Save changes", Rect(675, 345, 150, 30), 1.0)]


class SlowReader(FakeTextReader):
    """Reads only once the test lets it: the caption arrives first."""

    def __init__(self, lines):
        super().__init__(lines)
        self.go = threading.Event()

    def read(self, image):
        self.go.wait(30)
        return super().read(image)


def window_with_text(make_window, qtbot, reader):
    window = make_window(capture_image=dialog()[0], reader=ThreadTextRunner(reader))
    if not window.service.is_ready:
        with qtbot.waitSignal(window.service.ready, timeout=WAIT):
            pass
    return window


def items(view):
    return [view.item(i).text() for i in range(view.count())]


def test_the_text_is_a_list_of_its_own_spoken_after_the_caption_and_copied_with_ctrl_shift_c(make_window, qtbot):
    reader = SlowReader(LINES)
    window = window_with_text(make_window, qtbot, reader)
    with answer_shown(window, qtbot, timeout=WAIT):
        with qtbot.waitSignal(window.service.answered, timeout=WAIT):
            window.describe("screen")
        assert items(window.text_view) == ["Reading the text…"], window.messages  # the caption is there first...
        assert window.history_view.item(0).text().endswith("…")
        reader.go.set()  # ...and waits for the text: both are said together
    assert items(window.text_view) == ["Sign in (top right)", "Save changes (centre)", "Save (centre)"]
    assert window.text_view.accessibleName() == "Text found: 3 lines"
    description = window.history_view.item(0).text()
    assert "\nText on screen:\nAt the top right: Sign in.\nAt the centre: Save changes; Save." in description
    assert window.speaker.said[-1].endswith("At the top right: Sign in.\nAt the centre: Save changes; Save.")
    window.text_view.setFocus()
    qtbot.keyClick(window.text_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == "Sign in\nSave changes\nSave"
    assert window.messages[-1] == "Copied 3 lines of text."


def test_where_is_answered_from_the_text_and_the_visible_text_preset_needs_no_model(make_window, qtbot):
    window = window_with_text(make_window, qtbot, FakeTextReader(LINES))
    with answer_shown(window, qtbot, timeout=WAIT):
        window.describe("screen")
    qtbot.keyClicks(window.question, "where is the Sign in button?")
    with answer_shown(window, qtbot, timeout=WAIT) as blocker:
        qtbot.keyClick(window.question, Qt.Key.Key_Return)
    assert blocker.args[0] == "“Sign in” is at the top right. (From the text found on screen.)"
    assert window.status.text() == "Answered from the text found."

    window.service.stop()
    window.service.unload()  # no model in memory: the OCR-only preset still answers
    window.run_action("cycle_preset")
    window.run_action("cycle_preset")
    assert window.messages[-1] == "Preset: visible text."
    submitted = []
    window.service.submit = submitted.append
    with answer_shown(window, qtbot, timeout=WAIT) as blocker:
        window.describe("screen")
    assert submitted == []  # the caption model was not asked
    assert items(window.history_view)[0].startswith("Text on screen:\nAt the top right: Sign in.")


def test_when_the_reader_fails_the_description_goes_on_and_the_list_says_why(make_window, qtbot):
    window = window_with_text(make_window, qtbot, FakeTextReader(error="The text could not be read: engine broke"))
    with answer_shown(window, qtbot, timeout=WAIT):
        window.describe("screen")
    assert items(window.text_view) == ["The text could not be read: engine broke The description goes on without the text."]
    assert window.history_view.item(0).text().startswith("Description of ")


def test_a_describe_before_the_model_is_ready_says_the_text_at_once_and_the_caption_when_it_comes(make_window, qtbot):
    gate = threading.Event()  # the model's load waits for it
    window = make_window(gate=gate, capture_image=dialog()[0], reader=ThreadTextRunner(FakeTextReader(LINES)))
    window.describe("screen")
    qtbot.waitUntil(lambda: len(items(window.text_view)) == 3, timeout=WAIT)
    qtbot.waitUntil(lambda: "The caption follows" in window.speaker.said[-1], timeout=WAIT)
    assert window.speaker.said[-1] == ("Text on screen:\nAt the top right: Sign in.\nAt the centre: Save changes; Save. "
                                       "The caption follows when the model is ready.")
    assert not window.service.is_ready and window.history_view.item(0).text().endswith("…")
    assert not any("still loading" in said for said in window.speaker.said)  # shown, not said over the text
    with answer_shown(window, qtbot, timeout=WAIT):
        gate.set()
    caption = window.controller.session.conversation.caption
    assert window.speaker.said[-1] == caption and sum("Sign in" in said for said in window.speaker.said) == 1
    assert "\nText on screen:\nAt the top right: Sign in." in window.history_view.item(0).text()  # shown whole
