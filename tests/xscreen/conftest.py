"""A real X screen (Xvfb) with a real window manager (openbox), started and stopped by the tests.

Skipped where Xvfb is not installed, unless BLIP_REQUIRE_REAL_DEVICES=1 (set by .ci/run),
in which case a missing part fails the run instead of hiding it.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import stop

HERE = Path(__file__).parent
REQUIRED = os.environ.get("BLIP_REQUIRE_REAL_DEVICES") == "1"


def need(*programs: str) -> None:
    missing = [p for p in programs if not shutil.which(p) and not Path(p).exists()]
    if missing:
        if REQUIRED:
            pytest.fail(f"missing {missing}: .ci/run should have installed them")
        pytest.skip(f"needs {missing}")


def wait_for(condition, timeout: float, what: str, wake):
    """Return ``condition()``'s first truthy value, re-checking whenever ``wake(seconds)`` returns.

    ``wake`` blocks on an event source (X events, sound-server events) for at most the
    given time, so each check follows a change instead of a fixed sleep.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        wake(min(remaining, 1.0))


class XEvents:
    """Wakes on any change to the screen's top-level windows or root properties
    (windows mapped or unmapped, the active window, the window manager arriving)."""

    def __init__(self, display: str):
        from Xlib import X
        from Xlib import display as xdisplay

        self.d = xdisplay.Display(display)
        self.d.screen().root.change_attributes(event_mask=X.SubstructureNotifyMask | X.PropertyChangeMask)
        self.d.flush()

    def __call__(self, seconds: float) -> None:
        select.select([self.d.fileno()], [], [], seconds)
        while self.d.pending_events():
            self.d.next_event()

    def close(self) -> None:
        self.d.close()


def wait_for_x(env, condition, timeout: float, what: str):
    events = XEvents(env["DISPLAY"])
    try:
        return wait_for(condition, timeout, what, events)
    finally:
        events.close()


@pytest.fixture(scope="session")
def xserver(tmp_path_factory):
    """(env, display) for a fresh Xvfb with openbox; torn down at the end of the session."""
    need("Xvfb", "openbox", "xdotool")
    home = tmp_path_factory.mktemp("xhome")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-br"],
        pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as f:  # Xvfb writes the display number once it accepts clients
        display = f":{f.readline().strip()}"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_CACHE_HOME": str(home / ".cache"),
           "XDG_RUNTIME_DIR": str(home / "run")}
    (home / "run").mkdir(mode=0o700)
    wm = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_x(env, lambda: _wm_ready(env), 20, "openbox to manage the screen")
    try:
        yield env, display
    finally:
        stop(wm, xvfb)


def _wm_ready(env) -> bool:
    out = subprocess.run(["xdotool", "getactivewindow"], env=env, capture_output=True, text=True)
    probe = subprocess.run([sys.executable, "-c", _WM_CHECK], env=env, capture_output=True, text=True)
    return probe.stdout.strip() == "yes" or out.returncode == 0


_WM_CHECK = """
from Xlib import X, display
d = display.Display()
p = d.screen().root.get_full_property(d.intern_atom('_NET_SUPPORTING_WM_CHECK'), X.AnyPropertyType)
print('yes' if p is not None else 'no')
"""


@pytest.fixture
def helper_window(xserver):
    """A plain green window titled "Helper window" at (1000, 120), 240x200, from another process."""
    env, _ = xserver
    proc = subprocess.Popen([sys.executable, str(HERE / "helper_window.py")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline().strip() == "shown"
    wid = wait_for_x(env, lambda: _search(env, "Helper window"), 20, "the helper window")
    try:
        yield wid
    finally:
        stop(proc)


def _search(env, title: str) -> str | None:
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title], env=env, capture_output=True, text=True)
    ids = out.stdout.split()
    return ids[0] if ids else None


def window_geometry(env, wid: str) -> tuple[int, int, int, int]:
    out = subprocess.run(["xdotool", "getwindowgeometry", "--shell", wid], env=env, capture_output=True, text=True, check=True)
    values = dict(line.split("=", 1) for line in out.stdout.split())
    return int(values["X"]), int(values["Y"]), int(values["WIDTH"]), int(values["HEIGHT"])
