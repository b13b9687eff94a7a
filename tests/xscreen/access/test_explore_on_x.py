"""Explore and click, for real: an app that paints its buttons on a canvas and exposes none of them.

The global hotkey is pressed (xdotool) while the canvas app has focus; the list opens with the
focus; a letter jumps to "Save", Enter clicks: the app itself reports one click inside Save, and
the focus is back in it. Escape returns without a click.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.xscreen.access.conftest import Program, press
from tests.xscreen.conftest import HERE as XSCREEN
from tests.xscreen.conftest import wait_for_x
from tests.xscreen.test_app_on_x import App


def active_title(env) -> str:
    out = subprocess.run(["xdotool", "getactivewindow", "getwindowname"], env=env, capture_output=True, text=True)
    return out.stdout.strip()


@pytest.fixture
def canvas(xserver):
    import sys

    env = {**xserver[0], "QT_QPA_PLATFORM": "xcb"}
    program = Program([sys.executable, str(XSCREEN / "access" / "canvas_app.py")], env, "Canvas app")
    yield program
    program.close()


@pytest.fixture
def assistant(xserver, tiny_model_dirs, tmp_path):
    env = {**xserver[0], "BLIP_ASSISTANT_CONFIG": str(tmp_path / "settings.json"), "HF_HUB_OFFLINE": "1",
           "BLIP_ASSISTANT_DATA": str(tmp_path / "data")}
    (tmp_path / "settings.json").write_text(json.dumps({}))
    app = App(["--model", str(tiny_model_dirs["opt"]), "--log-level", "debug", "--speech", "silent"], env)
    app.wait_line(r"global hotkeys: ")
    # Started, our window takes the focus once mapped: only then is the other app put in front.
    wait_for_x(env, lambda: active_title(env) == "BLIP Assistant", 30, "our window to be up")
    yield app, env
    app.close()


def test_explore_from_a_canvas_app_clicks_save_and_gives_the_focus_back(assistant, canvas):
    app, env = assistant
    canvas.activate()
    canvas.seen("focus in")
    press(env, "ctrl+alt+shift+e")
    app.wait_line(r"explore: [3-9]\d* items|explore: \d\d+ items")
    wait_for_x(env, lambda: active_title(env).startswith("Screen items"), 20, "the screen-items list to take focus")
    app.wait_line(r"explore: the list has the focus")
    press(env, "s")  # a letter jumps: to "Save"
    press(env, "Return")
    app.wait_line(r"said: Clicking Save\.")
    m = canvas.wait_line(r"^click (\d+) (\d+)$")
    assert canvas.wait_line(r"^clicked (\w+)$").group(1) == "Save", m.group(0)
    wait_for_x(env, lambda: active_title(env) == "Canvas app", 20, "the focus back in the canvas app")
    assert canvas.seen(r"^click ") == []  # one click, no more

    app.lines.clear()  # the log lines of the first list are done with
    press(env, "ctrl+alt+shift+e")
    app.wait_line(r"explore: the list has the focus")
    press(env, "Escape")
    wait_for_x(env, lambda: active_title(env) == "Canvas app", 20, "the focus back without a click")
    app.wait_line(r"explore: closed, nothing clicked")
    assert canvas.seen(r"^click ") == []


def test_focus_in_a_terminal_falls_back_to_the_window_and_says_so(assistant, xserver):
    from tests.xscreen.conftest import _search

    app, env = assistant
    term = subprocess.Popen(["xterm", "-T", "Terminal", "-e", "cat"], env=env)
    try:
        wid = wait_for_x(env, lambda: _search(env, "^Terminal$"), 30, "the terminal")
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=env, check=True)
        wait_for_x(env, lambda: active_title(env) == "Terminal", 20, "the terminal in front")
        press(env, "ctrl+alt+shift+f")
        app.wait_line(r"said: No control details here; describing the focused window\.")
        app.wait_line(r"action describe_focus")
        assert active_title(env) == "Terminal"  # the focus never left the terminal
    finally:
        term.terminate()
        term.wait(10)
