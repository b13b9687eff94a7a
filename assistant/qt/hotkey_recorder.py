"""A button that records a global hotkey: press it, then press the new combination.

Escape cancels, Backspace or Delete turns the hotkey off. Modifier keys alone are
waited through. The result is in pynput's syntax, checked by core.hotkeys before it is
accepted, and every change or refusal is announced to the screen reader.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton

from assistant.core.hotkeys.bindings import ACTIONS, describe_binding
from assistant.i18n import _
from assistant.qt.a11y import announce

_MODIFIER_KEYS = {Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Shift, Qt.Key.Key_Meta, Qt.Key.Key_AltGr,
                  Qt.Key.Key_Super_L, Qt.Key.Key_Super_R, Qt.Key.Key_Hyper_L, Qt.Key.Key_Hyper_R}
_NAMED = {
    Qt.Key.Key_Space: "<space>", Qt.Key.Key_Return: "<enter>", Qt.Key.Key_Enter: "<enter>", Qt.Key.Key_Home: "<home>",
    Qt.Key.Key_End: "<end>", Qt.Key.Key_PageUp: "<page_up>", Qt.Key.Key_PageDown: "<page_down>",
    Qt.Key.Key_Insert: "<insert>", Qt.Key.Key_Delete: "<delete>", Qt.Key.Key_Up: "<up>", Qt.Key.Key_Down: "<down>",
    Qt.Key.Key_Left: "<left>", Qt.Key.Key_Right: "<right>", Qt.Key.Key_Pause: "<pause>", Qt.Key.Key_Print: "<print_screen>",
    Qt.Key.Key_Backspace: "<backspace>", Qt.Key.Key_Escape: "<esc>",
}
_SHIFTED_DIGITS = dict(zip(")!@#$%^&*(", "0123456789"))  # US layout: Shift+1 arrives as "!"


def binding_from_key(key: int, modifiers: Qt.KeyboardModifier, text: str = "") -> str | None:
    """A Qt key press as a pynput binding, e.g. ``<ctrl>+<alt>+<shift>+s``; None for a lone modifier."""
    if key in _MODIFIER_KEYS or key == Qt.Key.Key_unknown:
        return None
    if Qt.Key.Key_A <= key <= Qt.Key.Key_Z or Qt.Key.Key_0 <= key <= Qt.Key.Key_9:
        name = chr(key).lower()
    elif Qt.Key.Key_F1 <= key <= Qt.Key.Key_F24:
        name = f"<f{key - Qt.Key.Key_F1 + 1}>"
    elif key in _NAMED:
        name = _NAMED[Qt.Key(key)]
    elif text and text in _SHIFTED_DIGITS:
        name = _SHIFTED_DIGITS[text]
    elif text and len(text) == 1 and text.isprintable() and not text.isspace():
        name = text.lower()
    else:
        return None
    # On macOS Qt reports Command as ControlModifier and Control as MetaModifier.
    ctrl, meta = (Qt.KeyboardModifier.MetaModifier, Qt.KeyboardModifier.ControlModifier) if sys.platform == "darwin" \
        else (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.MetaModifier)
    parts = [p for flag, p in ((ctrl, "<ctrl>"), (Qt.KeyboardModifier.AltModifier, "<alt>"),
                               (Qt.KeyboardModifier.ShiftModifier, "<shift>"), (meta, "<cmd>")) if modifiers & flag]
    return "+".join([*parts, name])


class HotkeyButton(QPushButton):
    """Shows one action's hotkey; activating it records a new one."""

    changed = Signal(str, str)  # action, binding ("" when turned off)

    def __init__(self, action: str, binding: str, check, parent=None):
        super().__init__(parent)
        self.action, self.binding, self._check = action, binding, check  # check(action, binding) -> problem or ""
        self.recording = False
        self.clicked.connect(self.start_recording)
        self._show()

    @property
    def label(self) -> str:
        return _(ACTIONS[self.action])

    def set_binding(self, binding: str) -> None:
        self.binding = binding
        self._show()

    def _show(self) -> None:
        keys = describe_binding(self.binding) if self.binding else "off"
        self.setText(f"{self.label}: {keys}")
        self.setAccessibleName(f"{self.label}: {keys}")
        self.setAccessibleDescription(_("Press Space to record a new hotkey, then press the keys. "
                                      "Escape cancels; Backspace turns this hotkey off."))

    def start_recording(self) -> None:
        self.recording = True
        prompt = _('Press the new hotkey for {n0}. Escape cancels, Backspace turns it off.').format(n0=self.label.lower())
        self.setText(prompt)
        self.setAccessibleName(prompt)
        announce(self, prompt, assertive=True)

    def _finish(self, message: str) -> None:
        self.recording = False
        self._show()
        announce(self, message, assertive=True)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if not self.recording:
            return super().keyPressEvent(event)
        key, mods = event.key(), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = not mods & ~Qt.KeyboardModifier.ShiftModifier
        if key == Qt.Key.Key_Escape and not mods:
            return self._finish(f"Cancelled; {self.text()}.")
        if key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and not mods:
            self.binding = ""
            self.changed.emit(self.action, "")
            return self._finish(_('{label} has no hotkey now.').format(label=self.label))
        binding = binding_from_key(key, mods, event.text())
        if binding is None:
            return  # a modifier on its own: wait for the key
        if plain and not binding.split("+")[-1].startswith("<f"):
            return announce(self, _("Hold Control, Alt or both with the key, so ordinary typing is not taken."), assertive=True)
        problem = self._check(self.action, binding)
        if problem:
            return self._finish(f"{problem} Kept {describe_binding(self.binding) if self.binding else 'off'}.")
        self.binding = binding
        self.changed.emit(self.action, binding)
        self._finish(f"{self.label}: {describe_binding(binding)}.")

    def focusOutEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self.recording:  # Tab away: nothing recorded
            self.recording = False
            self._show()
        super().focusOutEvent(event)
