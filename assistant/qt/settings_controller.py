"""Applies settings to the running app, without a restart, and saves them.

Each section is applied on its own: a new model reloads in the worker (with progress),
answer length goes to the loaded model, speech rebuilds the speaker, hotkeys re-register,
history reopens, and colours and text size change at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import fields, replace

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from assistant.config import AppearanceSettings, Settings, save_settings
from assistant.core.announcer import Announcer
from assistant.core.answer_language import answer_language
from assistant.core.autostart import Autostart
from assistant.core.hotkeys.source import HotkeySource
from assistant.core.session import Session
from assistant.i18n import N_, _
from assistant.qt.history_panel import HistoryFlow
from assistant.qt.model_service import ModelService
from assistant.qt.speakers import build_speaker
from assistant.qt.theme import HIGH_CONTRAST_STYLE, accessible_palette, font_style, high_contrast_palette

log = logging.getLogger(__name__)
_system_font: QFont | None = None


def apply_appearance(appearance: AppearanceSettings) -> None:
    """Colours and text size, for the whole app, at once."""
    global _system_font
    app = QApplication.instance()
    if _system_font is None:
        _system_font = QFont(app.font())
    if appearance.theme == "high_contrast":
        app.setPalette(high_contrast_palette())
        app.setStyleSheet(HIGH_CONTRAST_STYLE + font_style(appearance.font_size))
    else:
        app.setStyleSheet(font_style(appearance.font_size))
        app.setPalette(accessible_palette(app.style().standardPalette()))
    font = QFont(_system_font)
    if appearance.font_size:
        font.setPointSize(appearance.font_size)
    app.setFont(font)


def downloader_for(settings: Settings):
    """What fetches the model's files: nothing for a server, which has its own."""
    if settings.model.backend == "server":
        return None
    from assistant.core.model.local.hub import Downloader

    return Downloader(settings.model.model)


OPENED = (N_("Settings dialog: model, answers, speech, hotkeys, history and appearance. "
          "Ctrl+Tab moves between the tabs, Control+Enter saves, Escape cancels."))


