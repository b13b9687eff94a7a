"""The real app on a real X screen: a real key press describes the screen, without the app in it."""

import subprocess
import sys

import pytest
from PIL import Image

from tests.processes import Lines, stop
from tests.xscreen.conftest import _search, wait_for_x, window_geometry


class App:
    """The app in a subprocess; its log lines (stderr) are collected for the test to wait on."""

    def __init__(self, args, env):
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant", *args], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log = Lines(self.proc.stderr)
        self.lines = self.log.lines
        self.wait_line = self.log.wait
        self.wait_until = self.log.wait_until

    def close(self):
        stop(self.proc, grace=20)


@pytest.mark.parametrize("scale", ["1", "2"], ids=["scale1", "hidpi-scale2"])
def test_describe_screen_by_key_never_captures_the_app_and_gives_focus_back(
        xserver, helper_window, tiny_model_dirs, tmp_path, scale):
    env, _ = xserver
    env = {**env, "BLIP_ASSISTANT_SAVE_CAPTURES": str(tmp_path), "QT_SCALE_FACTOR": scale}
    app = App(["--model", str(tiny_model_dirs["opt"]), "--log-level", "info"], env)
    try:
        app.wait_line(r"Model ready on")
        wid = wait_for_x(env, lambda: _search(env, "^BLIP Assistant$"), 30, "the app window")
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=env, check=True)
        ax, ay, aw, ah = window_geometry(env, wid)
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+shift+d"], env=env, check=True)
        saved = app.wait_line(r"capture saved to (\S+)").group(1)
        app.wait_line(r"caption answered in")
        shot = Image.open(saved).convert("RGB")
        assert shot.size == (1280, 800)  # physical pixels, whatever Qt's scale factor
        assert shot.getpixel((1120, 220)) == (0, 255, 0)  # the other application is there
        hx, hy, hw, hh = window_geometry(env, helper_window)
        frame = 30  # the window manager's title bar and borders around the helper
        region = [(x, y) for x in range(max(ax, 0), min(ax + aw, 1280), 7) for y in range(max(ay, 0), min(ay + ah, 800), 7)
                  if not (hx - frame <= x < hx + hw + frame and hy - frame <= y < hy + hh + frame)]
        black = sum(1 for p in region if max(shot.getpixel(p)) <= 8)
        assert region and black / len(region) > 0.99, "the app's own window is in the capture"
        wait_for_x(env, lambda: subprocess.run(["xdotool", "getactivewindow"], env=env, capture_output=True,
                                               text=True).stdout.strip() == wid, 20, "focus to return to the app")
        subprocess.run(["xdotool", "key", "--clearmodifiers", "ctrl+q"], env=env, check=True)
        assert app.proc.wait(30) == 0
    finally:
        app.close()
