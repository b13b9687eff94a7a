"""Benchmark: ``blip-assistant trigger describe-screen`` on a Wayland desktop beside the same on X11.

The same GTK window showing the same text, the same tiny model, Orca and speech-dispatcher on both:
- X11: Xvfb + openbox; the screenshot through mss (the app hides its window first, as on every X11 capture);
- Wayland: headless sway; the screenshot through xdg-desktop-portal(-wlr, grim).
For each of ``--runs`` (5) triggers, from the moment the trigger command starts:
  trigger exits (the channel answered), capture done (the app's log line arrives),
  first word at speech-dispatcher ("Describing the screen..."), the window's text at speech-dispatcher
  (speech-dispatcher's own log timestamps). Medians, and Wayland / X11 ratios, measured in one run.
Not a test. Usage: python bench/wayland.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.focus import desktop  # noqa: E402
from tests.wayland.test_wayland_app import KNOWN_TEXT, WINDOW  # noqa: E402
from tests.xscreen.orca import normalise, private_speechd_config, spoken_in, spoken_with_times, wait_for_log  # noqa: E402

STEPS = ("trigger exits", "capture done", "first word spoken", "window's text spoken")


class Lines:
    """The app's stderr lines with the wall-clock time each arrived."""

    def __init__(self, proc):
        self.lines: list[tuple[float, str]] = []
        self.changed = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc):
        for line in proc.stderr:
            with self.changed:
                self.lines.append((time.time(), line))
                self.changed.notify_all()

    def wait(self, text: str, since: int = 0, timeout: float = 300) -> float:
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                found = next((t for t, line in self.lines[since:] if text in line), None)
                if found:
                    return found
                if not self.changed.wait(max(0.0, deadline - time.monotonic())):
                    raise RuntimeError(f"no {text!r} in the app's log:\n" + "".join(line for _, line in self.lines[-30:]))


def measure(run_cmd, popen, env, logdir: Path, runs: int, model: Path) -> list[dict]:
    """``runs`` triggers against the app started with ``popen``; the times of each step."""
    app = popen([sys.executable, "-m", "assistant", "--model", str(model), "--log-level", "info"],
                env)
    lines = Lines(app)
    try:
        lines.wait("Model ready on")
        results = []
        for _ in range(runs + 1):  # the first one warms up (the portal starts, imports)
            time.sleep(3)  # a benchmark: let the last description finish speaking
            mark, seen = len(spoken_in(logdir)), len(lines.lines)
            start = time.time()
            done = run_cmd([sys.executable, "-m", "assistant", "trigger", "describe-screen"], env)
            exited = time.time()
            assert done.returncode == 0, done.stderr
            captured = lines.wait("captured screen", since=seen)
            wait_for_log(logdir, lambda m=mark: any("4711" in normalise(s) for s in spoken_in(logdir)[m:]), 120,
                         "the window's text")
            said = spoken_with_times(logdir)[mark:]
            results.append({"trigger exits": exited - start, "capture done": captured - start,
                            "first word spoken": said[0][0] - start,
                            "window's text spoken": next(t for t, s in said if "4711" in normalise(s)) - start})
        return results[1:]
    finally:
        app.terminate()
        app.wait(30)


def x11(runs: int, model: Path) -> list[dict]:
    from tests.xscreen.orca import OrcaDesktop

    with desktop() as (env, tmp), OrcaDesktop(env, tmp / "orca") as orca:
        window = subprocess.Popen(["/usr/bin/python3", "-c", WINDOW, "Invoice", KNOWN_TEXT], env=orca.env,
                                  stderr=subprocess.DEVNULL)
        try:
            time.sleep(2)
            subprocess.run(["xdotool", "search", "--sync", "--name", "^Invoice$", "windowactivate", "--sync"],
                           env=orca.env, check=True, timeout=30)

            def popen(argv, env):
                return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

            def run_cmd(argv, env):
                return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)

            return measure(run_cmd, popen, {**orca.env, "QT_QPA_PLATFORM": "xcb"}, orca.logdir, runs, model)
        finally:
            window.terminate()


def wayland(runs: int, model: Path) -> list[dict]:
    from tests.wayland.conftest import Sway

    sway = Sway()
    home = Path(sway.env["XDG_RUNTIME_DIR"]) / "home"
    home.mkdir()
    env = sway.environ(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), GDK_BACKEND="wayland",
                       DISPLAY=sway.xwayland_display(), QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1")
    logdir = home / "speechd-log"
    private_speechd_config(env, logdir)
    sway.run(["gsettings", "set", "org.gnome.desktop.a11y.applications", "screen-reader-enabled", "true"], env=env)
    orca = sway.popen(["orca", "--replace", "--disable=braille", "--disable=braille-monitor"], env=env,
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    window = sway.popen(["/usr/bin/python3", "-c", WINDOW, "Invoice", KNOWN_TEXT], env=env, stderr=subprocess.DEVNULL)
    try:
        wait_for_log(logdir, lambda: spoken_in(logdir), 60, "Orca")
        sway.wait_window(lambda w: w.get("name") == "Invoice", "Invoice")

        def popen(argv, env):
            return sway.popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

        def run_cmd(argv, env):
            sway.swaymsg('[title="^Invoice$"]', "focus")
            return sway.run(argv, env=env, timeout=60)

        return measure(run_cmd, popen, env, logdir, runs, model)
    finally:
        for proc in (window, orca):
            proc.kill()
        sway.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import tempfile

    from assistant.devtools.tiny_model import save_tiny_model

    model = save_tiny_model("opt", Path(tempfile.mkdtemp()) / "tiny")
    found = {"x11": x11(args.runs, model), "wayland": wayland(args.runs, model)}
    print(f"trigger describe-screen, tiny model, median of {args.runs} (seconds from the trigger command's start):")
    print(f"{'step':<24}{'X11':>8}{'Wayland':>10}{'ratio':>8}")
    for step in STEPS:
        x, w = (statistics.median(r[step] for r in found[k]) for k in ("x11", "wayland"))
        print(f"{step:<24}{x:>8.3f}{w:>10.3f}{w / x:>8.2f}")


if __name__ == "__main__":
    main()
