"""Python's cycle collector, run only on the GUI thread.

A collection runs on whichever thread happens to allocate when a threshold is passed:
the model worker, a speech thread, the hotkey listener. If the garbage it finds holds
a Qt object (a closed dialog caught in a reference cycle, say), that object is deleted
on the wrong thread and Qt crashes the process. So automatic collection is switched off
and a timer on the GUI thread collects instead, generation by generation, with the
interpreter's own thresholds. (The same remedy as pyqtgraph's and Spyder's.)
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGC(QObject):
    """Collects cycles on the GUI thread only, on a timer."""

    def __init__(self, interval_ms: int = 500, parent: QObject | None = None):
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(interval_ms)

    def check(self) -> None:
        """Collect the oldest generation whose count has passed its threshold, as the interpreter would."""
        counts = gc.get_count()
        for generation in (2, 1, 0):
            threshold = self._thresholds[generation]
            if threshold and counts[generation] > threshold:  # 0: not counted (Python 3.14's incremental collector)
                gc.collect(generation)
                return

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
