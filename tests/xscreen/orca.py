"""The real Orca screen reader and speech-dispatcher, on a private D-Bus session, for tests and benchmarks.

What Orca and speech-dispatcher actually spoke is read back from their own logs: Orca's
debug file ("SPEECH OUTPUT: '...'") and speech-dispatcher's log at level 5, where each
message that reaches it, from Orca or from anyone else, appears as
"'symbols.dic' translated 'TEXT' to ...". Audio goes to a null ALSA sink.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

PROGRAMS = ("orca", "speech-dispatcher", "dbus-daemon", "/usr/libexec/at-spi-bus-launcher", "gdbus", "gsettings")
SPEECHD_CONF = """\
AudioOutputMethod "alsa"
LogLevel 5
LogDir "{logdir}"
DefaultVolume 100
DefaultModule espeak-ng
AddModule "espeak-ng" "sd_espeak-ng" "espeak-ng.conf"
SymbolsPreproc "char"
SymbolsPreprocFile "symbols.dic"
SymbolsPreprocFile "orca.dic"
"""
_SPEECHD_SAID = re.compile(r"'symbols\.dic' translated '(.*?)' to ", re.S)
_SPEECHD_SAID_AT = re.compile(r"^\[(\w{3} \w{3} +\d+ [\d:]+ \d{4}) : (\d+)\] speechd:\s+'symbols\.dic' translated '(.*?)' to ",
                              re.M | re.S)  # a message may span lines
_ORCA_SAID = re.compile(r"SPEECH OUTPUT: '(.*?)'")


def private_speechd_config(env: dict, logdir: Path) -> None:
    """speech-dispatcher for this ``env`` only: logs every message at level 5, plays to a null ALSA sink."""
    logdir.mkdir(parents=True, exist_ok=True)
    (Path(env["HOME"]) / ".asoundrc").write_text("pcm.!default { type null }\nctl.!default { type hw card 0 }\n")
    conf_dir = Path(env["XDG_CONFIG_HOME"]) / "speech-dispatcher"
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / "speechd.conf").write_text(SPEECHD_CONF.format(logdir=logdir))


def spoken_in(logdir: Path) -> list[str]:
    """Every text that reached speech-dispatcher, in order, from its own log."""
    said: list[str] = []
    for log in sorted(logdir.glob("speech-dispatcher*.log")):
        said += _SPEECHD_SAID.findall(log.read_text(errors="replace"))
    return said


def spoken_with_times(logdir: Path) -> list[tuple[float, str]]:
    """(wall-clock time, text) of every message speech-dispatcher began to synthesise, from its log."""
    said = []
    for log in sorted(logdir.glob("speech-dispatcher*.log")):
        for stamp, micro, text in _SPEECHD_SAID_AT.findall(log.read_text(errors="replace")):
            said.append((time.mktime(time.strptime(stamp, "%a %b %d %H:%M:%S %Y")) + int(micro) / 1e6, text))
    return said


class LogEvents:
    """Wakes when speech-dispatcher's log grows (``tail -F`` follows it, even before it exists),
    so waits follow what was written instead of a fixed sleep."""

    def __init__(self, logdir: Path):
        self.proc = subprocess.Popen(["tail", "-n", "0", "-F", str(logdir / "speech-dispatcher.log")],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def __call__(self, seconds: float) -> None:
        if select.select([self.proc.stdout], [], [], seconds)[0]:
            self.proc.stdout.read()  # drain: the condition re-reads the log itself

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def wait_for_log(logdir: Path, condition, timeout: float, what: str):
    """``condition()``'s first truthy value, re-checked whenever speech-dispatcher writes to its log."""
    from tests.xscreen.conftest import wait_for

    events = LogEvents(logdir)
    try:
        return wait_for(condition, timeout, what, events)
    finally:
        events.close()


def missing_programs() -> list[str]:
    return [p for p in PROGRAMS if not shutil.which(p) and not Path(p).exists()]


def normalise(text: str) -> str:
    """Compare as the ear would: letters and digits, lower case, single spaces."""
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


