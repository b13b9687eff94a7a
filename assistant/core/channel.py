"""The running app's channel, as a client sees it: its name, and a message sent over a plain Unix socket.

The app listens with Qt's QLocalServer (``qt/instance.py``); on Linux and macOS that is a Unix
stream socket, which a command reaches with the standard library alone: ``blip-assistant trigger``
then starts in a tenth of a second, without importing Qt. Windows' named pipe goes through Qt.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
import tempfile

from assistant.i18n import _


class NotRunning(Exception):
    """No instance answers on the channel."""


class Refused(Exception):
    """The channel exists but refused us (another user's, or an error answer)."""


def channel_name() -> str:
    """The user's channel: a socket path in ``$XDG_RUNTIME_DIR`` on Linux, else a per-user name.

    ``BLIP_ASSISTANT_INSTANCE`` names another one (two instances side by side, the tests).
    """
    chosen = os.environ.get("BLIP_ASSISTANT_INSTANCE")
    if chosen:
        return chosen
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if sys.platform.startswith("linux") and runtime and os.path.isdir(runtime):
        return os.path.join(runtime, "blip-assistant.socket")
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "user"
    return f"blip-assistant-{user}"  # Qt puts it in the user's temporary folder (macOS) or names a pipe (Windows)


def socket_path(name: str) -> str:
    """Where Qt's local server with ``name`` listens on Linux and macOS (a bare name lies in the temporary folder)."""
    return name if name.startswith("/") else os.path.join(tempfile.gettempdir(), name)


def send_unix(message: dict, name: str | None = None, timeout: float = 5.0) -> dict:
    """Send ``message`` to the running app over its Unix socket; its answer, or NotRunning / Refused."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(socket_path(name or channel_name()))
        except PermissionError:
            raise Refused(_("the running BLIP Assistant's channel belongs to another user")) from None
        except OSError as err:  # no such file, connection refused (a crashed instance's socket)
            raise NotRunning(str(err)) from None
        try:
            sock.sendall(json.dumps(message).encode() + b"\n")
            line = sock.makefile("rb").readline(64 * 1024)
        except OSError as err:
            raise Refused(_('the running BLIP Assistant did not answer ({err})').format(err=err)) from None
    try:
        answer = json.loads(line)
    except ValueError:
        raise Refused(_("the running BLIP Assistant did not answer") if not line else
                      _("its answer was not understood")) from None
    if not answer.get("ok"):
        raise Refused(answer.get("message") or _("it refused"))
    return answer
