"""Which desktop we run on, and so which screenshot and global-key back-ends work there.

An X11 key grab sees only keys typed into X11 windows on a Wayland desktop, and an X11
screenshot sees only X11 windows; so on Wayland screenshots go through the desktop portal
and keys through the GlobalShortcuts portal or the desktop's own shortcuts (``blip-assistant trigger``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.i18n import N_, _


@dataclass(frozen=True)
class Desktop:
    """The session: ``kind`` is "x11", "wayland", "windows", "macos" or "none" (no screen)."""

    kind: str
    name: str = ""  # XDG_CURRENT_DESKTOP's first entry, lower case: "gnome", "kde", "sway", "hyprland"

    @property
    def wayland(self) -> bool:
        return self.kind == "wayland"

    @property
    def sway(self) -> bool:
        return self.name in ("sway", "swayfx")

    @property
    def capture(self) -> str:
        """The screenshot back-end: "portal" on Wayland, else "mss"."""
        return "portal" if self.wayland else "mss"

    def summary(self, keys: str) -> str:
        """Said at start on Wayland, where the back-ends differ: "Screenshots: desktop portal. Global keys: …"."""
        shots = N_("desktop portal") if self.wayland else N_("the X server") if self.kind == "x11" else N_("the system")
        return _("Screenshots: {shots}. Global keys: {keys}.").format(shots=_(shots), keys=keys)


def detect(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Desktop:
    """The desktop session from the environment (``XDG_SESSION_TYPE``, ``WAYLAND_DISPLAY``, ``XDG_CURRENT_DESKTOP``)."""
    env = os.environ if environ is None else environ
    platform = platform or sys.platform
    if platform == "win32":
        return Desktop("windows")
    if platform == "darwin":
        return Desktop("macos")
    name = env.get("XDG_CURRENT_DESKTOP", "").split(":")[0].strip().lower()
    session = env.get("XDG_SESSION_TYPE", "").lower()
    if env.get("WAYLAND_DISPLAY") or (session == "wayland" and not env.get("DISPLAY")):
        return Desktop("wayland", name)
    if env.get("DISPLAY"):
        return Desktop("x11", name)
    return Desktop("none", name)
