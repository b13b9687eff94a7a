"""Composition root for the desktop app: build the parts, wire them, start Qt.

Nothing heavy is imported here: torch and transformers load on the model worker's
thread, so the window appears at once.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from assistant import APP_ID, APP_NAME, __version__
from assistant.config import Settings

log = logging.getLogger(__name__)


def model_factory(settings: Settings):
    """The window's model runs in its own process (torch is never imported in this one), or on a server."""
    def build():
        if settings.model.backend == "server":
            from assistant.core.model.remote import RemoteModel

            return RemoteModel(settings.model, settings.generation)
        from assistant.core.model.process import ModelProcess

        return ModelProcess(settings.model, settings.generation)

    return build


def server_notice(settings: Settings, saved: Settings | None) -> str:
    """Where images go, said at start once per server address (the dialog says it when one is chosen)."""
    from dataclasses import replace

    from assistant.config import save_settings
    from assistant.core.model.server_address import notice_due

    m = settings.model
    if m.backend != "server":
        return ""
    try:
        url, notice = notice_due(m.server_url, m.allow_http, m.server_notice_given)
    except ValueError:
        return ""  # the model's load says what is wrong with the address
    if notice and saved is not None and saved.model.server_url == m.server_url:
        try:
            save_settings(replace(saved, model=replace(saved.model, server_notice_given=url)))
        except OSError:
            pass  # said again next time
    return notice


def run(settings: Settings, images: list[str], messages: list[str] | None = None, saved: Settings | None = None) -> int:
    """Start the app with ``settings``: ``saved`` (the settings file) with the command line laid over it."""
    launched = time.perf_counter()
    if sys.platform.startswith("linux") and not any(
            os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        # Qt would abort the process; say it plainly instead.
        print("error: there is no screen to show the window on (DISPLAY is not set). "
              "Start it from a desktop session, or use: blip-assistant describe IMAGE", file=sys.stderr)
        return 2
    from assistant.core.history.store import open_history

    messages = list(messages or [])
    notice = server_notice(settings, saved)
    if notice:
        messages.insert(0, notice)
    history, history_messages = open_history(settings.history)
    messages += history_messages
    hotkeys = settings.hotkeys
    if sys.platform == "darwin" and hotkeys.enabled:
        # pynput's listener crashes if it starts after QApplication on macOS (pynput #511).
        from assistant.qt.hotkeys import HotkeyListener

        early = HotkeyListener()
        messages += early.start(hotkeys)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from assistant.core.capture.screen import MssCapturer
    from assistant.core.text.runner import ProcessTextRunner
    from assistant.qt.gc_guard import MainThreadGC
    from assistant.qt.main_window import MainWindow
    from assistant.qt.settings_controller import SettingsController, apply_appearance, downloader_for
    from assistant.qt.speakers import build_speaker
    from assistant.qt.worker import ModelService

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    MainThreadGC(parent=app)  # a Qt object collected on the model or speech thread would crash the app
    _set_icon(app)
    apply_appearance(settings.appearance)
    service = ModelService(model_factory(settings), downloader=downloader_for(settings))
    service.set_idle_unload(settings.model.unload_after_minutes)
    reader = ProcessTextRunner() if settings.text.enabled else None  # OCR in a process of its own, beside the model
    window = MainWindow(service, MssCapturer(), auto_speak=settings.speech.auto_speak, history=history, reader=reader,
                        spoken_lines=settings.text.spoken_lines)
    window.controller.set_speaker(build_speaker(settings.speech, window))
    save_dir = os.environ.get("BLIP_ASSISTANT_SAVE_CAPTURES")
    if save_dir:  # diagnostics: keep every capture, e.g. to attach to a bug report
        window.capture_flow.captured.connect(lambda capture: _save_capture(capture, save_dir))
    from assistant.qt.hotkeys import HotkeyListener, help_text

    if sys.platform == "darwin" and hotkeys.enabled:
        listener = early
    else:
        listener = HotkeyListener()
        if hotkeys.enabled:
            messages += listener.start(hotkeys)
    listener.triggered.connect(window.run_action)
    window.controller.hotkey_help = help_text(listener.active)
    settings_controller = SettingsController(settings, window, listener, model_factory, saved=saved)  # noqa: F841 (lives while the app runs)
    app.aboutToQuit.connect(listener.stop)
    window.show()
    for message in messages:  # shown and spoken, after the window is up
        QTimer.singleShot(0, lambda m=message: window.report(m, error=True))
    log.info("window shown %.0f ms after launch", 1000 * (time.perf_counter() - launched))
    service.start()
    if reader is not None:
        QTimer.singleShot(0, reader.warm_up)  # its process loads the OCR models now, not at the first press
        app.aboutToQuit.connect(reader.close)
    for path in images[:1]:  # one conversation at a time: the first image given
        QTimer.singleShot(0, lambda p=path: window.open_path(p))
    app.aboutToQuit.connect(service.shutdown)
    return app.exec()


def _set_icon(app) -> None:
    """The app's icon, shipped inside the package (any install, and the PyInstaller bundle)."""
    from PySide6.QtGui import QIcon

    from assistant.desktop_entry import icon_file

    app.setWindowIcon(QIcon(icon_file()))


def _save_capture(capture, folder: str) -> None:
    path = Path(folder) / f"capture-{time.strftime('%Y%m%d-%H%M%S')}-{time.perf_counter_ns() % 10**6}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    capture.image.save(path)
    log.info("capture saved to %s", path)
