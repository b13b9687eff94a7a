"""Screen rectangles, shared by captures and the platform helpers that find windows."""

from __future__ import annotations

from dataclasses import dataclass


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
