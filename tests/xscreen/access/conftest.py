"""A real accessible desktop for the focus and explore tests: Xvfb + openbox (tests/xscreen), a private
D-Bus session with the AT-SPI bus on it, and real GTK3 / Qt6 / canvas apps in their own processes."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.processes import Lines, stop
from tests.xscreen.conftest import _search, need, wait_for_x
from tests.xscreen.test_orca import orca, start  # noqa: F401 (the real Orca, and our app under it)

HERE = Path(__file__).parent
SYSTEM_PYTHON = "/usr/bin/python3"  # python3-gi (GTK) is Debian's, not the venv's


@pytest.fixture
def desktop(xserver, tmp_path):
    """The X screen's env with a private session bus and the AT-SPI bus on it."""
    need("dbus-daemon", "/usr/libexec/at-spi-bus-launcher", "gdbus", SYSTEM_PYTHON)
    env, _ = xserver
    env = {**env, "NO_AT_BRIDGE": "0", "GTK_A11Y": "atk"}
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
    launcher = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", "org.a11y.Bus"], env=env, check=True)
    try:
        yield env
    finally:
        stop(launcher, bus)


@pytest.fixture
def picture(tmp_path) -> Path:
    """The unlabeled button's picture: the word "Export", black on white."""
    image = Image.new("RGB", (120, 40), "white")
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22)
    ImageDraw.Draw(image).text((10, 6), "Export", font=font, fill="black")
    path = tmp_path / "export.png"
    image.save(path)
    return path


class Program:
    """An app in its own process; its stdout lines are kept for the test to wait on."""

    def __init__(self, command: list[str], env: dict, title: str):
        self.proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.log = Lines(self.proc.stdout, consume=True)
        self.lines = self.log.lines
        self.seen = self.log.seen
        self.wait_line("^shown$", 30)
        self.wid = wait_for_x(env, lambda: _search(env, f"^{title}$"), 30, title)
        self.env = env

    def wait_line(self, pattern: str, timeout: float = 20) -> re.Match:
        """The first line (seen or still to come) matching ``pattern``; each is used once."""
        return self.log.wait(pattern, timeout)

    def activate(self) -> None:
        subprocess.run(["xdotool", "windowactivate", "--sync", self.wid], env=self.env, check=True)

    def close(self) -> None:
        stop(self.proc)


@pytest.fixture
def launch(desktop):
    """launch("gtk" | "qt" | "canvas", picture=None, scale=1, extra env) -> Program."""
    started: list[Program] = []

    def start_program(kind: str, picture: Path | None = None, scale: int = 1, *args: str) -> Program:
        env = dict(desktop)
        if kind == "gtk":
            env["GDK_SCALE"] = str(scale)
            command = [SYSTEM_PYTHON, str(HERE / "gtk_buttons.py"), "--picture", str(picture), *args]
            title = "Archive tool"
        elif kind == "qt":
            env.update(QT_SCALE_FACTOR=str(scale), QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1", QT_QPA_PLATFORM="xcb")
            command = [sys.executable, str(HERE / "qt_buttons.py"), "--picture", str(picture), *args]
            title = "Qt tool"
        else:
            env["QT_QPA_PLATFORM"] = "xcb"
            command = [sys.executable, str(HERE / "canvas_app.py")]
            title = "Canvas app"
        program = Program(command, env, title)
        started.append(program)
        return program

    yield start_program
    for program in started:
        program.close()


def press(env, *keys, delay: int = 30) -> None:
    subprocess.run(["xdotool", "key", "--clearmodifiers", "--delay", str(delay), *keys], env=env, check=True)
