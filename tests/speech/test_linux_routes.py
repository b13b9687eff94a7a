"""The Linux routes against real services: speech-dispatcher itself, and a D-Bus session bus.

Orca's D-Bus remote control (``org.gnome.Orca.Service``) exists only from Orca 48; Debian 12
ships Orca 43, so a stand-in service with the same name, path and method answers on a
real private bus here. speech-dispatcher is the real one, and what it received is read
from its own log.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from assistant.core.speech import SilentSpeaker
from assistant.core.speech.linux_routes import ORCA_BUS_NAME, ORCA_PATH, OrcaService, SpeechDispatcher
from assistant.core.speech.screen_reader import ScreenReaderSpeaker
from assistant.core.speech.ssip import SSIPClient
from tests.processes import stop
from tests.xscreen.conftest import need
from tests.xscreen.orca import normalise, private_speechd_config, spoken_in, wait_for_log


def _wait(condition, timeout, what, logdir):
    """Re-checked whenever speech-dispatcher writes to its log (it logs its start and every message)."""
    wait_for_log(logdir, condition, timeout, what)


@pytest.fixture
def speechd(tmp_path):
    need("speech-dispatcher")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "XDG_RUNTIME_DIR": str(tmp_path)}
    logdir = tmp_path / "log"
    private_speechd_config(env, logdir)
    sock = tmp_path / "speechd.sock"
    proc = subprocess.Popen(["speech-dispatcher", "-s", "-t", "0", "-c", "unix_socket", "-S", str(sock)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(sock.exists, 20, "speech-dispatcher's socket", logdir)
    yield sock, logdir, proc
    stop(proc)


def heard(logdir: Path, text: str, timeout: float = 10) -> None:
    _wait(lambda: any(normalise(text) in normalise(s) for s in spoken_in(logdir)), timeout, f"{text!r} in the log", logdir)


def test_messages_reach_speech_dispatcher_and_a_newer_one_cancels_ours(speechd):
    sock, logdir, _ = speechd
    client = SSIPClient(path=sock)
    assert client.reachable()
    client.speak("A dog in a park.")
    heard(logdir, "A dog in a park")
    client.speak("A long sentence that goes on and on. " * 20, cancel_first=False)
    client.speak("The newest message.")  # cancels the long one
    heard(logdir, "The newest message")
    client.close()


def test_a_restarted_speech_dispatcher_is_reconnected(speechd, tmp_path):
    sock, logdir, proc = speechd
    client = SSIPClient(path=sock)
    client.speak("Before.")
    heard(logdir, "Before")
    stop(proc)
    sock.unlink(missing_ok=True)  # speech-dispatcher leaves its socket file behind
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "home" / ".config")}
    again = subprocess.Popen(["speech-dispatcher", "-s", "-t", "0", "-c", "unix_socket", "-S", str(sock)], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(sock.exists, 20, "speech-dispatcher's socket", logdir)
        client.speak("After the restart.")
        heard(logdir, "After the restart")
    finally:
        again.terminate()
        again.wait(10)


def test_speech_dispatcher_gone_falls_back_to_our_voice_and_says_why(tmp_path):
    (tmp_path / "proc" / "7").mkdir(parents=True)
    (tmp_path / "proc" / "7" / "comm").write_text("orca\n")  # "Orca runs", but nothing listens on the socket
    route = SpeechDispatcher(SSIPClient(path=tmp_path / "nothing.sock"), proc=tmp_path / "proc")
    voice, problems = SilentSpeaker(), []
    ScreenReaderSpeaker([route], voice, on_problem=problems.append).say("Still heard.")
    assert voice.said[0] == "Still heard." and "speech-dispatcher" in problems[0]


# -- Orca's D-Bus service (Orca 48+), answered by a stand-in on a real private session bus --
@pytest.fixture
def session_bus():
    need("dbus-daemon")
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = bus.stdout.readline().strip()
    yield address
    bus.terminate()
    bus.wait(10)


class StandInOrca(threading.Thread):
    """Owns org.gnome.Orca.Service and answers PresentMessage(s) -> b as Orca 49 does; records what it got."""

    def __init__(self, address: str):
        super().__init__(daemon=True)
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.conn = open_dbus_connection(bus=address)
        self.conn.send_and_get_reply(message_bus.RequestName(ORCA_BUS_NAME))
        self.messages: list[str] = []
        self.interrupted = 0

    def run(self):
        from jeepney import MessageType, new_method_return

        while True:
            try:
                msg = self.conn.receive()
            except (OSError, ConnectionError):
                return
            if msg.header.message_type != MessageType.method_call:
                continue
            member = msg.header.fields.get(3)  # HeaderFields.member
            path = msg.header.fields.get(1)
            if member == "PresentMessage" and path == ORCA_PATH:
                self.messages.append(msg.body[0])
                self.conn.send(new_method_return(msg, "b", (True,)))
            elif member == "ExecuteCommand":
                self.interrupted += 1
                self.conn.send(new_method_return(msg, "b", (True,)))


def test_orcas_dbus_service_is_preferred_and_presents_the_message(session_bus, monkeypatch):
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", session_bus)
    route = OrcaService()
    assert not route.available()  # no Orca 48+ on the bus yet
    orca = StandInOrca(session_bus)
    orca.start()
    route.forget()
    assert route.available()
    voice = SilentSpeaker()
    ScreenReaderSpeaker([route, SpeechDispatcher(proc=Path("/nonexistent"))], voice).say("A red button says OK.")
    assert orca.messages == ["A red button says OK."] and orca.interrupted == 1 and voice.said == []


def test_no_session_bus_means_the_orca_route_is_simply_absent(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    assert OrcaService().available() is False  # and nothing raised
