"""Screen rectangles, shared by captures and the platform helpers that find windows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.i18n import N_, _


@dataclass(frozen=True)
class Rect:
    """A rectangle in pixels: left, top, width, height."""

    left: int
    top: int
    width: int
    height: int

    def contains(self, x: int, y: int) -> bool:
        return self.left <= x < self.left + self.width and self.top <= y < self.top + self.height

    def intersect(self, other: Rect) -> Rect | None:
        left, top = max(self.left, other.left), max(self.top, other.top)
        right = min(self.left + self.width, other.left + other.width)
        bottom = min(self.top + self.height, other.top + other.height)
        return Rect(left, top, right - left, bottom - top) if right > left and bottom > top else None

    def distance_to(self, x: int, y: int) -> int:
        dx = max(self.left - x, 0, x - (self.left + self.width - 1))
        dy = max(self.top - y, 0, y - (self.top + self.height - 1))
        return dx * dx + dy * dy


def neighbour(rect: Rect, others: Sequence[tuple[str, Rect]]) -> str:
    """"left of Save": the nearest other thing on the same row, else in the same column, if close; "" if none."""
    def overlap(a0, a1, b0, b1) -> int:
        return min(a1, b1) - max(a0, b0)

    best: tuple[int, str] | None = None
    for label, other in others:
        if not label or other == rect:
            continue
        if overlap(rect.top, rect.top + rect.height, other.top, other.top + other.height) > min(rect.height, other.height) / 2:
            gap = other.left - (rect.left + rect.width) if other.left >= rect.left else rect.left - (other.left + other.width)
            word = N_("left of {label}") if other.left > rect.left else N_("right of {label}")
        elif overlap(rect.left, rect.left + rect.width, other.left, other.left + other.width) > 0:
            gap = other.top - (rect.top + rect.height) if other.top >= rect.top else rect.top - (other.top + other.height)
            word = N_("above {label}") if other.top > rect.top else N_("below {label}")
        else:
            continue
        if gap > 3 * max(rect.height, other.height):
            continue  # far away: "above Cancel" from across the window would mislead
        if best is None or max(gap, 0) < best[0]:
            best = (max(gap, 0), _(word).format(label=label))
    return best[1] if best else ""
