"""One running app per user: ``blip-assistant trigger``, a second start, and the channel being the user's alone.

The channel is a real local socket (QLocalServer); the commands are real subprocesses. Another
user is a real second uid (nobody, through setpriv), where the tests run as root.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from PIL import Image

from assistant.qt.instance import InstanceServer, NotRunning, send

NOBODY = 65534


@pytest.fixture
def channel():
    folder = Path(tempfile.mkdtemp(prefix="blip-ch-", dir="/tmp"))  # short: a socket path has 107 bytes at most
    yield str(folder / "instance.socket")
    shutil.rmtree(folder, ignore_errors=True)


def trigger(qtbot, channel: str, *args: str, user: int | None = None) -> subprocess.CompletedProcess:
    """``blip-assistant trigger ARGS`` in a subprocess, while this test's Qt loop serves the channel."""
    env = {**os.environ, "BLIP_ASSISTANT_INSTANCE": channel}
    command = [sys.executable, "-m", "assistant", "trigger", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60_000)
    out, err = proc.communicate()
    return subprocess.CompletedProcess(command, proc.returncode, out, err)


def sent(qtbot, message, channel: str) -> dict:
    """``message`` as a raw line on the socket, from another thread (this one serves the channel); the answer.

    A plain socket, not ``send``: Qt's blocking wait would hold the interpreter and the server could not answer.
    """
    result = []

    def run():
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(20)
            sock.connect(channel)
            sock.sendall(json.dumps(message).encode() + b"\n")
            result.append(json.loads(sock.makefile().readline()))

    thread = threading.Thread(target=run)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=20_000)
    return result[0]


def serve(qtbot, channel: str):
    heard: list[dict] = []

    def handle(message):
        heard.append(message)
        known = message.get("action") in ("describe_screen", "describe_focus")
        return (known, "ok") if known else (False, f"unknown action {message.get('action')!r}")

    server = InstanceServer(handle, name=channel)
    assert server.listen()
    return server, heard


def test_trigger_tells_the_running_app_and_exits_at_once(qtbot, channel):
    server, heard = serve(qtbot, channel)
    try:
        done = trigger(qtbot, channel, "describe-screen")
        assert done.returncode == 0, done.stderr
        done = trigger(qtbot, channel, "describe-focused")
        assert done.returncode == 0, done.stderr
        assert heard == [{"action": "describe_screen"}, {"action": "describe_focus"}]
    finally:
        server.close()


def test_an_unknown_action_is_an_error_and_never_reaches_the_app(qtbot, channel):
    server, heard = serve(qtbot, channel)
    try:
        done = trigger(qtbot, channel, "format-disk")
        assert done.returncode == 2
        assert "unknown action 'format-disk'" in done.stderr and "describe-screen" in done.stderr
        assert heard == []
        # Raw messages the app does not know: answered with an error, and the app goes on.
        assert sent(qtbot, {"action": "format_disk"}, channel) == {"ok": False, "message": "unknown action 'format_disk'"}
        assert sent(qtbot, [1, 2], channel) == {"ok": False, "message": "the message was not understood"}
        assert sent(qtbot, {"action": "describe_screen"}, channel) == {"ok": True, "message": "ok"}
    finally:
        server.close()


def test_when_the_app_is_not_running_trigger_says_so_with_exit_code_3(qtbot, channel):
    done = trigger(qtbot, channel, "describe-screen")
    assert done.returncode == 3
    assert done.stderr.strip() == "error: BLIP Assistant is not running. Start it, or add --start."
    with pytest.raises(NotRunning):
        send({"action": "describe_screen"}, name=channel)


def test_a_crashed_instance_leaves_no_channel_in_the_way(qtbot, channel):
    Path(channel).touch()  # what a killed app leaves behind
    server, heard = serve(qtbot, channel)
    try:
        assert trigger(qtbot, channel, "describe-screen").returncode == 0
        assert heard == [{"action": "describe_screen"}]
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0 or not shutil.which("setpriv"),
                    reason="needs root, to run the other user's process as nobody")
def test_another_users_process_is_refused(qtbot, channel):
    folder = Path(channel).parent
    folder.chmod(0o755)  # the folder lets everyone in; the socket itself is the user's alone (UserAccessOption)
    server, heard = serve(qtbot, channel)
    try:
        assert Path(channel).stat().st_mode & 0o077 == 0
        done = trigger(qtbot, channel, "describe-screen", user=NOBODY)
        assert done.returncode == 2, done.stderr
        assert "belongs to another user" in done.stderr
        # Even with the socket opened to everyone, the app checks who is calling (SO_PEERCRED) and refuses.
        Path(channel).chmod(0o777)
        done = trigger(qtbot, channel, "describe-screen", user=NOBODY)
        assert done.returncode == 2, done.stderr
        assert "refused: this BLIP Assistant belongs to another user" in done.stderr
        assert heard == []
        assert trigger(qtbot, channel, "describe-screen").returncode == 0  # the user's own still work
        assert heard == [{"action": "describe_screen"}]
    finally:
        server.close()


def test_a_second_start_brings_the_first_up_with_its_image(channel, tiny_model_dirs, tmp_path):
    """The whole app twice: the second hands its image to the first and exits; one model only."""
    picture = tmp_path / "second.png"
    Image.new("RGB", (64, 48), "red").save(picture)
    env = {**os.environ, "BLIP_ASSISTANT_INSTANCE": channel, "QT_QPA_PLATFORM": "offscreen"}
    first = subprocess.Popen([sys.executable, "-m", "assistant", "--model", str(tiny_model_dirs["opt"]), "--log-level",
                              "info", "--speech", "silent", "--no-hotkeys"], env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        for line in first.stderr:
            lines.append(line)
            if "instance channel" in line:
                break
        else:
            raise AssertionError("the first app opened no channel:\n" + "".join(lines))
        second = subprocess.run([sys.executable, "-m", "assistant", str(picture), "--model", str(tiny_model_dirs["opt"])],
                                env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already running: its window was brought up with the image" in second.stderr
        assert "Model" not in second.stderr  # no second model was loaded
        for line in first.stderr:
            lines.append(line)
            if "caption answered" in line:
                break
        else:
            raise AssertionError("the first app did not describe the image:\n" + "".join(lines))
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(30)


def test_trigger_start_starts_the_app_when_it_is_not_running_then_acts(channel, tiny_model_dirs, tmp_path):
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({"model": {"model": str(tiny_model_dirs["opt"])}, "speech": {"output": "silent"},
                                  "hotkeys": {"enabled": False}}))
    env = {**os.environ, "BLIP_ASSISTANT_INSTANCE": channel, "QT_QPA_PLATFORM": "offscreen",
           "BLIP_ASSISTANT_CONFIG": str(config)}
    try:
        done = subprocess.run([sys.executable, "-m", "assistant", "trigger", "repeat", "--start"], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert send({"ping": True}, name=channel)["message"] == "running"  # the app it started is up
    finally:
        for pid in started_with(channel):
            os.kill(pid, 15)


def started_with(channel: str) -> list[int]:
    """The processes whose environment names ``channel`` (the app ``--start`` detached from the command)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"BLIP_ASSISTANT_INSTANCE={channel}".encode() in (entry / "environ").read_bytes() \
                    and b"assistant" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found
