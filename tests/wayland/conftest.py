"""A real Wayland desktop for the tests: headless sway with xdg-desktop-portal, in a user namespace.

sway refuses to run as root, so ``headless_sway.sh`` runs it (and its D-Bus session, PipeWire and
the portals) as uid 1000 of a user namespace. Our processes join that namespace with ``nsenter``
(the session bus accepts only its own uid), with the session's variables and no X display.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.xscreen.conftest import need

HERE = Path(__file__).parent
PROGRAMS = ("sway", "swaymsg", "grim", "wtype", "pipewire", "unshare", "nsenter", "dbus-run-session",
            "/usr/libexec/xdg-desktop-portal", "/usr/libexec/xdg-desktop-portal-wlr", "/usr/libexec/xdg-desktop-portal-gtk")


class Sway:
    """A running headless sway session (or KDE's, with ``headless_kde.sh``); ``env`` holds its variables,
    ``popen``/``run`` start processes in it."""

    def __init__(self, script: Path = HERE / "headless_sway.sh"):
        self.log = tempfile.NamedTemporaryFile(prefix="headless-sway-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen([str(script)], stdout=subprocess.PIPE, stderr=self.log,
                                        start_new_session=True)
        output, deadline = b"", time.monotonic() + 30
        while b"\nREADY\n" not in output:
            ready, _, _ = select.select([self.process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            chunk = os.read(self.process.stdout.fileno(), 4096) if ready else b""
            if not chunk:
                self.close()
                raise AssertionError(f"{script.name} did not start its desktop in 30 s")
            output += chunk
        lines = output.decode().split("\nREADY\n")[0].splitlines()
        self.env = dict(line.split("=", 1) for line in lines if "=" in line)
        self.ns_pid = self.env.pop("NS_PID")

    def environ(self, **extra: str) -> dict[str, str]:
        """The session's environment for a process of ours: no X display, the Wayland one instead."""
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS",
                                                                "AT_SPI_BUS_ADDRESS", "QT_QPA_PLATFORM",
                                                                "BLIP_ASSISTANT_INSTANCE")}
        return {**env, **self.env, **extra}

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run inside the session's user namespace (as its uid 1000)."""
        return ["nsenter", "-U", "-t", self.ns_pid, "--preserve-credentials", "--", *argv]

    def popen(self, argv: list[str], env: dict | None = None, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(self.command(argv), env=env or self.environ(), **kwargs)

    def run(self, argv: list[str], env: dict | None = None, timeout: float = 30, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("capture_output", True)
        kwargs.setdefault("text", True)
        return subprocess.run(self.command(argv), env=env or self.environ(), timeout=timeout, **kwargs)

    def swaymsg(self, *args: str) -> str:
        result = self.run(["swaymsg", *args])
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def tree(self) -> dict:
        return json.loads(self.swaymsg("-t", "get_tree", "-r"))

    def windows(self) -> list[dict]:
        """Every window on the desktop (its name, app_id, pid, focused)."""
        found = []

        def walk(node):
            if node.get("pid"):
                found.append(node)
            for child in node.get("nodes", []) + node.get("floating_nodes", []):
                walk(child)

        walk(self.tree())
        return found

    def wait_window(self, condition, what: str, timeout: float = 60) -> dict:
        """The first window for which ``condition(node)`` holds, re-checked at each of sway's window events."""
        events = subprocess.Popen(self.command(["swaymsg", "-m", "-t", "subscribe", '["window"]']), env=self.environ(),
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        os.set_blocking(events.stdout.fileno(), False)
        deadline = time.monotonic() + timeout
        try:
            while True:
                found = next((w for w in self.windows() if condition(w)), None)
                if found:
                    return found
                if time.monotonic() > deadline:
                    raise AssertionError(f"timed out after {timeout} s waiting for {what}; windows: "
                                         f"{[(w.get('name'), w.get('app_id')) for w in self.windows()]}")
                if select.select([events.stdout], [], [], 1.0)[0]:
                    events.stdout.read()
        finally:
            events.kill()
            events.wait()

    def xwayland_display(self) -> str:
        """The X display sway gives its clients (XWayland), from the environment of a command sway runs.

        That command writes into a FIFO; ``cat`` returns as soon as it has written (``timeout`` ends a wait
        for a sway that runs nothing)."""
        fifo = Path(self.env["XDG_RUNTIME_DIR"]) / "sway-env"
        result = self.run(["sh", "-c", f"rm -f {fifo} && mkfifo {fifo} && swaymsg exec 'env > {fifo}' >/dev/null"
                                       f" && timeout 20 cat {fifo}; status=$?; rm -f {fifo}; exit $status"])
        assert result.returncode == 0, f"sway ran no command in 20 s: {result.stderr}"
        found = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
        return found.get("DISPLAY", "")

    def focused(self) -> dict | None:
        return next((w for w in self.windows() if w.get("focused")), None)

    def close(self) -> None:
        """End the whole session: the script, the compositor, PipeWire, both D-Bus daemons and every portal.

        They all share the process group this started. A SIGTERM to its first process alone
        (unshare, then dbus-run-session) left the script and the portals running after each test
        module, dozens a run.
        """
        try:
            os.killpg(self.process.pid, signal.SIGTERM)  # the script's trap tears its desktop down
        except ProcessLookupError:
            return
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            pass
        # The trap's teardown ends by removing the session's folder: wait for that, then end whatever is left.
        runtime, deadline = Path(self.env.get("XDG_RUNTIME_DIR", "/nonexistent")), time.monotonic() + 5
        while runtime.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture(scope="module")
def sway():
    need(*PROGRAMS)
    session = Sway()
    try:
        yield session
    finally:
        session.close()
