"""Widget tests: the app as app.py composes it, the real model worker with a tiny checkpoint, offscreen.

Fakes stand in only where no real part can run offscreen: the screen capture (FakeCapturer),
the global hotkeys (FakeHotkeys) and speech (SilentSpeaker, which keeps what it was asked to say).
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from PIL import Image

from assistant.config import GenerationSettings, ModelSettings, Settings
from assistant.core.access.clicks import FakeClicker
from assistant.core.access.element import FakeProbe
from assistant.core.capture.screen import FakeCapturer
from assistant.core.hotkeys.source import FakeHotkeys
from assistant.core.speech import SilentSpeaker

WAIT = 120_000
NOT_ANSWERED = ("…", "(stopped: a newer request came first)", "not run: there is no model.")

pytest.importorskip("pytestqt")


def tiny_factory(path, gate: threading.Event | None = None, **generation):
    def build():
        from assistant.core.model.local.blip2 import Blip2Model

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
    """A test's windows and dialogs are gone, on this thread, before the next test starts a worker.

    pytest-qt closes a test's widgets with ``deleteLater``: left pending, they would be deleted inside
    the next test's first wait, while its model thread starts (see ``assistant/qt/call_thread.py``).
    """
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    yield
    gc.collect()


class AppUnderTest:
    """The parts ``assistant.app.compose`` wired, with the fakes; reads like the window it shows."""

    def __init__(self, parts, capturer: FakeCapturer):
        self.parts, self.capturer = parts, capturer
        self.window, self.service, self.controller = parts.window, parts.service, parts.controller
        self.settings_controller, self.download_flow, self.capture_flow = parts.settings, parts.downloads, parts.capture
        self.hotkeys = parts.hotkeys
        self.explore = parts.explore

    @property
    def speaker(self):
        """What speaks now (SilentSpeaker unless Settings changed it)."""
        return self.parts.announcer.speaker

    @property
    def conversation(self):
        return self.parts.session.conversation

    @property
    def history(self):
        return self.parts.history.store

    @property
    def history_dialog(self):
        return self.parts.history.dialog

    @property
    def messages(self) -> list[str]:
        """Everything the user heard, in order."""
        return self.speaker.said

    # -- what a user does ---------------------------------------------------------------------------
    def open_path(self, path: str) -> None:
        """The user chose ``path`` in the Open dialog."""
        self.window.open_requested.emit(path)

    def ask(self) -> None:
        """The Ask button: the question typed in the box."""
        self.window.actions_by_name["ask"].trigger()

    def describe(self, target: str) -> None:
        self.window.describe_requested.emit(target)

    def run_action(self, action: str) -> None:
        """A global hotkey pressed."""
        assert self.hotkeys.press(action), f"no global hotkey for {action}"

    def __getattr__(self, name):  # the window's widgets: question, status, history_view, actions_by_name, ...
        return getattr(self.window, name)


@contextmanager
def answer_shown(app, qtbot, timeout: int = WAIT):
    """Waits, after the block, until a turn of the conversation is shown answered; ``.args[0]`` is its answer."""
    shown = SimpleNamespace(args=None)
    view = app.window.history_view

    def changed(item) -> None:
        if not item.text().endswith(NOT_ANSWERED):
            shown.args = [app.controller.last_answer() or item.text()]

    view.itemChanged.connect(changed)
    try:
        yield shown
        qtbot.waitUntil(lambda: shown.args is not None, timeout=timeout)
    finally:
        view.itemChanged.disconnect(changed)


def build_app(qtbot, service, capture_image: Image.Image | None = None, settings: Settings | None = None,
              factory_for=None, **parts) -> AppUnderTest:
    from assistant.app import compose

    capturer = FakeCapturer(capture_image or Image.effect_noise((64, 48), 80).convert("RGB"))
    speaker = SilentSpeaker()
    parts.setdefault("probe", FakeProbe())  # the real AT-SPI probe is tested on Xvfb (tests/access)
    parts.setdefault("clicker", FakeClicker())
    built, _messages = compose(settings or Settings(), service, capturer, speaker=speaker, make_hotkeys=FakeHotkeys,
                               settle_ms=0, factory_for=factory_for, **parts)
    qtbot.addWidget(built.window)
    return AppUnderTest(built, capturer)


@pytest.fixture
def make_window(qtbot, tiny_model_dirs):
    """make_window(gate=None, capture_image=None, family, build=None, downloader=None, start=True, **generation).

    The app with the tiny model (or ``build``), composed as app.py does, its window shown.
    """
    from assistant.qt.model_service import ModelService

    made = []

    def make(gate=None, capture_image: Image.Image | None = None, family="opt", build=None, downloader=None, start=True,
             history=None, reader=None, settings=None, factory_for=None, probe=None, clicker=None, **generation):
        service = ModelService(build or tiny_factory(tiny_model_dirs[family], gate, **generation), downloader=downloader)
        extra = {key: value for key, value in (("probe", probe), ("clicker", clicker)) if value is not None}
        app = build_app(qtbot, service, capture_image, settings, factory_for, history=history, reader=reader, **extra)
        app.window.show()
        if start:
            service.start()
        made.append(app)
        return app

    yield make
    for app in made:
        app.service.shutdown()


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
