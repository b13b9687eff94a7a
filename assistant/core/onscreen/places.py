"""Where a thing is relative to what holds it: "at the bottom right of the Export dialog, left of Save".

A third of the whole screen says little; the window or dialog holding a control, and the
control beside it, say where it is the way a sighted colleague would. The container comes
from the accessibility tree (the nearest named dialog, frame or group) or, for text found
in a capture, from the captured window; the neighbour is the nearest named thing on the
same row (else the same column).
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.core.access.element import ROLE_WORDS, Element
from assistant.core.geometry import Rect, neighbour
from assistant.core.text.layout import position

CONTAINER_WORDS = {"frame": "window", "window": "window", "dialog": "dialog", "alert": "alert", "file chooser":
                   "file dialog", "panel": "panel", "group": "group", "tool bar": "toolbar", "page tab": "tab",
                   "menu bar": "menu bar", "form": "form"}


def place_in(rect: Rect, container: Rect) -> str:
    """"top left", "centre", "bottom"… of ``rect`` within ``container``."""
    relative = Rect(rect.left - container.left, rect.top - container.top, rect.width, rect.height)
    return position(relative, container.width, container.height)


def container_of(element: Element) -> tuple[str, Rect] | None:
    """("the Export Spreadsheet dialog", its rectangle): the nearest named container, else the window."""
    for ancestor in element.ancestors:
        word = CONTAINER_WORDS.get(ancestor.role)
        if word and ancestor.rect is not None and ancestor.name.strip():
            return f"the {ancestor.name.strip()} {word}", ancestor.rect
    window = element.window
    if window is not None and window.rect is not None:
        return f"the {CONTAINER_WORDS.get(window.role, 'window')}", window.rect
    return None


def placement(rect: Rect, container: tuple[str, Rect] | None, others: Sequence[tuple[str, Rect]] = ()) -> str:
    """"at the bottom right of the Export dialog, left of Save" (each part only where it is known)."""
    parts = []
    if container is not None:
        parts.append(f"at the {place_in(rect, container[1])} of {container[0]}")
    beside = neighbour(rect, others)
    if beside:
        parts.append(beside)
    return ", ".join(parts)


def element_placement(element: Element, others: Sequence[Element] = ()) -> str:
    """Where ``element`` is: within its container, beside the nearest named control."""
    if element.rect is None:
        return ""
    labelled = [(o.name.strip() or ROLE_WORDS.get(o.role, o.role), o.rect) for o in others if o.rect is not None]
    return placement(element.rect, container_of(element), labelled)
