"""The app on a real Wayland desktop: headless sway, xdg-desktop-portal(-wlr), Orca and speech-dispatcher.

No X11 grab or X11 screenshot works for native Wayland windows; here the screen comes from the
portal, and the key is a sway ``bindsym`` running ``blip-assistant trigger``, typed with ``wtype``.
What Orca and speech-dispatcher spoke is read from speech-dispatcher's own log; the history from its file.
Orca 43 still wants an X display for its keyboard map: XWayland's, as sway starts it, as on a user's desktop.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.processes import Lines, stop
from tests.wayland.conftest import Sway, need
from tests.xscreen.orca import missing_programs, normalise, private_speechd_config, spoken_in, wait_for_log

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.blipassistant.BlipAssistant"
KNOWN_TEXT = "INVOICE 4711 TOTAL 93"
WINDOW = """
import gi, sys
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk
w = Gtk.Window(title=sys.argv[1])
label = Gtk.Label()
label.set_markup('<span font="DejaVu Sans 40">' + sys.argv[2] + '</span>')
w.add(label); w.connect("destroy", Gtk.main_quit); w.show_all(); Gtk.main()
"""


@pytest.fixture(scope="module")
def desktop(sway: Sway, tmp_path_factory):
    """(sway, env, speech log folder): Orca running on the Wayland desktop, and a window with known text focused."""
    if missing_programs():
        need(*missing_programs())
    need("Xwayland", "/usr/bin/python3")
    home = tmp_path_factory.mktemp("wayland-home")
    env = sway.environ(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), GDK_BACKEND="wayland",
                       DISPLAY=sway.xwayland_display(), QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
                       BLIP_ASSISTANT_CONFIG=str(home / "settings.json"))
    logdir = home / "speechd-log"
    private_speechd_config(env, logdir)
    sway.run(["gsettings", "set", "org.gnome.desktop.a11y.applications", "screen-reader-enabled", "true"], env=env)
    orca = sway.popen(["orca", "--replace", "--disable=braille", "--disable=braille-monitor",
                       f"--debug-file={home / 'orca.log'}"], env=env, stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL)
    window = sway.popen(["/usr/bin/python3", "-c", WINDOW, "Invoice", KNOWN_TEXT], env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_log(logdir, lambda: spoken_in(logdir), 60, "Orca's first words through speech-dispatcher")
        sway.wait_window(lambda w: w.get("name") == "Invoice", "the Invoice window")
        warm_up_the_screenshot_portal(sway, env)
        yield sway, env, logdir
    finally:
        for proc in (window, orca):
            proc.kill()
            proc.wait(10)


WARM_UP = """
from assistant.core.capture.portal import PortalCapturer
from assistant.core.desktop import Desktop
PortalCapturer(Desktop("wayland", "sway"), timeout_s=20).desktop()
"""


def warm_up_the_screenshot_portal(sway: Sway, env: dict) -> None:
    """One screenshot through the real portal before the app's first.

    In a headless sway session just started, the first Screenshot request sometimes got no answer
    at all (the app said "did not answer in 15 seconds"; about 1 module in 2 on the 2-core test
    machine, at this round's start too), while every later request in the same session was
    answered at once. A user's desktop is not a headless session seconds old; the tests check
    what the app does with a portal that works, so the session's first request is made here.
    """
    sway.run([sys.executable, "-c", WARM_UP], env=env, timeout=40)


@pytest.fixture
def app(desktop, tiny_model_dirs):
    sway, env, _ = desktop
    proc = sway.popen([sys.executable, "-m", "assistant", "--model", str(tiny_model_dirs["opt"]), "--log-level", "info"],
                      env={**env, "BLIP_ASSISTANT_SAVE_CAPTURES": env["HOME"] + "/captures"},
                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = Lines(proc.stderr)
    try:
        log.wait(r"instance channel: .*/blip-assistant\.socket")
        log.wait(r"Model ready on")
        yield log
    finally:
        stop(proc, grace=30)


def test_a_desktop_shortcut_makes_the_wayland_app_describe_the_screen_aloud_and_keep_the_focus_away(desktop, app):
    sway, env, logdir = desktop
    assert app.wait(r"desktop: (\w+) session \((\w+)\)").groups() == ("wayland", "sway")
    assert app.wait(r"Screenshots: desktop portal\. Global keys: desktop shortcuts \(see Help\)\.")
    assert app.wait(r"Global keys on this desktop are its own shortcuts: run `blip-assistant install-shortcuts`")
    ours = sway.wait_window(lambda w: w.get("app_id") == APP_ID, "the app's window")
    assert ours["shell"] == "xdg_shell"  # a native Wayland client, not XWayland
    trigger = f"{sys.executable} -m assistant trigger describe-screen"
    sway.swaymsg("bindsym", "Ctrl+Alt+Shift+s", "exec", trigger)
    sway.swaymsg('[title="^Invoice$"]', "focus")
    before = len(spoken_in(logdir))
    typed = sway.run(["wtype", "-s", "200", "-M", "ctrl", "-M", "alt", "-M", "shift", "s",
                      "-m", "shift", "-m", "alt", "-m", "ctrl"], env=env)
    assert typed.returncode == 0, typed.stderr
    assert app.wait(r"captured screen \(screen\) in")
    shot = Image.open(app.wait(r"capture saved to (\S+)").group(1)).convert("RGB")
    ours = sway.wait_window(lambda w: w.get("app_id") == APP_ID, "the app's window")["rect"]
    inside = [(x, y) for x in range(ours["x"], ours["x"] + ours["width"], 9)
              for y in range(ours["y"], ours["y"] + ours["height"], 9)]
    assert all(shot.getpixel(p) == (0, 0, 0) for p in inside), "the app's own window is in the capture"
    try:
        heard = wait_for_log(logdir, lambda: next((s for s in spoken_in(logdir)[before:] if "4711" in normalise(s)),
                                                  None), 120, "the window's text to be spoken")
    except AssertionError as err:
        raise AssertionError(f"{err}; spoken: {spoken_in(logdir)[before:]}; app: {app.lines[-30:]}") from None
    assert "invoice 4711 total 93" in normalise(heard)
    assert sway.focused()["name"] == "Invoice"  # the describe did not take the focus from the user's app
    found = sway.run([sys.executable, "-m", "assistant", "history", "search", "4711", "--json"], env=env)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout), "the description with the window's text is not in the history"


def test_describe_window_captures_the_focused_window_sway_names(desktop, app):
    sway, env, _ = desktop
    sway.swaymsg('[title="^Invoice$"]', "focus")
    done = sway.run([sys.executable, "-m", "assistant", "trigger", "describe-window"], env=env)
    assert done.returncode == 0, done.stderr
    assert app.wait(r"captured window \(window Invoice\) in")
    assert not any("its own shortcuts" in line for line in app.lines), app.lines  # said at the first start only
    assert any("Global keys: desktop shortcuts (see Help)" in line for line in app.lines)  # said at every start
    assert sway.focused()["name"] == "Invoice"


def test_watching_on_wayland_reads_the_focused_window_through_the_portal(desktop, app):
    sway, env, _ = desktop
    sway.swaymsg('[title="^Invoice$"]', "focus")
    assert sway.run([sys.executable, "-m", "assistant", "trigger", "watch"], env=env).returncode == 0
    assert int(app.wait(r"watching Invoice: (\d+) lines on screen at the start").group(1)) >= 1
    assert sway.run([sys.executable, "-m", "assistant", "trigger", "watch"], env=env).returncode == 0
    assert app.wait(r"Watching stopped\.")
    assert sway.focused()["name"] == "Invoice"