class SettingsController:
    """Opens the Settings dialog and applies what it says to the running parts, then saves it."""

    def __init__(self, settings: Settings, *, service: ModelService, session: Session, announcer: Announcer,
                 history: HistoryFlow, hotkeys: HotkeySource | None, window: QWidget,
                 factory_for: Callable | None = None, save: bool = True, saved: Settings | None = None,
                 autostart: Autostart | None = None):
        self.settings = settings
        self.autostart = autostart  # the system's sign-in entry (made when first changed)
        self.service, self.session, self.announcer, self.history = service, session, announcer, history
        self.hotkeys, self.window = hotkeys, window  # the window: the dialog's parent, where speech announces
        # What the file holds: command-line overrides are for this run only, so only the
        # sections changed in the dialog are written over it.
        self.saved = saved or settings
        self.factory_for = factory_for  # Settings -> model factory; None: the model is never swapped (tests)
        self.save = save
        self.dialog = None
        self._reconnect = False  # a new API key was stored: connect again with it
        self._hotkeys_running = settings.hotkeys  # what the hotkeys were started with
        self.listeners: list[Callable[[Settings], None]] = []  # parts that read their section when it changes

    @staticmethod
    def voices() -> list[tuple[str, str]]:
        try:
            from assistant.core.speech.tts_engine import TtsEngine

            return TtsEngine.shared().voices()
        except Exception as err:  # no engine: the default voice is the only choice
            log.info("no voices: %s", err)
            return []

    def open(self) -> None:
        """The dialog (brought to the front if it is open already); global hotkeys pause meanwhile."""
        from assistant.qt.settings_dialog import SettingsDialog

        if self.dialog is not None:
            self.dialog.raise_()
            self.dialog.activateWindow()
            return
        if self.hotkeys is not None:
            self.hotkeys.pause()  # recording Ctrl+Alt+Shift+S must not also describe the screen
        self.dialog = SettingsDialog(self.settings, self.voices, self.window)
        self.dialog.applied.connect(self.apply)
        self.dialog.refused.connect(lambda message: self.announcer.message(message, error=True))
        self.dialog.finished.connect(self._closed)
        self.dialog.open()
        # Said first, through the screen reader's own route: Orca 43 announces only the first tab.
        self.announcer.say(_(OPENED))

    def _closed(self) -> None:
        self.dialog.deleteLater()
        self.dialog = None
        if self.hotkeys is not None:
            self.hotkeys.resume()
            for message in self._apply_hotkeys():
                self.announcer.message(message, error=True)

    def _apply_hotkeys(self) -> list[str]:
        wanted = self.settings.hotkeys
        if self.hotkeys is None or wanted == self._hotkeys_running:
            return []
        if sys.platform == "darwin":  # pynput's listener must start before Qt there (pynput #511)
            return [_("Restart BLIP Assistant to use the new hotkeys: on macOS they are registered only at start.")]
        self.hotkeys.stop()
        messages = self.hotkeys.start(wanted) if wanted.enabled else []
        self._hotkeys_running = wanted
        return messages

    def apply(self, new: Settings) -> None:
        """Each changed section takes effect at once; the file keeps what the dialog changed."""
        new, notes = self._server_checks(new)
        if new is None:
            return
        old, self.settings = self.settings, new
        reconnect, self._reconnect = self._reconnect, False
        if (reconnect or not new.model.loads_the_same(old.model)) and self.factory_for is not None:
            self.service.reload(self.factory_for(new), downloader_for(new))
            notes.append(_('Connecting to {server_url}.').format(server_url=new.model.server_url) if new.model.backend == "server"
                         else f"Loading {new.model.model}.")
        elif new.generation != old.generation:
            self.service.set_generation(new.generation)
        self.service.set_idle_unload(new.model.unload_after_minutes)
        if new.speech != old.speech:
            previous = self.announcer.speaker  # its voice and routes are reused; it stops speaking when replaced
            self.announcer.use_speaker(build_speaker(new.speech, self.announcer, self.window, previous=previous,
                                                      language=answer_language(new.language)))
            self.session.use_speaker(self.announcer, new.speech.auto_speak)
        if new.hotkeys != old.hotkeys and self.dialog is None:  # with the dialog open: when it closes
            notes += self._apply_hotkeys()
        if new.history != old.history:
            notes += self._reopen_history(new)
        if new.text != old.text:
            from assistant.core.text.runner import ProcessTextRunner

            reader = self.session.reader
            if new.text.enabled != old.text.enabled:
                reader = ProcessTextRunner() if new.text.enabled else None
                if reader is not None:
                    reader.warm_up()  # its models load now, not at the next press
            self.session.use_reader(reader, new.text.spoken_lines, new.text.say_first)
        if new.appearance != old.appearance:
            apply_appearance(new.appearance)
        if new.desktop.start_at_login != old.desktop.start_at_login:
            notes += self._start_at_login(new.desktop.start_at_login)
        for listener in self.listeners:
            listener(new)
        if self.save:
            changed = {f.name: getattr(new, f.name) for f in fields(Settings) if getattr(new, f.name) != getattr(old, f.name)}
            self.saved = replace(self.saved, **changed)
            try:
                notes += save_settings(self.saved)
            except OSError as err:
                notes.append(_("The settings could not be saved ({error}); they apply until you quit.").format(
                    error=err.strerror or err))
        self.announcer.message(" ".join([_("Settings applied."), *notes]))

    def _start_at_login(self, on: bool) -> list[str]:
        """Write or remove the system's sign-in entry; one sentence when that fails (the setting still changes)."""
        from assistant.core.autostart import launch_command, system_autostart

        self.autostart = self.autostart or system_autostart()
        try:
            self.autostart.enable(launch_command()) if on else self.autostart.disable()
        except OSError as err:
            return [_("Starting at sign-in could not be changed ({error}).").format(error=err.strerror or err)]
        log.info("start at sign-in %s: %s", "on" if on else "off", self.autostart.place)
        return [_("BLIP Assistant starts when you sign in.") if on else _("BLIP Assistant no longer starts when you sign in.")]

    def _server_checks(self, new: Settings) -> tuple[Settings | None, list[str]]:
        """A refused address is said and nothing changes; a new server's privacy notice is said once."""
        from assistant.core.model.remote.address import with_notice
        from assistant.core.model.remote.secrets import store_api_key

        notes: list[str] = []
        if new.model.backend != "server":
            return new, notes
        try:
            m, url, notice = with_notice(new.model)
        except ValueError as err:
            self.announcer.message(_('Settings not applied: {err}').format(err=err), error=True)
            return None, notes
        key = self.dialog.new_api_key() if self.dialog is not None else None
        if key is not None:
            problem = store_api_key(url, key)
            notes += [problem] if problem else []
            # The next connection uses it: a changed flag, or a forced reload when it stays the same.
            m = replace(m, server_key_saved=bool(key) and not problem)
            self._reconnect = True
        if notice:
            notes.insert(0, notice)
        return replace(new, model=m), notes

    def _reopen_history(self, new: Settings) -> list[str]:
        from assistant.core.history.store import open_history

        self.history.use_store(None)  # closed before it is opened again
        store, messages = open_history(new.history)
        self.history.use_store(store)
        return messages

