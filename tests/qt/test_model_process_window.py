"""The window with its model in its own process (as the app runs it): a crash is said and recovered, unload frees it."""

from pathlib import Path

import pytest
from conftest import answer_shown  # tests/qt/conftest.py

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.model.process import ModelProcess
from assistant.qt.model_service import ModelState

WAIT = 120_000


@pytest.fixture
def window(make_window, qtbot, tiny_model_dirs):
    made = []

    def build():
        made.append(ModelProcess(ModelSettings(model=str(tiny_model_dirs["opt"]), cpu_precision="fp32"),
                                 GenerationSettings(max_new_tokens=8)))
        return made[-1]

    w = make_window(build=build)
    with qtbot.waitSignal(w.service.ready, timeout=WAIT):
        pass
    w.model_process = made[0]
    return w


def test_killing_the_model_process_mid_request_is_said_and_the_next_request_works(window, qtbot, picture_file):
    import os

    pid = window.model_process.pid
    window.service.started.connect(lambda _id: os.kill(pid, 9))  # killed as soon as the request is under way
    with qtbot.waitSignal(window.service.failed, timeout=WAIT):
        window.open_path(str(picture_file))
    assert any(m.startswith("The model stopped unexpectedly") and "next request" in m for m in window.messages)
    assert window.history_view.item(0).text().endswith("next request.")  # the turn says so too
    window.service.started.disconnect()
    qtbot.waitUntil(lambda: window.service.state is ModelState.UNLOADED)
    with answer_shown(window, qtbot, timeout=WAIT):
        window.open_path(str(picture_file))  # starts the model again, then answers
    assert window.model_process.pid != pid and window.service.state is ModelState.READY


def test_free_the_model_memory_ends_its_process_and_the_next_question_loads_it(window, qtbot, picture_file):
    with answer_shown(window, qtbot, timeout=WAIT):
        window.open_path(str(picture_file))
    pid = window.model_process.pid
    with qtbot.waitSignal(window.service.unloaded, timeout=WAIT):
        window.actions_by_name["unload"].trigger()
    assert any("memory is freed" in m for m in window.messages)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert window.model_state.text().startswith("Model: not in memory")
    window.question.setText("what is it?")
    with answer_shown(window, qtbot, timeout=WAIT):
        window.ask()
    assert window.model_process.loaded and window.service.state is ModelState.READY


def test_the_model_is_freed_after_the_idle_time(window, qtbot):
    with qtbot.waitSignal(window.service.unloaded, timeout=WAIT):
        window.service.set_idle_unload(0.01 / 60)  # 10 ms instead of minutes, for the test
    assert not window.model_process.loaded
    qtbot.waitUntil(lambda: window.model_state.text().startswith("Model: not in memory"))
