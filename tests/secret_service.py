"""A real freedesktop Secret Service for tests: a private D-Bus session bus and GNOME Keyring on it.

keyring (what the app stores the server's API key with) talks to it exactly as on a Linux desktop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def secret_service(folder: Path):
    """Yields the bus address; the caller points DBUS_SESSION_BUS_ADDRESS at it."""
    missing = [p for p in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(p) is None]
    if missing:
        if os.environ.get("BLIP_REQUIRE_REAL_DEVICES"):
            pytest.fail(f"{', '.join(missing)} missing: .ci/run installs dbus and gnome-keyring")
        pytest.skip(f"{', '.join(missing)} not installed")
    runtime, data = folder / "run", folder / "data"
    runtime.mkdir(mode=0o700)
    data.mkdir()
    bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--print-address=1", "--print-pid=1"],
                         capture_output=True, text=True, check=True, timeout=30)
    address, bus_pid = bus.stdout.split()[:2]
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": str(runtime),
           "XDG_DATA_HOME": str(data)}
    # --daemonize returns once the daemon serves the bus; it quits when that bus goes away.
    subprocess.run(["gnome-keyring-daemon", "--daemonize", "--unlock", "--components=secrets"],
                   input="test-password", env=env, text=True, capture_output=True, check=True, timeout=30)
    _wait_for_login_collection(address)
    try:
        yield address
    finally:
        os.kill(int(bus_pid), 15)


def _wait_for_login_collection(address: str, timeout: float = 30.0) -> None:
    """Until the unlocked "login" collection is on the bus.

    gnome-keyring serves the bus before it has made the collection from the password; a store
    in between asks to create one, and with nobody to answer the prompt it fails ("Prompt
    dismissed"). Seen when the machine is busy (the vLLM install runs beside these tests).
    Waits on the Secret Service's own CollectionCreated / CollectionChanged signals.
    """
    import time

    from jeepney import DBusAddress, MatchRule, MessageType, Properties
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    login = DBusAddress("/org/freedesktop/secrets/collection/login", bus_name="org.freedesktop.secrets",
                        interface="org.freedesktop.Secret.Collection")
    changes = MatchRule(type="signal", interface="org.freedesktop.Secret.Service", path="/org/freedesktop/secrets")
    deadline = time.monotonic() + timeout
    with open_dbus_connection(bus=address) as conn, conn.filter(changes) as signals:
        conn.send_and_get_reply(message_bus.AddMatch(changes), timeout=timeout)  # before looking: no signal is missed
        while True:
            reply = conn.send_and_get_reply(Properties(login).get("Locked"), timeout=timeout)
            if reply.header.message_type != MessageType.error and reply.body[0][1] is False:
                return
            try:
                conn.recv_until_filtered(signals, timeout=max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                pytest.fail(f"GNOME Keyring made no unlocked login collection in {timeout:.0f} s: {reply.body}")
