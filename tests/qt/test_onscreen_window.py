"""Describe the focused control and explore the screen items, in the window, by their hotkeys.

The accessibility API, the screen and the clicks are fakes here (the offscreen platform has none);
the real AT-SPI, screen, XTest clicks and what Orca says are tested in tests/xscreen/access.
"""

from __future__ import annotations

from PIL import Image, ImageDraw
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from assistant.core.access.clicks import FakeClicker
from assistant.core.access.element import Element, FakeProbe
from assistant.core.geometry import Rect
from assistant.core.history.store import HistoryStore
from assistant.core.text.reader import FakeTextReader, TextLine
from assistant.core.text.runner import ThreadTextRunner

WAIT = 120_000
FRAME = Element("frame", "Tool", rect=Rect(0, 0, 120, 80))


def screen() -> Image.Image:
    image = Image.new("RGB", (120, 80), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 40, 30), fill=(200, 200, 200), outline="black")
    draw.rectangle((60, 10, 100, 30), fill=(180, 220, 180), outline="black")
    return image


def ready(make_window, qtbot, **parts):
    window = make_window(capture_image=screen(), **parts)
    if not window.service.is_ready:
        with qtbot.waitSignal(window.service.ready, timeout=WAIT):
            pass
    return window


def test_the_focused_control_is_said_by_role_then_its_text_then_its_look_and_kept(make_window, qtbot, tmp_path):
    button = Element("push button", rect=Rect(10, 10, 31, 21), ancestors=(FRAME,))
    reader = ThreadTextRunner(FakeTextReader([TextLine("Export", Rect(8, 8, 20, 10), 0.9)]))
    history = HistoryStore(tmp_path)
    window = ready(make_window, qtbot, probe=FakeProbe(button), reader=reader, history=history)
    window.run_action("describe_focus")
    qtbot.waitUntil(lambda: any(m.startswith("Looks like: ") for m in window.messages), timeout=WAIT)
    said = window.messages
    lead, text = said.index("Unlabeled button"), said.index("Text: Export.")
    look = next(i for i, m in enumerate(said) if m.startswith("Looks like: "))
    assert lead < text < look, said
    assert window.conversation.image.size == (43, 33)  # the button and a small margin, not the screen
    qtbot.waitUntil(lambda: window.history_view.item(0).text().startswith("Focused control: Unlabeled button"))
    shown = window.history_view.item(0).text()
    assert "at the top left of the Tool window" in shown and "Looks like: " in shown
    assert history.list()[0].source == "focused control"


def test_an_app_that_exposes_nothing_gets_its_window_described_and_that_is_said(make_window, qtbot):
    window = ready(make_window, qtbot, probe=FakeProbe(None))
    before = len(window.messages)
    window.run_action("describe_focus")
    qtbot.waitUntil(lambda: any(m.startswith("Looks like: ") for m in window.messages), timeout=WAIT)
    assert window.messages[before] == "No control details here; describing the focused window."
    assert window.conversation.source == "focused window" and window.conversation.image.size == (120, 80)


def explore_window(make_window, qtbot):
    probe = FakeProbe(elements=[Element("push button", "Save", rect=Rect(60, 10, 41, 21), ancestors=(FRAME,))])
    reader = ThreadTextRunner(FakeTextReader([TextLine("Open", Rect(12, 14, 26, 12), 0.9)]))
    clicker = FakeClicker()
    window = ready(make_window, qtbot, probe=probe, reader=reader, clicker=clicker)
    return window, clicker


def open_list(window, qtbot):
    dialog = window.explore.dialog
    window.run_action("explore")
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.list.count() == 2, timeout=WAIT)
    return dialog


def test_explore_lists_the_text_and_the_controls_and_enter_clicks_the_one_chosen(make_window, qtbot):
    window, clicker = explore_window(make_window, qtbot)
    dialog = open_list(window, qtbot)
    assert [dialog.list.item(i).text() for i in range(2)] == [
        "Open, at the top left of the Fake window, left of Save", "Save, button, at the top right of the Fake window, "
        "right of Open"]
    assert dialog.list.accessibleName().startswith("Screen items: 2. Arrows move, Enter clicks")
    QTest.keyClick(dialog.list, Qt.Key.Key_Down)
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: clicker.clicks == [(80, 20, "left", 1)], timeout=WAIT)
    assert "Clicking Save." in window.messages and not dialog.isVisible()

    dialog = open_list(window, qtbot)
    QTest.keyClick(dialog.list, Qt.Key.Key_Escape)  # back to the app: nothing clicked
    assert not dialog.isVisible() and len(clicker.clicks) == 1

    dialog = open_list(window, qtbot)
    QTest.keyClick(dialog.list, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(clicker.clicks) == 2, timeout=WAIT)
    assert clicker.clicks[-1] == (25, 20, "left", 2) and "Double-clicking Open." in window.messages


def test_a_changed_window_is_said_before_clicking_and_a_second_enter_clicks(make_window, qtbot):
    window, clicker = explore_window(make_window, qtbot)
    dialog = open_list(window, qtbot)
    window.capturer.image = Image.new("RGB", (120, 80), "black")  # the window changed since the list was made
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any("has changed" in m for m in window.messages), timeout=WAIT)
    assert clicker.clicks == [] and dialog.isVisible()
    QTest.keyClick(dialog.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: clicker.clicks == [(25, 20, "left", 1)], timeout=WAIT)


def test_d_describes_an_item_and_an_unlabeled_one_is_named_by_its_look_when_reached(make_window, qtbot):
    probe = FakeProbe(elements=[Element("image", "", rect=Rect(60, 10, 41, 21), ancestors=(FRAME,))])
    reader = ThreadTextRunner(FakeTextReader([TextLine("Open", Rect(12, 14, 26, 12), 0.9)]))
    window = ready(make_window, qtbot, probe=probe, reader=reader, clicker=FakeClicker())
    dialog = window.explore.dialog
    window.run_action("explore")
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.list.count() == 2, timeout=WAIT)
    QTest.keyClick(dialog.list, Qt.Key.Key_Down)  # the unlabeled image: described when first reached
    qtbot.waitUntil(lambda: "looks like" in dialog.list.item(1).text(), timeout=WAIT)
    assert window.conversation.source == "explore item"
    QTest.keyClick(dialog.list, Qt.Key.Key_Up)
    QTest.keyClick(dialog.list, Qt.Key.Key_D)
    qtbot.waitUntil(lambda: window.conversation.lead.startswith("Open"), timeout=WAIT)
