"""The window while there is no model: a state of its own, every request answered at once, nothing saved or stale.

A real worker and the real loading code, with a model folder that does not exist (as a new user offline meets it).
"""

import threading

import pytest
from conftest import answer_shown  # tests/qt/conftest.py

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import ModelUnavailableError
from assistant.core.history.store import HistoryStore
from assistant.qt.model_service import ModelState

WAIT = 120_000


@pytest.fixture
def history(tmp_path):
    store = HistoryStore(tmp_path / "data")
    yield store
    store.close()


def missing_model(tmp_path):
    def build():
        from assistant.core.model.local.blip2 import Blip2Model

        return Blip2Model(ModelSettings(model=str(tmp_path / "no such model")), GenerationSettings())

    return build


def conversations_with_turns(history):
    return [(c.source, len(c.turns)) for c in history.list()]


def test_after_a_failed_load_the_state_stays_and_each_request_is_answered_at_once(make_window, qtbot, history,
                                                                                    tmp_path, picture_file, tiny_build):
    window = make_window(build=missing_model(tmp_path), history=history)
    if window.service.state is not ModelState.FAILED:
        with qtbot.waitSignal(window.service.load_failed, timeout=WAIT):
            pass
    line = window.model_state
    assert line.text().startswith("Model: not loaded.") and "no such model" in line.text()
    assert "Control+Shift+M" in line.text() and line.accessibleName() == line.text()
    assert line.wordWrap() and line.isVisible()  # read in full, by Tab and by the screen reader: never cut off
    before = line.text()
    window.parts.announcer.message("Speech is unavailable: no audio output device.", error=True)  # a later message
    assert line.text() == before  # ...does not overwrite the model's state

    for request in (lambda: window.describe("screen"), lambda: window.open_path(str(picture_file))):
        window.speaker.said.clear()
        request()
        (message,) = window.messages  # answered at once, in one message: nothing waits for a model
        assert message.startswith("Nothing was described: no model is loaded"), message
        assert "Control+Shift+M" in message and "--model PATH" in message
        assert window.status.text() == message  # shown as well as spoken
        assert window.conversation is None and window.history_view.count() == 0  # nothing pending
    assert window.capturer.calls == []  # the screen was not even captured
    assert history.list() == []  # nothing saved

    started = []
    window.service.started.connect(started.append)
    with qtbot.waitSignal(window.service.ready, timeout=WAIT):
        window.service.reload(tiny_build())  # e.g. a model folder chosen in Settings
    assert line.text().startswith("Model: ready on ")
    with answer_shown(window, qtbot, timeout=WAIT):
        window.open_path(str(picture_file))
    assert len(started) == 1  # only what was asked after the load: nothing stale ran
    assert conversations_with_turns(history) == [("photo.png", 1)]  # saved with its first answer


def test_a_request_waiting_for_a_load_that_fails_is_dropped_not_run_later(make_window, qtbot, history, picture_file,
                                                                          tiny_build):
    gate = threading.Event()

    def failing():
        assert gate.wait(60)
        raise ModelUnavailableError("The model folder was removed.")

    window = make_window(build=failing, history=history)
    window.open_path(str(picture_file))
    assert any("still loading" in m and "will run when it is ready" in m for m in window.messages)
    assert history.list() == []  # not saved before its first answer
    with qtbot.waitSignal(window.service.load_failed, timeout=WAIT):
        gate.set()
    item = window.history_view.item(0).text()
    assert item.endswith("not run: there is no model."), item
    assert any("The model folder was removed." in m and "Control+Shift+M" in m for m in window.messages)

    started = []
    window.service.started.connect(started.append)
    with qtbot.waitSignal(window.service.ready, timeout=WAIT):
        window.service.reload(tiny_build())
    window.question.setText("what is it?")
    with answer_shown(window, qtbot, timeout=WAIT):
        window.ask()
    assert len(started) == 1  # the question asked now; the description asked before the failure never ran
    assert conversations_with_turns(history) == [("photo.png", 1)]
    assert history.list()[0].turns[0].question == "what is it?"
