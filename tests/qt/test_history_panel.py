"""The history in the window: kept as you go, found by keyboard, reopened, exported, deleted."""

import pytest
from conftest import answer_shown  # tests/qt/conftest.py
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from assistant.core.history.store import HistoryStore

WAIT = 120_000


@pytest.fixture
def window(make_window, tmp_path, qtbot):
    w = make_window(history=HistoryStore(tmp_path / "data"))
    with qtbot.waitSignal(w.service.ready, timeout=WAIT):
        pass
    return w


def describe_and_ask(window, qtbot, path, question):
    with answer_shown(window, qtbot, timeout=WAIT):
        window.open_path(str(path))
    window.question.setText(question)
    with answer_shown(window, qtbot, timeout=WAIT):
        window.ask()


def test_conversations_are_kept_as_they_happen(window, qtbot, picture_file):
    describe_and_ask(window, qtbot, picture_file, "is there a cat?")
    stored = window.history.list()
    assert len(stored) == 1 and stored[0].source == "photo.png"
    assert [t.question for t in stored[0].turns] == ["", "is there a cat?"] and stored[0].image.exists()


def test_reopen_from_the_history_dialog_and_continue_the_conversation(window, qtbot, picture_file):
    describe_and_ask(window, qtbot, picture_file, "is there a cat?")
    window.actions_by_name["new"].trigger()
    window.actions_by_name["history"].trigger()
    dialog = window.history_dialog
    assert dialog.list.count() == 1 and dialog.list.currentRow() == 0
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert window.conversation is not None and window.conversation.source == "photo.png"
    assert [t.question for t in window.conversation.turns] == ["is there a cat?"]
    assert window.history_view.count() == 2
    window.question.setText("and a dog?")
    with answer_shown(window, qtbot, timeout=WAIT):
        window.ask()
    assert [t.question for t in window.history.list()[0].turns] == ["", "is there a cat?", "and a dog?"]


def test_search_export_and_delete_with_confirmation(window, qtbot, picture_file, tmp_path, monkeypatch):
    describe_and_ask(window, qtbot, picture_file, "what does the sign say?")
    describe_and_ask(window, qtbot, picture_file, "is it raining?")
    window.actions_by_name["history"].trigger()
    dialog = window.history_dialog
    assert dialog.list.count() == 2
    qtbot.keyClicks(dialog.search, "raining")
    assert dialog.list.count() == 1 and "1 conversation found." in window.status.text()
    dialog.export_to(window.history.list(), tmp_path / "all.md")
    assert "what does the sign say?" in (tmp_path / "all.md").read_text()
    # The confirmation is a modal dialog; answer it as a user would, by monkeypatching its result.
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    dialog.delete(False)
    assert len(window.history.list()) == 2
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.delete(False)
    assert len(window.history.list()) == 1
    dialog.delete(True)
    assert window.history.list() == [] and "Deleted 1 conversation." in window.status.text()


def test_every_control_in_the_history_dialog_is_named(window):
    window.actions_by_name["history"].trigger()
    dialog = window.history_dialog
    from PySide6.QtWidgets import QLineEdit, QListWidget, QPushButton

    widgets = [w for kind in (QPushButton, QLineEdit, QListWidget) for w in dialog.findChildren(kind)]
    assert len(widgets) >= 8 and all(w.accessibleName() for w in widgets)
