"""Play a WAV file so that it can be silenced at once: a killable subprocess, or winsound."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import wave
from pathlib import Path
from typing import Protocol

from assistant.i18n import _


class Player(Protocol):
    """Plays a WAV file, stoppable."""

    def play(self, path: Path) -> str | None:
        """Play ``path`` to the end or until ``stop``; returns None, or why no sound can be played."""

    def stop(self) -> None: ...


class ProcessPlayer:
    """aplay (Linux: ALSA, and PulseAudio/PipeWire through it) or afplay (macOS)."""

    def __init__(self, command: list[str]):
        self.command = command
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._stopped = False

    def play(self, path: Path) -> str | None:
        with self._lock:
            self._stopped = False
            try:
                self._proc = subprocess.Popen([*self.command, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except OSError as err:
                return _('{n0} cannot run ({strerror}).').format(n0=self.command[0], strerror=err.strerror)
            proc = self._proc
        _out, err = proc.communicate()
        with self._lock:
            self._proc = None
            if proc.returncode != 0 and not self._stopped:
                lines = [line for line in err.decode(errors="replace").splitlines() if line.strip()]
                detail = lines[-1].strip() if lines else _('exit code {returncode}').format(returncode=proc.returncode)
                return _('no audio output device could be opened ({n0}).').format(n0=detail[:120])
        return None

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()  # immediate: the sound stops with the process


class WinsoundPlayer:
    """Windows: asynchronous PlaySound, purged on stop."""

    def __init__(self):
        self._stop = threading.Event()

    def play(self, path: Path) -> str | None:
        import winsound

        with wave.open(str(path)) as w:
            seconds = w.getnframes() / w.getframerate()
        self._stop.clear()
        try:
            winsound.PlaySound(str(path), winsound.SND_FILENAME | winsound.SND_ASYNC | winsound.SND_NODEFAULT)
        except RuntimeError as err:
            return _('no audio output device could be opened ({err}).').format(err=err)
        self._stop.wait(seconds + 0.05)
        return None

    def stop(self) -> None:
        import winsound

        winsound.PlaySound(None, winsound.SND_PURGE)
        self._stop.set()


class MissingPlayer:
    """No way to play sound here: says why at each try."""

    def __init__(self, reason: str):
        self.reason = reason

    def play(self, path: Path) -> str | None:
        return self.reason

    def stop(self) -> None:
        pass


def default_player() -> Player:
    """The way to play sound on this system, or one that says why there is none."""
    if sys.platform == "win32":
        return WinsoundPlayer()
    if sys.platform == "darwin":
        return ProcessPlayer(["afplay"])
    if shutil.which("aplay"):
        return ProcessPlayer(["aplay", "-q"])
    return MissingPlayer(_("there is no audio player (install alsa-utils for aplay)."))
