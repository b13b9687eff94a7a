"""A small client for speech-dispatcher's SSIP protocol, over its Unix socket.

Orca speaks through speech-dispatcher, so a message sent here is heard in the voice the
user already listens to. Debian's ``python3-speechd`` is the official client, but it is
not on the package index and cannot be installed into a virtual environment; SSIP is a
plain line protocol (``SPEAK``, text, ``.``), so the few commands we need are written here.
See speech-dispatcher's "SSIP" manual for the commands and replies.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

from assistant.i18n import _

PRIORITIES = ("important", "message", "text", "notification", "progress")


class SSIPError(OSError):
    """speech-dispatcher is not reachable, or refused a command."""


def socket_path(environ=os.environ) -> Path:
    """Where speech-dispatcher listens: ``SPEECHD_ADDRESS`` if set, else its per-user default."""
    address = environ.get("SPEECHD_ADDRESS", "")
    if address.startswith("unix_socket:"):
        return Path(address.split(":", 1)[1])
    runtime = environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return Path(runtime) / "speech-dispatcher" / "speechd.sock"


def escape(text: str) -> str:
    """SSIP text block: CRLF lines, a line holding a lone "." doubled, control characters as spaces."""
    clean = "".join(c if c.isprintable() or c == "\n" else " " for c in text)
    lines = [("." + line if line.startswith(".") else line) for line in clean.replace("\r", "").split("\n")]
    return "\r\n".join(lines)


class SSIPClient:
    """One connection to speech-dispatcher. Thread-safe; reconnects once when the server restarted."""

    def __init__(self, client_name: str = "blip-assistant", path: Path | None = None, spawn: bool = False,
                 timeout: float = 3.0):
        self.client_name = client_name
        self.path = path
        self.spawn = spawn
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buffer = b""
        self._lock = threading.Lock()
        self._settings: list[str] = []

    # -- public ----------------------------------------------------------------------------
    def reachable(self) -> bool:
        """True when speech-dispatcher accepts connections (it is running for this user)."""
        return (self.path or socket_path()).exists()

    def configure(self, *commands: str) -> None:
        """``SET self ...`` commands, kept and replayed after a reconnect (rate, voice, language)."""
        self._settings = [c for c in commands if c]
        with self._lock:
            if self._sock is not None:
                for command in self._settings:
                    self._command(command)

    def speak(self, text: str, priority: str = "message", cancel_first: bool = True) -> int:
        """Queue ``text``; returns speech-dispatcher's message id. ``cancel_first`` stops our previous message."""
        if priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}")
        with self._lock:
            return self._retry(lambda: self._speak(text, priority, cancel_first))

    def cancel(self) -> None:
        with self._lock:
            if self._sock is not None:
                self._retry(lambda: self._command("CANCEL self"))

    def close(self) -> None:
        with self._lock:
            if self._sock is not None:
                try:
                    self._sock.sendall(b"QUIT\r\n")
                except OSError:
                    pass
                self._sock.close()
                self._sock = None

    # -- internals -------------------------------------------------------------------------
    def _retry(self, action):
        try:
            self._ensure()
            return action()
        except (OSError, SSIPError):
            self._drop()  # speech-dispatcher exits when idle and is respawned: try a fresh connection once
            self._ensure()
            return action()

    def _speak(self, text: str, priority: str, cancel_first: bool) -> int:
        if cancel_first:
            self._command("CANCEL self")
        self._command(f"SET self PRIORITY {priority}")
        self._command("SPEAK", expect="230")
        code, lines = self._command(escape(text) + "\r\n.", expect="225")
        return int(lines[0]) if lines and lines[0].isdigit() else 0

    def _ensure(self) -> None:
        if self._sock is not None:
            return
        path = self.path or socket_path()
        if not path.exists() and self.spawn:
            self._spawn(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(path))
        except OSError as err:
            sock.close()
            raise SSIPError(_('speech-dispatcher is not running ({n0})').format(n0=err.strerror or err)) from err
        self._sock, self._buffer = sock, b""
        user = os.environ.get("USER") or "user"
        self._command(f"SET self CLIENT_NAME {user}:{self.client_name}:main")
        for command in self._settings:
            self._command(command)

    def _spawn(self, path: Path) -> None:
        """Start speech-dispatcher as its own clients do (``--spawn`` exits at once if one runs)."""
        program = shutil.which("speech-dispatcher")
        if program is None:
            raise SSIPError(_("speech-dispatcher is not installed"))
        subprocess.run([program, "--spawn", "--communication-method", "unix_socket", "--socket-path", str(path)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10, check=False)
        deadline = time.monotonic() + 5
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)  # speech-dispatcher gives no other sign that its socket is ready

    def _drop(self) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None

    def _command(self, command: str, expect: str = "2") -> tuple[str, list[str]]:
        assert self._sock is not None
        self._sock.sendall(command.encode("utf-8") + b"\r\n")
        code, lines = self._reply()
        if not code.startswith(expect):
            raise SSIPError(_('speech-dispatcher refused {n0!r}: {code} {n1}').format(
                n0=command.split()[0], code=code, n1=' '.join(lines)))
        return code, lines

    def _reply(self) -> tuple[str, list[str]]:
        """Lines ``NNN-data`` then ``NNN text``: the code and the data lines."""
        data: list[str] = []
        while True:
            while b"\r\n" not in self._buffer:
                chunk = self._sock.recv(4096)
                if not chunk:
                    raise SSIPError(_("speech-dispatcher closed the connection"))
                self._buffer += chunk
            line, self._buffer = self._buffer.split(b"\r\n", 1)
            text = line.decode("utf-8", "replace")
            if len(text) >= 4 and text[3] == "-":
                data.append(text[4:])
            else:
                return text[:3], data
