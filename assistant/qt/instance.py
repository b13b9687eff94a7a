"""One running app per user, and the channel that ``blip-assistant trigger`` and a second start talk through.

Qt's local socket is the channel: a Unix socket on Linux and macOS, a named pipe on Windows,
both made reachable by this user only (``UserAccessOption``). On Linux the socket lies in
``$XDG_RUNTIME_DIR`` (0700 by the XDG spec) and the server also checks each caller's uid
(``SO_PEERCRED``), so another user's process is refused even where the file's mode would let it in.

A message is one line of JSON: ``{"action": "describe_screen"}`` or ``{"show": true, "open": [paths]}``;
the answer is one line too: ``{"ok": true, "message": "..."}``.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import struct
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from assistant.core.channel import NotRunning, Refused, channel_name, send_unix
from assistant.i18n import _

__all__ = ["InstanceServer", "NotRunning", "Refused", "channel_name", "send"]

log = logging.getLogger(__name__)
MAX_MESSAGE = 64 * 1024


def send(message: dict, timeout_ms: int = 5000, name: str | None = None) -> dict:
    """Send ``message`` to the running app and return its answer; NotRunning or Refused otherwise."""
    if os.name == "posix":
        return send_unix(message, name, timeout_ms / 1000)
    sock = QLocalSocket()
    sock.connectToServer(name or channel_name())
    if not sock.waitForConnected(min(timeout_ms, 2000)):
        if sock.error() == QLocalSocket.LocalSocketError.SocketAccessError:
            raise Refused(_("the running BLIP Assistant's channel belongs to another user"))
        raise NotRunning(sock.errorString())
    sock.write((json.dumps(message) + "\n").encode())
    sock.flush()
    received = b""
    while b"\n" not in received:
        if sock.bytesAvailable():  # the answer may be in before we wait, and the app gone already
            received += bytes(sock.readAll().data())
        elif sock.state() != QLocalSocket.LocalSocketState.ConnectedState or not sock.waitForReadyRead(timeout_ms):
            if sock.bytesAvailable():
                received += bytes(sock.readAll().data())
            if b"\n" not in received:
                sock.abort()
                raise Refused(_("the running BLIP Assistant did not answer") if not received else _("its answer was cut short"))
    sock.disconnectFromServer()
    try:
        answer = json.loads(received.split(b"\n", 1)[0])
    except ValueError:
        raise Refused(_("its answer was not understood")) from None
    if not answer.get("ok"):
        raise Refused(answer.get("message") or _("it refused"))
    return answer


class InstanceServer(QObject):
    """Listens on the channel; ``handle(message) -> (ok, sentence)`` answers each request (GUI thread)."""

    def __init__(self, handle: Callable[[dict], tuple[bool, str]], name: str | None = None, parent=None):
        super().__init__(parent)
        self._handle = handle
        self.name = name or channel_name()
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[int, bytes] = {}  # a connection (its id) -> what it sent so far
        self._strangers: set[int] = set()  # connections from another user's process

    def listen(self) -> bool:
        """Take the channel: False when another instance answers on it. A dead instance's socket is cleared."""
        if self._server.listen(self.name):
            log.info("instance channel: %s", self._server.fullServerName())
            return True
        try:
            send({"ping": True}, timeout_ms=1000, name=self.name)
            return False
        except (NotRunning, Refused):
            QLocalServer.removeServer(self.name)  # left by an instance that crashed
        ok = self._server.listen(self.name)
        if ok:
            log.info("instance channel: %s (a stale one was removed)", self._server.fullServerName())
        else:
            log.warning("instance channel %s unavailable: %s", self.name, self._server.errorString())
        return ok

    def close(self) -> None:
        self._server.close()

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            key = id(sock)
            self._buffers[key] = b""
            if not _same_user(sock):  # answered once its request is in (an answer at once could be lost)
                self._strangers.add(key)
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(sock.deleteLater)
            sock.destroyed.connect(lambda _=None, k=key: (self._buffers.pop(k, None), self._strangers.discard(k)))
            if sock.bytesAvailable():
                self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        key = id(sock)
        if key not in self._buffers:
            return
        data = self._buffers[key] + bytes(sock.readAll().data())
        if b"\n" not in data:
            if len(data) > MAX_MESSAGE:
                del self._buffers[key]
                self._answer(sock, False, "the message is too long")
            else:
                self._buffers[key] = data
            return
        del self._buffers[key]
        if key in self._strangers:
            self._strangers.discard(key)
            log.warning("instance channel: a request from another user was refused")
            self._answer(sock, False, "refused: this BLIP Assistant belongs to another user")
            return
        try:
            message = json.loads(data.split(b"\n", 1)[0])
            if not isinstance(message, dict):
                raise ValueError(_("not an object"))
        except ValueError:
            self._answer(sock, False, "the message was not understood")
            return
        if message.get("ping"):
            self._answer(sock, True, "running")
            return
        try:
            ok, sentence = self._handle(message)
        except Exception as err:  # a bad request is answered, never a crash of the app
            log.exception("instance request %r failed", message)
            ok, sentence = False, f"it failed ({type(err).__name__})"
        self._answer(sock, ok, sentence)

    def _answer(self, sock: QLocalSocket, ok: bool, message: str) -> None:
        sock.write((json.dumps({"ok": ok, "message": message}) + "\n").encode())
        sock.flush()
        sock.disconnectFromServer()


def _same_user(sock: QLocalSocket) -> bool:
    """Linux: the caller's uid (SO_PEERCRED) is ours. Elsewhere the channel's own access rights decide."""
    if not sys.platform.startswith("linux"):
        return True
    try:
        with socket.socket(fileno=os.dup(int(sock.socketDescriptor()))) as peer:
            _pid, uid, _gid = struct.unpack("3i", peer.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                  struct.calcsize("3i")))
    except OSError as err:
        log.warning("instance channel: the caller's user is unknown (%s)", err)
        return False
    return uid == os.getuid()
