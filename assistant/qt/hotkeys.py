"""Global hotkey presses, heard on a key thread, delivered to the GUI thread as a Qt signal."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class ActionRelay(QObject):
    """Called on a key thread with (action, pressed_at); emits ``triggered``, which Qt queues to the GUI thread."""

    triggered = Signal(str, float)

    def __call__(self, action: str, pressed_at: float) -> None:
        try:
            self.triggered.emit(action, pressed_at)
        except RuntimeError:  # the app is closing: nobody left to act
            pass