class OrcaDesktop:
    """Orca 43 + speech-dispatcher + the AT-SPI bus on the X display in ``env``; a context manager."""

    def __init__(self, env: dict, workdir: Path):
        self.workdir = workdir
        self.logdir = workdir / "speechd-log"
        self.orca_log = workdir / "orca-debug.log"
        self.procs: list[subprocess.Popen] = []
        self.env = dict(env)
        self.speechd_pid: int | None = None

    # -- set up ------------------------------------------------------------------------
    def __enter__(self) -> OrcaDesktop:
        private_speechd_config(self.env, self.logdir)
        runtime = Path(self.env["XDG_RUNTIME_DIR"])
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._start_bus()
        self._start_atspi()
        subprocess.run(["gsettings", "set", "org.gnome.desktop.a11y.applications", "screen-reader-enabled", "true"],
                       env=self.env, check=False, capture_output=True)
        self.env["QT_LINUX_ACCESSIBILITY_ALWAYS_ON"] = "1"
        self.env["QT_ACCESSIBILITY"] = "1"
        self.env.pop("SPEECHD_ADDRESS", None)
        orca = subprocess.Popen(["orca", "--replace", "--disable=braille", "--disable=braille-monitor",
                                 f"--debug-file={self.orca_log}"], env=self.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(orca)
        # Orca greets the user once it is up and speaking through speech-dispatcher.
        self.wait_spoken(lambda said: bool(said), 60, "Orca's first words through speech-dispatcher")
        self.speechd_pid = self._speechd_pid()
        return self

    def _start_bus(self) -> None:
        bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=self.env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs.append(bus)
        self.env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()

    def _start_atspi(self) -> None:
        launcher = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"], env=self.env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(launcher)
        subprocess.run(["gdbus", "wait", "--session", "--timeout", "20", "org.a11y.Bus"], env=self.env, check=True)

    def _speechd_pid(self) -> int | None:
        pid_dir = Path(self.env["XDG_RUNTIME_DIR"]) / "speech-dispatcher" / "pid"
        for pid_file in pid_dir.glob("*.pid") if pid_dir.exists() else []:
            try:
                return int(pid_file.read_text().strip())
            except ValueError:
                continue
        return None

    def __exit__(self, *exc) -> None:
        pid = self.speechd_pid or self._speechd_pid()
        for proc in reversed(self.procs):
            proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    # -- what was heard -----------------------------------------------------------------
    def spoken(self) -> list[str]:
        """Every text that reached speech-dispatcher, in order (from Orca or from the app)."""
        return spoken_in(self.logdir)

    def orca_said(self) -> list[str]:
        """What Orca itself decided to speak (its own reading of the screen)."""
        if not self.orca_log.exists():
            return []
        return _ORCA_SAID.findall(self.orca_log.read_text(errors="replace"))

    def log_size(self) -> int:
        """Where speech-dispatcher's log ends now: ``log_since`` reads what it wrote after."""
        log = self.logdir / "speech-dispatcher.log"
        return log.stat().st_size if log.exists() else 0

    def log_since(self, offset: int) -> str:
        with open(self.logdir / "speech-dispatcher.log", "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace")

    def mark(self) -> int:
        """A position in what was spoken: ``spoken_since(mark)`` returns only what came after."""
        return len(self.spoken())

    def spoken_since(self, mark: int) -> list[str]:
        return self.spoken()[mark:]

    def wait_spoken(self, condition, timeout: float, what: str, since: int = 0):
        """Wait until ``condition(spoken texts since mark)`` is truthy, re-checked each time the log grows."""
        try:
            return wait_for_log(self.logdir, lambda: condition(self.spoken()[since:]), timeout, what)
        except AssertionError as err:
            raise AssertionError(f"{err}; spoken: {self.spoken()[since:][-15:]}") from None

    def settle(self, quiet: float = 0.3, timeout: float = 5) -> None:
        """Wait until nothing new has reached speech-dispatcher for ``quiet`` seconds (the log stays still)."""
        events = LogEvents(self.logdir)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if not select.select([events.proc.stdout], [], [], quiet)[0]:
                    return
                events.proc.stdout.read()
        finally:
            events.close()

    def wait_heard(self, text: str, timeout: float, since: int = 0) -> str:
        """Wait until a spoken message contains ``text`` (compared as words); returns that message."""
        want = normalise(text)
        return self.wait_spoken(lambda said: next((s for s in said if want in normalise(s)), None), timeout,
                                f"{text!r} to be spoken", since)
