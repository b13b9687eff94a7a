"""Capture the screen without the assistant in it, then give focus back."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget

from assistant.core.capture.screen import Capture, CaptureError, Capturer, active_window_rect
from assistant.core.desktop import detect
from assistant.core.errors import one_line
from assistant.core.geometry import Rect
from assistant.i18n import _

log = logging.getLogger(__name__)


GIVE_BACK_S = 2.0


class CaptureFlow(QObject):
    """Hides the window, waits for the screen to repaint, captures, shows the window again.

    Requests that arrive while a capture is under way are merged into it (the newest
    target wins), so a burst of key presses gives one capture. A *job* (``run``) is a
    capture that also asks the accessibility API (the focused control, explore): it runs on
    a thread, so the window keeps answering the screen reader's and the API's own calls,
    and its result comes back through ``found``.
    """

    captured = Signal(object)  # Capture
    found = Signal(str, object)  # a job's name, its result
    failed = Signal(str)
    _job_done = Signal(str, object, str)  # from the job's thread: name, result, error

    def __init__(self, window: QWidget, capturer: Capturer, settle_ms: int = 100):
        super().__init__(window)
        self._window, self._capturer, self._settle_ms = window, capturer, settle_ms
        self._target: str | None = None
        self._was_visible = self._was_active = False
        self._focus_before: int | None = None  # the X window the user was in, when it was not ours
        self._give_back: tuple[int, float] | None = None  # (that window, until when) after a capture
        window.installEventFilter(self)
        self.last_ms = 0.0
        self._preloaded = False
        self._jobs: dict[str, Callable[[Capturer], object]] = {}
        self._hide_rule, self._stay_hidden = "active", False
        self._hidden = False  # hidden for a job until show_again
        self._job_done.connect(self._on_job_done)

    def preload(self) -> None:
        """Import python-xlib on a thread, so the first press does not wait 90 ms for it.

        Called once the model is ready: earlier, while the model loads, it would only slow the window.
        """
        if on_x11() and not self._preloaded:
            self._preloaded = True
            threading.Thread(target=_preload_x11, name="preload-xlib", daemon=True).start()

    @property
    def capturer(self) -> Capturer:
        """The screenshots' engine (explore compares an item's pixels with it before a click)."""
        return self._capturer

    @property
    def busy(self) -> bool:
        return self._target is not None

    def run(self, name: str, job: Callable[[Capturer], object], hide: str = "active", stay_hidden: bool = False) -> None:
        """Run ``job(capturer)`` on a thread with our window out of the way; ``found(name, result)`` follows.

        ``hide``: "active" hides our window only when it is the active one (so the focus goes back
        to the user's app), "window" when it overlaps the active window, "always" for the screen.
        """
        self._jobs[name] = job
        self._hide_rule = hide
        self.request(name)

    def request(self, target: str) -> None:
        """``target``: "screen" (the monitor under the pointer), "window" (the active one) or "desktop"."""
        if target not in self._jobs:
            self._stay_hidden = False
        if self.busy:
            self._target = target
            return
        self._target = target
        window = self._window
        self._was_visible = window.isVisible() and not window.isMinimized() and self._in_the_way(target)
        # On X11 ask the window manager which window is active: Qt learns of a focus change a moment
        # later, and a hotkey pressed just after switching apps would otherwise bring our window up.
        active = active_x11_window() if self._was_visible else None
        self._was_active = window.isActiveWindow() if active is None else active == int(window.winId())
        self._focus_before = None if self._was_active else active
        if self._was_visible:
            window.hide()  # the window manager gives focus back to the window used before ours
            QTimer.singleShot(self._settle_ms, self._grab)  # let the windows beneath repaint
        else:
            QTimer.singleShot(0, self._grab)

    def _in_the_way(self, target: str) -> bool:
        """Whether our window could appear in the capture.

        Another app's window that ours does not overlap is captured at once, without hiding
        ours and waiting for the screen to repaint.
        """
        if detect().wayland:
            # A Wayland compositor gives the focus to a window shown again, and no app may hand it back:
            # ours is hidden only when it has the focus anyway (else it may appear in a capture of the screen).
            return self._window.isActiveWindow()
        if target in self._jobs:
            rule = self._hide_rule
            if rule == "active":
                return self._window.isActiveWindow() or active_x11_window() == int(self._window.winId())
            if rule == "always":
                return True
        elif target != "window":
            return True
        found = active_window_rect()
        if found is None:
            return True
        ratio = self._window.devicePixelRatioF()
        frame = self._window.frameGeometry()
        ours = Rect(int(frame.x() * ratio), int(frame.y() * ratio), int(frame.width() * ratio), int(frame.height() * ratio))
        overlap = found[0].intersect(ours) is not None
        log.debug("active window %s, ours %s: %s", found[0], ours, "overlap" if overlap else "apart")
        return overlap

    def _grab(self) -> None:
        target, start = self._target, time.perf_counter()
        if target in self._jobs:
            job = self._jobs[target]
            threading.Thread(target=self._run_job, args=(target, job), name=f"capture-{target}", daemon=True).start()
            return
        grab = {"screen": self._capturer.monitor_at, "window": self._capturer.active_window,
                "desktop": self._capturer.desktop}[target]
        try:
            capture: Capture = grab()
        except CaptureError as err:
            self._restore()
            self.failed.emit(str(err))
            return
        self.last_ms = 1000 * (time.perf_counter() - start)
        log.info("captured %s (%s) in %.0f ms", target, capture.source, self.last_ms)
        self._restore()
        self.captured.emit(capture)

    def _run_job(self, name: str, job: Callable[[Capturer], object]) -> None:
        start = time.perf_counter()
        try:
            result, error = job(self._capturer), ""
        except CaptureError as err:
            result, error = None, str(err)
        except Exception as err:  # noqa: BLE001 - one sentence, never a traceback
            log.exception("%s failed", name)
            result, error = None, _('That did not work: {n0}.').format(n0=one_line(err, 120))
        self.last_ms = 1000 * (time.perf_counter() - start)
        log.info("%s found in %.0f ms", name, self.last_ms)
        self._job_done.emit(name, result, error)

    def _on_job_done(self, name: str, result: object, error: str) -> None:
        if self._stay_hidden and not error:
            self._target, self._hidden = None, self._was_visible
        else:
            self._restore()
        if error:
            self.failed.emit(error)
        else:
            self.found.emit(name, result)

    def show_again(self, focus_to: int | None = None) -> None:
        """After a ``stay_hidden`` job: our window comes back, without the focus (it goes to ``focus_to``)."""
        if not self._hidden:
            return
        self._hidden, self._was_visible, self._was_active, self._focus_before = False, True, False, focus_to
        self._restore()

    def _restore(self) -> None:
        self._target = None
        if not self._was_visible:
            return
        window = self._window
        window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, not self._was_active)
        window.show()
        if self._was_active:
            window.raise_()
            window.activateWindow()
        window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, False)
        if self._focus_before is not None:
            # Some X window managers (openbox) focus a window shown again despite "show without activating",
            # and may do it again after we gave focus back: for the next two seconds, whenever ours becomes
            # active (Qt says so, or the window manager does when asked at 0.3, 0.8 and 1.5 s), focus goes back
            # to the app the user is in, so their screen reader stays there too.
            self._give_back = (self._focus_before, time.monotonic() + GIVE_BACK_S)
            if window.isActiveWindow():
                self._return_focus()
            for ms in (300, 800, 1500):
                QTimer.singleShot(ms, self._check_focus)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QEvent.Type.WindowActivate and self._give_back is not None:
            self._return_focus()
        return False

    def _check_focus(self) -> None:
        if self._give_back is not None and active_x11_window() == int(self._window.winId()):
            self._return_focus()

    def _return_focus(self) -> None:
        previous, until = self._give_back
        if time.monotonic() > until:
            self._give_back = None
            return
        give_focus_to(previous)


def on_x11() -> bool:
    """An X11 session (python-xlib can reach the display; on Wayland it would see XWayland's windows only)."""
    return detect().kind == "x11"


def _preload_x11() -> None:
    try:
        from assistant.core.capture.x11 import preload

        preload()
    except Exception as err:  # python-xlib missing: the first capture says so
        log.debug("preload python-xlib: %s", err)


def active_x11_window() -> int | None:
    """The X window the window manager says is active (None off X11)."""
    if not on_x11():
        return None
    try:
        from assistant.core.capture.x11 import active_window_id

        return active_window_id()
    except Exception as err:  # no X server reachable (Wayland without XWayland): nothing to restore
        log.debug("active window: %s", err)
        return None


def x11_focus_in(window_id: int) -> bool:
    """Whether the X keyboard focus is in ``window_id`` (False where it cannot be known)."""
    try:
        from assistant.core.capture.x11 import has_input_focus

        return has_input_focus(window_id)
    except Exception as err:  # noqa: BLE001
        log.debug("input focus: %s", err)
        return False


def give_focus_to(previous: int) -> None:
    """Ask the window manager to make ``previous`` active again."""
    try:
        from assistant.core.capture.x11 import activate

        activate(previous)
    except Exception as err:
        log.debug("focus back to %s: %s", previous, err)
