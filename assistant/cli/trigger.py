"""``blip-assistant trigger ACTION``: tell the running app to do something, and exit at once.

This is what a desktop shortcut runs on Wayland (GNOME's and KDE's keyboard settings, sway's
``bindsym``), where no application can grab a key for itself; scripts and X11 users can use it too.
Exit codes: 0 done; 2 unknown action or refused; 3 the app is not running (``--start`` starts it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from assistant.cli.common import EXIT_BAD_INPUT, EXIT_NO_MODEL, EXIT_OK, fail
from assistant.core.channel import NotRunning, Refused, send_unix
from assistant.core.hotkeys.bindings import action_for, trigger_names
from assistant.i18n import _

START_WAIT_S = 60.0


def add_parser(sub) -> None:
    """The ``trigger`` subcommand."""
    t = sub.add_parser("trigger", help=_("tell the running app to describe the screen, a window, ... (for desktop shortcuts)"))
    t.add_argument("action", metavar="ACTION", help=_("one of: ") + ", ".join(trigger_names()))
    t.add_argument("--start", action="store_true", help=_("start the app first if it is not running"))
    t.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])


def run(args) -> int:
    """``blip-assistant trigger ACTION [--start]``."""
    action = action_for(args.action)
    if action is None:
        names = ", ".join(trigger_names())
        return fail(_("unknown action {action!r}; use one of: {names}").format(action=args.action, names=names), EXIT_BAD_INPUT)
    message = {"action": action}
    deadline = None  # set once the app was started here
    while True:  # after --start, the channel opens a moment after the window does (the model may still be loading)
        try:
            deliver(message)
            return EXIT_OK
        except Refused as err:
            return fail(_('BLIP Assistant refused it: {err}').format(err=err), EXIT_BAD_INPUT)
        except NotRunning:
            if not args.start:
                return fail(_("BLIP Assistant is not running. Start it, or add --start."), EXIT_NO_MODEL)
            if deadline is None:
                start_app()
                deadline = time.monotonic() + START_WAIT_S
            elif time.monotonic() > deadline:
                late = _("BLIP Assistant did not start in {seconds:.0f} seconds.").format(seconds=START_WAIT_S)
                return fail(late, EXIT_NO_MODEL)
            else:
                time.sleep(0.1)


def deliver(message: dict) -> dict:
    """``message`` to the running app: its plain Unix socket (no Qt to import), or Qt's named pipe on Windows."""
    if os.name == "posix":
        return send_unix(message)
    from assistant.qt.instance import send

    return send(message)


def start_app() -> None:
    """The desktop app, detached from this command (it outlives it)."""
    kwargs = {"start_new_session": True} if os.name == "posix" else {"creationflags": 0x00000008}  # DETACHED_PROCESS
    subprocess.Popen([sys.executable, "-m", "assistant"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, **kwargs)
