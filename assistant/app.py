"""Composition root for the desktop app: build every part, hand each its collaborators, start Qt.

Nothing heavy is imported here: torch and transformers load in the model's own process,
so the window appears at once. :func:`compose` builds and wires the parts (the tests and
the benches use it too, with fakes where a real part cannot run); :func:`run` starts the app.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from assistant import APP_ID, APP_NAME, __version__
from assistant.config import Settings
from assistant.core.answer_language import LanguageNow
from assistant.core.desktop import detect
from assistant.i18n import _

if TYPE_CHECKING:
    from assistant.core.access.clicks import Clicker
    from assistant.core.access.element import AccessibilityProbe
    from assistant.core.announcer import Announcer
    from assistant.core.capture.screen import Capturer
    from assistant.core.history.store import HistoryStore
    from assistant.core.hotkeys.source import ActionCallback, HotkeySource
    from assistant.core.session import Session, TextRunner
    from assistant.core.speech import Speaker
    from assistant.qt.capture_flow import CaptureFlow
    from assistant.qt.conversation_controller import ConversationController
    from assistant.qt.download_flow import DownloadFlow
    from assistant.qt.explore_flow import ExploreFlow
    from assistant.qt.history_panel import HistoryFlow
    from assistant.qt.hotkeys import ActionRelay
    from assistant.qt.main_window import MainWindow
    from assistant.qt.model_service import ModelService
    from assistant.qt.settings_controller import SettingsController

log = logging.getLogger(__name__)


def model_factory(settings: Settings, now: LanguageNow | None = None):
    """The window's model runs in its own process (torch is never imported in this one), or on a server.

    It is wrapped to translate questions and answers (on the model's thread) whenever the language ``now``
    (else the settings') is not English.
    """
    def build():
        if settings.model.backend == "server":
            from assistant.core.model.remote.client import RemoteModel

            model = RemoteModel(settings.model, settings.generation)
        else:
            from assistant.core.model.process import ModelProcess

            model = ModelProcess(settings.model, settings.generation)
        from assistant.core.answer_language import set_up
        from assistant.core.translated import TranslatingModel

        current = now or LanguageNow(settings.language)
        return TranslatingModel(model, find=lambda: set_up(current.language).translation)

    return build


def server_notice(settings: Settings, saved: Settings | None) -> str:
    """Where images go, said at start once per server address (the dialog says it when one is chosen)."""
    from assistant.config import save_settings
    from assistant.core.model.remote.address import with_notice

    if settings.model.backend != "server":
        return ""
    try:
        model, _url, notice = with_notice(settings.model)
    except ValueError:
        return ""  # the model's load says what is wrong with the address
    if notice and saved is not None and saved.model.server_url == settings.model.server_url:
        try:
            save_settings(replace(saved, model=replace(saved.model, server_notice_given=model.server_notice_given)))
        except OSError:
            pass  # said again next time
    return notice


@dataclass
class Parts:
    """Every part of the running app, as :func:`compose` wired them."""

    window: MainWindow
    controller: ConversationController
    announcer: Announcer
    session: Session
    service: ModelService
    capture: CaptureFlow
    downloads: DownloadFlow
    history: HistoryFlow
    settings: SettingsController
    hotkeys: HotkeySource
    relay: ActionRelay
    explore: ExploreFlow


def compose(settings: Settings, service: ModelService, capturer: Capturer, *, speaker: Speaker | None = None,
            history: HistoryStore | None = None, reader: TextRunner | None = None,
            hotkeys: HotkeySource | None = None, make_hotkeys: Callable[[ActionCallback], HotkeySource] | None = None,
            relay: ActionRelay | None = None, settle_ms: int = 100, saved: Settings | None = None,
            factory_for: Callable | None = model_factory, save: bool = True,
            probe: AccessibilityProbe | None = None, clicker: Clicker | None = None) -> tuple[Parts, list[str]]:
    """Build the window and everything behind it, each given its collaborators; (parts, messages for the user).

    ``hotkeys``: a source already started, with its ``relay`` (macOS starts it before Qt); else
    ``make_hotkeys`` (the system's own by default) makes one on the relay, started here.
    ``probe`` (the accessibility API) and ``clicker`` default to the system's own.
    """
    from assistant.core.access.clicks import system_clicker
    from assistant.core.announcer import Announcer
    from assistant.core.hotkeys.source import system_hotkeys
    from assistant.core.onscreen.probes import BackgroundProbe
    from assistant.core.session import Session
    from assistant.qt.area_captions import AreaCaptions
    from assistant.qt.capture_flow import CaptureFlow
    from assistant.qt.changed_flow import ChangedFlow
    from assistant.qt.conversation_controller import ConversationController
    from assistant.qt.download_flow import DownloadFlow
    from assistant.qt.explore_flow import ExploreFlow
    from assistant.qt.history_panel import HistoryFlow
    from assistant.qt.hotkeys import ActionRelay
    from assistant.qt.main_window import MainWindow
    from assistant.qt.model_state import ModelStateLine
    from assistant.qt.settings_controller import SettingsController
    from assistant.qt.speakers import build_speaker
    from assistant.qt.text_flow import TextFlow
    from assistant.qt.watch_flow import WatchFlow

    messages: list[str] = []
    window = MainWindow(ModelStateLine(service))
    announcer = Announcer(window)
    from assistant.core.answer_language import answer_language

    announcer.use_speaker(speaker or build_speaker(settings.speech, announcer, window,
                                                   language=answer_language(settings.language)))
    session = Session(speaker=announcer, auto_speak=settings.speech.auto_speak, reader=reader,
                      spoken_lines=settings.text.spoken_lines, text_first=settings.text.say_first,
                      on_problem=lambda message: announcer.message(message, error=True))
    capture = CaptureFlow(window, capturer, settle_ms)
    text_flow = TextFlow(window, session, announcer, parent=window)
    relay = relay or ActionRelay(window)
    if hotkeys is None:
        hotkeys = (make_hotkeys or system_hotkeys)(relay)
        messages += hotkeys.start(settings.hotkeys)
    probe = probe or BackgroundProbe()
    controller = ConversationController(window, session, service, capture, text_flow, announcer, hotkeys, probe,
                                        parent=window)
    explore = ExploreFlow(capture, probe, clicker or system_clicker(), announcer, controller, session,
                          settings.explore.area, parent=window)
    controller.explore = explore
    areas = AreaCaptions(service, parent=window)
    controller.watch = WatchFlow(window, capture, announcer, session, window.changes, areas, settings.watch,
                                 stop_key=_stop_key(settings),
                                 busy=lambda: controller.pending, parent=window)
    controller.changed = ChangedFlow(capture, session, announcer, areas, window, text_flow, parent=window)
    for flow in (explore, controller.watch, controller.changed):  # each takes the results of its own jobs
        capture.found.connect(flow.found)
    relay.triggered.connect(controller.run_action)
    downloads = DownloadFlow(window, service, announcer)
    history_flow = HistoryFlow(history, session, announcer, controller.open_stored, window)
    settings_controller = SettingsController(settings, service=service, session=session, announcer=announcer,
                                             history=history_flow, hotkeys=hotkeys, window=window,
                                             factory_for=factory_for, save=save, saved=saved)
    settings_controller.listeners.append(lambda new: setattr(controller.watch, "settings", new.watch))
    window.describe_requested.connect(controller.describe)
    window.open_requested.connect(controller.open_path)
    window.image_received.connect(controller.start)
    window.image_refused.connect(controller.refuse_image)
    window.question_asked.connect(controller.ask)
    from assistant.core import answer_language as al
    from assistant.qt.text_translation import TextTranslation

    def why_not() -> str:
        setup = al.set_up(settings_controller.settings.language)
        return setup.message or _("The text found is already in your language: answers are in English here.")

    text_translation = TextTranslation(window, session, announcer,
                                       lambda: al.set_up(settings_controller.settings.language).translation, why_not,
                                       parent=window)
    dialogs = {"history": history_flow.open, "settings": settings_controller.open, "download": downloads.retry,
               "translate_text": text_translation.run}

    def act(action: str) -> None:  # the window's other intents are the controller's actions, as hotkeys are
        if action in dialogs:
            dialogs[action]()
        else:
            controller.run_action(action)

    window.action_requested.connect(act)
    parts = Parts(window, controller, announcer, session, service, capture, downloads, history_flow,
                  settings_controller, hotkeys, relay, explore)
    return parts, messages


def requests_for(parts: Parts) -> Callable[[dict], tuple[bool, str]]:
    """What the instance channel does with a request: an action (``trigger``), or showing the window with an image."""
    from PySide6.QtCore import QTimer

    from assistant.core.hotkeys.bindings import ACTIONS, action_for

    def handle(message: dict) -> tuple[bool, str]:
        if "action" in message:
            action = action_for(str(message["action"]))
            if action is None:
                return False, f"unknown action {str(message['action'])[:40]!r}"
            pressed_at = time.perf_counter()
            QTimer.singleShot(0, lambda: parts.controller.run_action(action, pressed_at))  # after the answer
            return True, _(ACTIONS[action])
        if message.get("show"):
            paths = [str(p) for p in message.get("open") or []][:1]
            QTimer.singleShot(0, lambda: _bring_up(parts, paths))
            return True, "shown"
        return False, "unknown request"

    return handle


def _bring_up(parts: Parts, paths: list[str]) -> None:
    window = parts.window
    window.showNormal()
    window.raise_()
    window.activateWindow()
    for path in paths:
        parts.controller.open_path(path)


def _stop_key(settings: Settings) -> str:
    """How watching is stopped, as said: "Control+Alt+Shift+C" (the global hotkey), else the window's shortcut."""
    from assistant.core.hotkeys.bindings import describe_binding

    binding = settings.hotkeys.bindings.get("watch", "") if settings.hotkeys.enabled else ""
    return (describe_binding(binding) if binding else _("Ctrl+Shift+T in the window")).replace("Ctrl", "Control")


def run(settings: Settings, images: list[str], messages: list[str] | None = None, saved: Settings | None = None,
        at_login: bool = False) -> int:
    """Start the app with ``settings``: ``saved`` (the settings file) with the command line laid over it.

    ``at_login``: started by the desktop at sign-in (``--autostart``): the window minimised, the model and
    the text reader loaded at the lowest priority, and "BLIP Assistant ready" said once the model is.
    """
    launched = time.perf_counter()
    if sys.platform.startswith("linux") and not any(
            os.environ.get(v) for v in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        # Qt would abort the process; say it plainly instead.
        print("error: " + _("there is no screen to show the window on (DISPLAY is not set). "
                            "Start it from a desktop session, or use: blip-assistant describe IMAGE"), file=sys.stderr)
        return 2
    from assistant.core.history.store import open_history

    messages = list(messages or [])
    settings = _with_sign_in_state(settings)
    notice = server_notice(settings, saved)
    if notice:
        messages.insert(0, notice)
    history, history_messages = open_history(settings.history)
    messages += history_messages
    hotkeys = relay = None
    if sys.platform == "darwin" and settings.hotkeys.enabled:
        # pynput's listener crashes if it starts after QApplication on macOS (pynput #511).
        from assistant.core.hotkeys.source import system_hotkeys
        from assistant.qt.hotkeys import ActionRelay

        relay = ActionRelay()
        hotkeys = system_hotkeys(relay)
        messages += hotkeys.start(settings.hotkeys)
    desktop = detect()
    if desktop.wayland and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "wayland;xcb"  # a native Wayland client (XWayland only if that fails)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from assistant.core.text.runner import ProcessTextRunner
    from assistant.qt.gc_guard import MainThreadGC
    from assistant.qt.model_service import ModelService
    from assistant.qt.settings_controller import apply_appearance, downloader_for

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName(APP_ID)
    MainThreadGC(parent=app)  # a Qt object collected on the model or speech thread would crash the app
    from assistant.qt.desktop_setup import ask_for_screenshots, keys_summary, said_once, system_capturer
    from assistant.qt.languages import follow_language, translate_qt

    translate_qt(app)
    _set_icon(app)
    apply_appearance(settings.appearance)
    now = LanguageNow(settings.language)  # followed by the model's and the reader's translation, changed by Settings
    service = ModelService(model_factory(settings, now), downloader=downloader_for(settings))
    service.set_idle_unload(settings.model.unload_after_minutes)
    reader = ProcessTextRunner() if settings.text.enabled else None  # OCR in a process of its own, beside the model
    if reader is not None and settings.language.translate_text:
        from assistant.core.answer_language import set_up
        from assistant.core.translated import TranslatingReader

        reader = TranslatingReader(reader, lambda: set_up(now.language).translation)
    parts, started = compose(settings, service, system_capturer(desktop), history=history, reader=reader, hotkeys=hotkeys,
                             relay=relay, saved=saved, factory_for=lambda new: model_factory(new, now))
    messages += said_once(started, settings, saved)
    log.info("desktop: %s session (%s); %s", desktop.kind, desktop.name or "unknown",
             desktop.summary(keys_summary(parts.hotkeys)))
    if desktop.wayland:
        messages.insert(0, desktop.summary(keys_summary(parts.hotkeys)))
    save_dir = os.environ.get("BLIP_ASSISTANT_SAVE_CAPTURES")
    if save_dir:  # diagnostics: keep every capture, e.g. to attach to a bug report
        parts.capture.captured.connect(lambda capture: _save_capture(capture, save_dir))
    app.aboutToQuit.connect(parts.hotkeys.stop)
    ask_for_screenshots(desktop, settings, saved, parts.capture.capturer, parts.announcer, parts.window)
    follow_language(settings, saved, parts.window, parts.announcer, parts.settings, now)
    from assistant.qt.instance import InstanceServer

    channel = InstanceServer(requests_for(parts), parent=app)  # `blip-assistant trigger`, and a second start
    channel.listen()
    app.aboutToQuit.connect(channel.close)
    if at_login:
        from assistant.core.processes import BACKGROUND

        os.environ[BACKGROUND] = "1"  # read by the model's and the reader's processes, started below
        parts.controller.ready_words = _("BLIP Assistant ready.")
        parts.window.showMinimized()
    else:
        parts.window.show()
    for message in messages:  # shown and spoken, after the window is up
        QTimer.singleShot(0, lambda m=message: parts.announcer.message(m, error=True))
    log.info("window shown%s %.0f ms after launch", " minimised (started at sign-in)" if at_login else "",
             1000 * (time.perf_counter() - launched))
    service.start()
    if reader is not None:
        QTimer.singleShot(0, reader.warm_up)  # its process loads the OCR models now, not at the first press
        app.aboutToQuit.connect(lambda: parts.session.reader is not None and parts.session.reader.close())
    for path in images[:1]:  # one conversation at a time: the first image given
        QTimer.singleShot(0, lambda p=path: parts.controller.open_path(p))
    app.aboutToQuit.connect(service.shutdown)
    app.aboutToQuit.connect(parts.session.close)
    app.aboutToQuit.connect(parts.controller.probe.close)
    app.aboutToQuit.connect(parts.controller.watch.close)
    return app.exec()


def _with_sign_in_state(settings: Settings) -> Settings:
    """Settings, General, shows whether the app really starts at sign-in (the installer may have set it)."""
    from dataclasses import replace

    from assistant.core.autostart import system_autostart

    try:
        on = system_autostart().enabled()
    except OSError:
        return settings
    return replace(settings, desktop=replace(settings.desktop, start_at_login=on))


def _set_icon(app) -> None:
    """The app's icon, shipped inside the package (any install, and the PyInstaller bundle)."""
    from PySide6.QtGui import QIcon

    from assistant import icon_file

    app.setWindowIcon(QIcon(icon_file()))


def _save_capture(capture, folder: str) -> None:
    path = Path(folder) / f"capture-{time.strftime('%Y%m%d-%H%M%S')}-{time.perf_counter_ns() % 10**6}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    capture.image.save(path)
    log.info("capture saved to %s", path)
