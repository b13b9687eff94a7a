"""What each global hotkey (and its in-app twin) does in the window, and the prompt presets."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QListWidgetItem

log = logging.getLogger("assistant.qt.main_window")  # one logger name for every window message
REPEAT_WINDOW_S = 1.0


@dataclass(frozen=True)
class Preset:
    name: str
    prefix: str | None = None  # a prompted caption
    question: str | None = None  # or a question asked straight away


PRESETS = (
    Preset("short caption"),
    Preset("detailed", prefix="A detailed description of this image:"),
    Preset("visible text", question="What text is visible?"),
)


class HotkeyActions:
    """Mixed into MainWindow: runs in the GUI thread, uses the window's own methods."""

    def _log_action_done(self) -> None:
        if self._timing is None:
            return
        action, pressed, captured = self._timing
        now = time.perf_counter()
        captured_part = f"captured in {1000 * (captured - pressed):.0f} ms, " if captured else ""
        log.info("action %s: %sanswered in %.0f ms", action, captured_part, 1000 * (now - pressed))
        self._timing = None

    # -- hotkey actions ------------------------------------------------------------------
    def run_action(self, action: str, pressed_at: float | None = None) -> None:
        """A global hotkey (or its in-app twin). Runs in the GUI thread."""
        pressed_at = pressed_at or time.perf_counter()
        log.info("action %s", action)
        if action.startswith("describe"):
            # A burst of presses (a double press, a held key) is one request: the first one's
            # capture already shows what the later ones would.
            last = getattr(self, "_last_describe", {})
            self._last_describe = {**last, action: pressed_at}
            if pressed_at - last.get(action, -REPEAT_WINDOW_S) < REPEAT_WINDOW_S:
                log.info("action %s repeated within %.0f s: one request already covers it", action, REPEAT_WINDOW_S)
                return
        if action in ("describe_screen", "describe_window", "describe_clipboard"):
            self._timing = (action, pressed_at, None)
        if action == "describe_screen":
            self.describe("screen")
        elif action == "describe_window":
            self.describe("window")
        elif action == "describe_clipboard":
            if self._refused("described"):
                return
            self.speak("Describing the clipboard image…")  # the press was heard; the description interrupts it
            self._take_mime(QGuiApplication.clipboard().mimeData())
        elif action == "ask":
            self.showNormal()
            self.raise_()
            self.activateWindow()
            self.question.setFocus(Qt.FocusReason.ShortcutFocusReason)
            if self.conversation is None:
                self.report("There is no image yet: describe the screen or open an image first.")
        elif action == "stop":
            self.stop_speaking()
        elif action == "repeat":
            self.repeat_last()
        elif action == "cycle_preset":
            self.preset_index = (self.preset_index + 1) % len(PRESETS)
            self.report(f"Preset: {PRESETS[self.preset_index].name}.")

    def show_keys(self) -> None:
        lines = [f"{a.text().replace('&', '')}: {a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}"
                 for a in self.actions_by_name.values() if not a.shortcut().isEmpty()]
        text = "Shortcuts in this window: " + "; ".join(lines) + ". " + self.hotkey_help
        self.history_view.addItem(QListWidgetItem(text))
        self.history_view.setCurrentRow(self.history_view.count() - 1)
        self.report(text)
