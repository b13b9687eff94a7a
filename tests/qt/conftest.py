"""Widget tests: the real window and the real model worker with a tiny checkpoint, offscreen."""

from __future__ import annotations

import gc
import threading

import pytest
from PIL import Image

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.capture.screen import FakeCapturer
from assistant.core.speech import SilentSpeaker

pytest.importorskip("pytestqt")


def tiny_factory(path, gate: threading.Event | None = None, **generation):
    def build():
        from assistant.core.model.blip2 import Blip2Model

        if gate is not None:
            assert gate.wait(120), "test never opened the gate"
        settings = ModelSettings(model=str(path), cpu_precision="fp32")
        return Blip2Model(settings, GenerationSettings(**{"max_new_tokens": 8, **generation}))

    return build


@pytest.fixture(scope="session", autouse=True)
def main_thread_gc(qapp):
    """As the app does: cycles are collected on the GUI thread only, never on the model worker's."""
    from assistant.qt.gc_guard import MainThreadGC

    guard = MainThreadGC(parent=qapp)
    yield guard
    guard.stop()


@pytest.fixture(autouse=True)
def collect_after_test(main_thread_gc):
    """A test's windows and dialogs are gone, on this thread, before the next test starts a worker."""
    yield
    gc.collect()


@pytest.fixture
def make_window(qtbot, tiny_model_dirs):
    """make_window(gate=None, capture_image=None, family, build=None, downloader=None, start=True, **generation).

    A MainWindow with the tiny model (or ``build``), its messages collected in ``window.messages``.
    """
    from assistant.qt.main_window import MainWindow
    from assistant.qt.worker import ModelService

    made = []

    def make(gate=None, capture_image: Image.Image | None = None, family="opt", build=None, downloader=None, start=True,
             history=None, reader=None, **generation):
        service = ModelService(build or tiny_factory(tiny_model_dirs[family], gate, **generation), downloader=downloader)
        capturer = FakeCapturer(capture_image or Image.effect_noise((64, 48), 80).convert("RGB"))
        window = MainWindow(service, capturer, SilentSpeaker(), settle_ms=0, history=history, reader=reader)
        window.capturer = capturer
        window.messages = []
        window.message_shown.connect(window.messages.append)
        qtbot.addWidget(window)
        window.show()
        if start:
            service.start()
        made.append(window)
        return window

    yield make
    for window in made:
        window.service.shutdown()


@pytest.fixture
def tiny_build(tiny_model_dirs):
    """tiny_build(family="opt", gate=None): a factory for the tiny model, e.g. to reload with."""
    return lambda family="opt", gate=None, **generation: tiny_factory(tiny_model_dirs[family], gate, **generation)


@pytest.fixture
def ready_window(make_window, qtbot):
    window = make_window()
    if not window.service.is_ready:
        with qtbot.waitSignal(window.service.ready, timeout=120_000):
            pass
    return window


@pytest.fixture
def picture_file(tmp_path):
    path = tmp_path / "photo.png"
    Image.effect_noise((80, 60), 70).convert("RGB").save(path)
    return path
