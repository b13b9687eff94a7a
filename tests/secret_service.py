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
    with private_bus(folder) as address:
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "XDG_RUNTIME_DIR": str(runtime),
               "XDG_DATA_HOME": str(data)}
        # --daemonize returns once the daemon serves the bus; it quits when that bus goes away.
        subprocess.run(["gnome-keyring-daemon", "--daemonize", "--unlock", "--components=secrets"],
                       input="test-password", env=env, text=True, capture_output=True, check=True, timeout=30)
        _wait_for_login_collection(address)
        yield address


@contextmanager
def private_bus(folder: Path):
    """A D-Bus session bus of the test's own, which starts nothing on demand; yields its address.

    The stock session bus would activate services by itself: a second, locked gnome-keyring
    (org.freedesktop.secrets.service) if anyone asked before ours owned the name, which has no
    login collection (seen on a fresh CI machine); or the real desktop portal beside a mock one.
    """
    config = folder / "bus.conf"
    config.write_text(_BUS_CONFIG.format(folder=folder))
    bus = subprocess.run(["dbus-daemon", f"--config-file={config}", "--fork", "--print-address=1",
                          "--print-pid=1"], capture_output=True, text=True, check=True, timeout=30)
    address, bus_pid = bus.stdout.split()[:2]
    try:
        yield address
    finally:
        os.kill(int(bus_pid), 15)


_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={folder}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _wait_for_login_collection(address: str, timeout: float = 30.0) -> None:
    """Until our gnome-keyring owns the name and its unlocked "login" collection is on the bus.

    gnome-keyring serves the bus before it has made the collection from the password; a store
    in between asks to create one, and with nobody to answer the prompt it fails ("Prompt
    dismissed"). Seen when the machine is busy (the vLLM install runs beside these tests).
    Waits on the bus's NameOwnerChanged and the Secret Service's CollectionCreated /
    CollectionChanged signals.
    """
    import time

    from jeepney import DBusAddress, MatchRule, MessageType, Properties
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    login = DBusAddress("/org/freedesktop/secrets/collection/login", bus_name="org.freedesktop.secrets",
                        interface="org.freedesktop.Secret.Collection")
    changes = MatchRule(type="signal", interface="org.freedesktop.Secret.Service", path="/org/freedesktop/secrets")
    owner = MatchRule(type="signal", interface="org.freedesktop.DBus", member="NameOwnerChanged")
    owner.add_arg_condition(0, "org.freedesktop.secrets")
    deadline = time.monotonic() + timeout
    with open_dbus_connection(bus=address) as conn, conn.filter(changes) as signals, conn.filter(owner) as named:
        for rule in (changes, owner):  # before looking: no signal is missed
            conn.send_and_get_reply(message_bus.AddMatch(rule), timeout=timeout)
        while True:
            reply = conn.send_and_get_reply(Properties(login).get("Locked"), timeout=timeout)
            if reply.header.message_type != MessageType.error and reply.body[0][1] is False:
                return
            try:
                while not signals and not named:
                    conn.recv_messages(timeout=max(0.0, deadline - time.monotonic()))
                signals.clear()
                named.clear()
            except TimeoutError:
                pytest.fail(f"GNOME Keyring made no unlocked login collection in {timeout:.0f} s: {reply.body}")
