"""Calls to xdg-desktop-portal over the session bus (jeepney): a method whose answer comes as a Request's Response.

Portal methods return a request handle at once; the result follows as the ``Response`` signal
on ``/org/freedesktop/portal/desktop/request/SENDER/TOKEN``. We subscribe to that path before
calling (the signal may come before the method's reply), then wait for it.
"""

from __future__ import annotations

import secrets

from assistant.i18n import _

PORTAL_NAME = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
MISSING = ("org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.UnknownMethod",
           "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.UnknownObject",
           "org.freedesktop.DBus.Error.NameHasNoOwner")


class PortalError(Exception):
    """The portal could not be asked: ``missing`` when it (or the interface) is not there, ``timed_out`` when slow."""

    def __init__(self, message: str, missing: bool = False, timed_out: bool = False):
        super().__init__(message)
        self.missing, self.timed_out = missing, timed_out


def connect():
    """A blocking connection to the session bus; PortalError when there is none."""
    from jeepney.io.blocking import open_dbus_connection

    try:
        return open_dbus_connection(bus="SESSION")
    except Exception as err:  # no DBUS_SESSION_BUS_ADDRESS, a dead bus, jeepney missing
        raise PortalError(_('the session bus cannot be reached ({n0})').format(
            n0=str(err).splitlines()[0] if str(err) else type(err).__name__),
                          missing=True) from None


def address(interface: str, path: str = PORTAL_PATH):
    """The portal object's address for ``interface``."""
    from jeepney import DBusAddress

    return DBusAddress(path, bus_name=PORTAL_NAME, interface=interface)


def call(conn, interface: str, method: str, signature: str, body: tuple, timeout: float = 5.0, path: str = PORTAL_PATH):
    """A plain method call; its reply's body. PortalError (``missing``) for an unknown service or method."""
    from jeepney import new_method_call

    try:
        reply = conn.send_and_get_reply(new_method_call(address(interface, path), method, signature, body),
                                        timeout=timeout)
    except TimeoutError:
        raise PortalError(_('the desktop portal did not answer {method} in {timeout:.0f} s').format(
            method=method, timeout=timeout), timed_out=True) from None
    return _body(reply, method)


def _body(reply, method: str):
    from jeepney.low_level import HeaderFields, MessageType

    if reply.header.message_type == MessageType.error:
        name = reply.header.fields.get(HeaderFields.error_name, "")
        detail = reply.body[0] if reply.body else name
        raise PortalError(f"{method}: {detail}", missing=name in MISSING)
    return reply.body


def version(conn, interface: str) -> int:
    """The interface's ``version`` property; 0 when the portal lacks the interface."""
    try:
        body = call(conn, "org.freedesktop.DBus.Properties", "Get", "ss", (interface, "version"))
    except PortalError:
        return 0
    return int(body[0][1])


def request(conn, interface: str, method: str, signature: str, body_before_options: tuple, options: dict,
            timeout: float) -> tuple[int, dict]:
    """Call a portal method that answers through a Request; (response code, results with plain values).

    Codes: 0 success, 1 cancelled by the user, 2 refused or failed. The ``handle_token`` is added to ``options``.
    We listen before calling, on the path the spec predicts, and accept the handle the portal returns
    if it differs (older portals).
    """
    import time

    from jeepney import MatchRule
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import Proxy
    from jeepney.low_level import HeaderFields

    token = "blip_" + secrets.token_hex(6)
    sender = conn.unique_name.lstrip(":").replace(".", "_")
    predicted = f"{PORTAL_PATH}/request/{sender}/{token}"
    rule = MatchRule(type="signal", interface="org.freedesktop.portal.Request", member="Response")
    Proxy(message_bus, conn).AddMatch(rule)
    deadline = time.monotonic() + timeout
    try:
        with conn.filter(rule, bufsize=64) as queue:
            (handle,) = call(conn, interface, method, signature,
                             (*body_before_options, {**options, "handle_token": ("s", token)}), timeout=timeout)
            while True:
                try:
                    signal = conn.recv_until_filtered(queue, timeout=max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    raise PortalError(_('the desktop portal did not answer in {timeout:.0f} s').format(
                        timeout=timeout), timed_out=True) from None
                if signal.header.fields.get(HeaderFields.path) in (handle, predicted):
                    break
    finally:
        try:
            Proxy(message_bus, conn).RemoveMatch(rule)
        except Exception:  # the connection is closing anyway
            pass
    code, results = signal.body
    return code, plain(results)


def plain(value):
    """Portal results (``a{sv}`` dictionaries, whose values are ``(signature, value)`` variants) as plain values."""
    if isinstance(value, dict):
        return {key: plain(_unwrap(item)) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(item) for item in value)
    return value


def _unwrap(variant):
    return variant[1] if isinstance(variant, tuple) and len(variant) == 2 and isinstance(variant[0], str) else variant
