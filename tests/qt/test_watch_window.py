"""Watch mode and "What changed?" in the window, by their hotkeys and the question box.

The screen is a fake here (the offscreen platform has none): each test swaps the picture it
shows. The text reader and the model are the real ones (RapidOCR, a tiny BLIP-2); the real
screen, Orca and speech-dispatcher are in tests/xscreen/test_watch_on_x.py.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from assistant import APP_NAME
from assistant.config import Settings, WatchSettings
from assistant.core.text.runner import ThreadTextRunner
from tests.core.test_watch import window as screen

WAIT = 120_000


def watching_app(make_window, qtbot, first, history=None, **watch):
    settings = Settings(watch=WatchSettings(area="screen", interval_s=0.1, **watch))
    app = make_window(capture_image=first, reader=ThreadTextRunner(), settings=settings, history=history)
    if not app.service.is_ready:
        with qtbot.waitSignal(app.service.ready, timeout=WAIT):
            pass
    return app


def test_watching_says_only_new_text_lists_the_changes_and_stops_with_its_hotkey(make_window, qtbot):
    app = watching_app(make_window, qtbot, screen(["Installer ready"]))
    app.run_action("watch")
    qtbot.waitUntil(lambda: "Watching the screen. Press Control+Alt+Shift+C to stop." in app.messages, timeout=WAIT)
    assert app.window.windowTitle() == f"Watching the screen - {APP_NAME}"
    assert app.window.changes.isVisible()
    app.window.hide()  # the user is back in the app being watched: our own window is never read as a change
    watcher = app.controller.watch.watcher
    qtbot.waitUntil(lambda: watcher.stats.unchanged > 0, timeout=WAIT)  # what was there at the start is known
    app.capturer.image = screen(["Installer ready", "Unpacking files"])
    qtbot.waitUntil(lambda: "Unpacking files" in app.messages, timeout=WAIT)
    rows = app.window.changes.rows()
    assert len(rows) == 1 and rows[0].endswith(" New: Unpacking files"), rows
    assert "Installer ready" not in app.messages  # on screen before watching began
    app.run_action("stop")  # the global stop silences speech; the watch goes on
    assert app.controller.watch.watching
    app.window.show()
    app.run_action("watch")
    assert app.messages[-1] == "Watching stopped."
    assert app.window.windowTitle() == APP_NAME
    assert not app.window.changes.isVisible() and app.window.changes.rows() == []  # kept in memory only, then gone
    assert app.history is None or all("changes in" not in c.source for c in app.history.list())


def test_what_changed_typed_in_the_question_box_compares_with_the_last_description(make_window, qtbot):
    app = watching_app(make_window, qtbot, screen(["Downloading report 45 %", "Please wait"], box="blue"))
    app.describe("screen")
    qtbot.waitUntil(lambda: app.controller.last_answer() != "" and not app.controller.pending, timeout=WAIT)
    app.capturer.image = screen(["Download complete", "Please wait"], box="orange")
    QTest.keyClicks(app.question, "what changed?")
    QTest.keyClick(app.question, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(m.startswith("New: 'Download complete'.") for m in app.messages), timeout=WAIT)
    answer = next(m for m in app.messages if m.startswith("New: "))
    assert "Gone: 'Downloading report 45" in answer and "The area at the bottom right changed" in answer
    assert app.conversation.turns[-1].question == "What changed?"
    assert app.question.text() == ""
    # The area has no text: the model's words for it follow, after the answer, never cutting it off.
    qtbot.waitUntil(lambda: any(m.startswith("At the bottom right, now: ") for m in app.messages), timeout=WAIT)
    app.run_action("what_changed")  # the new look is the one compared with now: nothing changed since
    qtbot.waitUntil(lambda: app.messages[-1] == "Nothing has changed.", timeout=WAIT)


def test_what_changed_with_nothing_described_yet_says_what_to_do(make_window, qtbot):
    app = watching_app(make_window, qtbot, screen(["Hello"]))
    app.run_action("what_changed")
    assert app.messages[-1].startswith("There is nothing to compare with yet: describe a window or the screen")


def test_the_watch_settings_are_in_the_settings_dialog_and_apply_to_the_next_watch(make_window, qtbot):
    app = watching_app(make_window, qtbot, screen(["Hello"]))
    app.settings_controller.open()
    dialog = app.settings_controller.dialog
    dialog.watch_rate.setCurrentIndex(dialog.watch_rate.findData(1.0))
    dialog.watch_every.setValue(5)
    dialog.watch_keep.setChecked(True)
    dialog.accept()
    watch = app.controller.watch.settings
    assert (watch.interval_s, watch.update_every_s, watch.keep_changes, watch.area) == (1.0, 5.0, True, "screen")


def start_watching(app, qtbot):
    app.run_action("watch")
    qtbot.waitUntil(lambda: app.controller.watch.watching, timeout=WAIT)
    app.window.hide()
    watcher = app.controller.watch.watcher
    qtbot.waitUntil(lambda: watcher.stats.unchanged > 0, timeout=WAIT)


def test_kept_changes_become_a_history_entry_and_an_area_without_text_is_described(make_window, qtbot, tmp_path):
    from assistant.core.history.store import HistoryStore

    history = HistoryStore(tmp_path)
    app = watching_app(make_window, qtbot, screen(["Call in progress"], box="green"), history=history,
                       keep_changes=True, describe_areas=True)
    start_watching(app, qtbot)
    app.capturer.image = screen(["Call in progress"], box="red")  # as bright as the green, so not in grey; no text
    qtbot.waitUntil(lambda: any(m.startswith("At the bottom right: ") for m in app.messages), timeout=WAIT)
    app.capturer.image = screen(["Call in progress", "Muted"], box="red")
    qtbot.waitUntil(lambda: "Muted" in app.messages, timeout=WAIT)
    app.window.show()
    app.run_action("watch")
    [kept] = [c for c in history.list() if c.source == "changes in the screen"]
    answer = history.get(kept.id).turns[0].answer
    assert "At the bottom right: " in answer and "New: Muted" in answer
