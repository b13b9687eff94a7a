"""sway's windows, from its IPC (``swaymsg -t get_tree``): where each is, which has the focus.

sway, unlike GNOME and KDE, tells any client where the windows are: so on sway the active window
can be cut out of a portal screenshot, and our own window blacked out of it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess

from assistant.core.geometry import Rect

log = logging.getLogger(__name__)


def sway_tree() -> dict | None:
    """Sway's window tree (``swaymsg -t get_tree``); None where sway does not answer."""
    swaymsg = shutil.which("swaymsg")
    if not swaymsg or not os.environ.get("SWAYSOCK"):
        return None
    try:
        return json.loads(subprocess.run([swaymsg, "-t", "get_tree", "-r"], capture_output=True, text=True,
                                         timeout=3, check=True).stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as err:
        log.info("sway's window tree unknown: %s", err)
        return None


def sway_windows(tree: dict | None) -> list[tuple[dict, Rect]]:
    """Every visible window in ``tree`` with its rectangle in screen pixels (each output's scale applied)."""
    found: list[tuple[dict, Rect]] = []

    def walk(node: dict, scale: float) -> None:
        if node.get("type") == "output":
            scale = float(node.get("scale") or 1.0)
        if node.get("pid") and node.get("visible", True):
            r = node["rect"]
            found.append((node, Rect(round(r["x"] * scale), round(r["y"] * scale), round(r["width"] * scale),
                                     round(r["height"] * scale))))
        for child in node.get("nodes", []) + node.get("floating_nodes", []):
            walk(child, scale)

    if tree:
        walk(tree, 1.0)
    return found


def sway_focused_window() -> tuple[Rect, str] | None:
    """(rectangle in screen pixels, title) of sway's focused window; None where there is none or sway does not say."""
    for node, rect in sway_windows(sway_tree()):
        if node.get("focused"):
            return rect, node.get("name") or node.get("app_id") or ""
    return None


def sway_windows_of(pid: int) -> list[Rect]:
    """Where the windows of process ``pid`` are on screen (sway)."""
    return [rect for node, rect in sway_windows(sway_tree()) if node.get("pid") == pid]
