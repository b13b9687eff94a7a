"""Real speech parts: espeak-ng through pyttsx3, aplay through ALSA, a PulseAudio null sink.

The PulseAudio server plays into a null sink in real time, as a sound card would, so
stopping mid-sentence can be observed; an ALSA "file" sink records what aplay played.
"""

from __future__ import annotations

import os
import select
import subprocess
from pathlib import Path

import pytest

from tests.xscreen.conftest import need, wait_for


@pytest.fixture(scope="session")
def espeak():
    need("espeak-ng", "aplay")
    from assistant.core.speech.tts_engine import TtsEngine

    try:
        TtsEngine.shared().voices()
    except Exception as err:  # libespeak-ng1 missing
        if os.environ.get("BLIP_REQUIRE_REAL_DEVICES") == "1":
            pytest.fail(f"pyttsx3 cannot start espeak-ng: {err}")
        pytest.skip(f"pyttsx3 cannot start espeak-ng: {err}")


@pytest.fixture
def alsa_file_sink(tmp_path, monkeypatch, espeak):
    """ALSA's default device writes what it is given to a file: a null sink we can read back."""
    home = tmp_path / "home"
    home.mkdir()
    played = tmp_path / "played.raw"
    # "| cat >>": append every playback, so all utterances can be counted afterwards.
    (home / ".asoundrc").write_text(f'pcm.!default {{ type file slave.pcm "null" file "| cat >> {played}" format "raw" }}\n')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no sound server here
    return played


@pytest.fixture
def no_audio_device(tmp_path, monkeypatch, espeak):
    """No sound card, no sound server: what a headless box or a broken setup looks like."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text('pcm.!default { type hw card 7 }\n')
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))


@pytest.fixture(scope="session")
def pulse_server(tmp_path_factory):
    """A PulseAudio daemon with a null sink; returns the env that routes aplay to it."""
    need("pulseaudio", "pactl")
    base = tmp_path_factory.mktemp("pulse")
    run = base / "run"
    run.mkdir(mode=0o700)
    env = {**os.environ, "HOME": str(base), "XDG_RUNTIME_DIR": str(run), "XDG_CONFIG_HOME": str(base / ".config")}
    # --daemonize=yes returns once the server accepts clients: no waiting loop needed.
    subprocess.run(["pulseaudio", "-n", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit",
                    "-L", "module-null-sink sink_name=blipnull", "-L", "module-native-protocol-unix",
                    "--log-level=error"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["pactl", "set-default-sink", "blipnull"], env=env, check=True)
    try:
        yield env
    finally:
        subprocess.run(["pulseaudio", "--kill"], env=env, capture_output=True)


class PulseEvents:
    """Wakes on every sound-server event (`pactl subscribe`: streams added or removed)."""

    def __init__(self, env):
        self.proc = subprocess.Popen(["pactl", "subscribe"], env=env, stdout=subprocess.PIPE, text=True)

    def __call__(self, seconds: float) -> None:
        if select.select([self.proc.stdout], [], [], seconds)[0]:
            self.proc.stdout.readline()

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def wait_for_pulse(env, condition, timeout: float, what: str):
    events = PulseEvents(env)
    try:
        return wait_for(condition, timeout, what, events)
    finally:
        events.close()


def sink_inputs(env) -> int:
    """How many streams are playing on the server right now."""
    out = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=env, capture_output=True, text=True)
    return len([line for line in out.stdout.splitlines() if line.strip()])


def has_pulse_alsa_plugin() -> bool:
    return any(Path(p).exists() for p in ("/usr/share/alsa/alsa.conf.d/pulse.conf", "/etc/alsa/conf.d/99-pulse.conf"))


