"""First run in the window: the real question box answered by keyboard, a real download from a loopback Hub."""

import pytest
from conftest import answer_shown  # tests/qt/conftest.py
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.model.local.hub import Downloader

REPO = "tiny-hub/blip2-opt"


@pytest.fixture
def first_run(make_window):
    """The window with a Hub model that is not downloaded yet; its worker not started."""
    def make(repo=REPO):
        def build():
            from assistant.core.model.local.blip2 import Blip2Model

            return Blip2Model(ModelSettings(model=repo, cpu_precision="fp32"), GenerationSettings(max_new_tokens=6))

        return make_window(build=build, downloader=Downloader(repo), start=False)

    return make


def answer_the_question(key, asked: list):
    """Press ``key`` in the next modal question box, as a keyboard user would (Enter: Yes, Escape: No)."""
    def look():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            asked.append(box.text())
            QTest.keyClick(box, key)
        else:
            QTimer.singleShot(10, look)

    QTimer.singleShot(0, look)


def said(window, text: str) -> bool:
    return any(text in m for m in window.messages)


def test_the_user_agrees_hears_each_quarter_and_the_model_loads(first_run, fake_hub, qtbot):
    window = first_run()
    asked = []
    answer_the_question(Qt.Key.Key_Return, asked)
    with qtbot.waitSignal(window.service.ready, timeout=120_000):
        window.service.start()
    assert "1.2 MB" in asked[0] and "Download it now?" in asked[0]
    for quarter in ("25 percent", "50 percent", "75 percent", "The model is downloaded"):
        assert said(window, quarter), window.messages
    assert not window.download_flow.bar.isVisible()
    assert window.status.text().startswith("Model ready")
    with answer_shown(window, qtbot, timeout=60_000):
        window.describe("screen")


def test_cancel_keeps_what_was_fetched_and_the_next_try_resumes(first_run, fake_hub, qtbot):
    fake_hub.hold_after = 300_000
    window = first_run()
    progress = []
    window.service.download_progress.connect(lambda done, total: progress.append(done))
    asked = []
    answer_the_question(Qt.Key.Key_Return, asked)
    window.service.start()
    qtbot.waitUntil(lambda: bool(progress) and progress[-1] >= 200_000, timeout=60_000)
    assert window.download_flow.bar.isVisible() and window.download_flow.cancel_button.isVisible()
    assert window.status.text().startswith("Downloading the model: ") and " of 1.2 MB" in window.status.text()
    window.actions_by_name["download"].trigger()  # pressed again mid-download: told, not asked twice
    assert said(window, "already downloading") and len(asked) == 1
    with qtbot.waitSignal(window.service.download_stopped, timeout=30_000):
        window.download_flow.cancel_button.click()
        fake_hub.gate.set()
    assert said(window, "cancelled") and not window.download_flow.bar.isVisible()
    answer_the_question(Qt.Key.Key_Return, asked)
    with qtbot.waitSignal(window.service.ready, timeout=120_000):
        window.actions_by_name["download"].trigger()
    assert "continuing from" in asked[1]
    weights = [start for name, start in fake_hub.ranges if name == "model.safetensors"]
    assert weights[-1] >= 150_000


def test_saying_no_downloads_nothing_and_says_what_to_do(first_run, fake_hub, qtbot):
    window = first_run()
    asked = []
    answer_the_question(Qt.Key.Key_Escape, asked)
    window.service.start()
    qtbot.waitUntil(lambda: said(window, "was not downloaded"), timeout=60_000)
    assert fake_hub.ranges == [] and "Settings" in window.messages[-1] and not window.service.is_ready


def test_no_network_is_said_plainly(first_run, no_network, qtbot):
    window = first_run("Salesforce/blip2-opt-2.7b")
    with qtbot.waitSignal(window.service.load_failed, timeout=60_000) as failed:
        window.service.start()
    message = failed.args[0]
    assert "internet cannot be reached" in message and "--model" in message
    assert said(window, "internet cannot be reached")


def test_the_download_has_its_own_thread_so_choosing_another_model_meanwhile_loads_it_at_once(first_run, fake_hub,
                                                                                            qtbot, tiny_build):
    fake_hub.hold_after = 300_000  # the download stalls mid-file, as on a slow network
    window = first_run()
    progress = []
    window.service.download_progress.connect(lambda done, total: progress.append(done))
    answer_the_question(Qt.Key.Key_Return, [])
    window.service.start()
    qtbot.waitUntil(lambda: bool(progress) and progress[-1] >= 200_000, timeout=60_000)
    # The hub holds the transfer for 30 s: ready sooner means the load did not wait behind the download.
    with qtbot.waitSignal(window.service.ready, timeout=20_000):
        window.service.reload(tiny_build())
    assert window.service.download_running
    fake_hub.gate.set()  # the old download now sees its cancel and ends...
    qtbot.waitUntil(lambda: not window.service.download_running, timeout=30_000)
    QApplication.processEvents()  # the service's own handling of its last event, queued before it ended, runs now
    assert window.service.state.value == "ready"  # ...and its end is not heard: the new model stays
    assert not window.download_flow.bar.isVisible() and not said(window, "cancelled")
    with answer_shown(window, qtbot, timeout=60_000):
        window.describe("screen")
