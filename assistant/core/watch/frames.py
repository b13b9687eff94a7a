"""Which parts of a frame changed, found cheaply before any OCR.

A frame is shrunk to a quarter in each direction (about 2 ms for a 1080p window), then
compared with the last one as a grid of tiles: a tile changed when any of its pixels moved
by more than a few levels in any colour (not in grey: a red dot replacing a green one of
the same brightness is a change). Changed tiles that touch are merged
into boxes; the text reader then reads only horizontal bands across those boxes (a
text line's changed digit is read with the rest of its line).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from assistant.core.geometry import Rect

SCALE = 4  # frames are compared at a quarter of their size
TILE = 8  # in shrunk pixels: a 32 px square of the screen
LEVEL = 24  # a colour level moving by more than this is a change (not noise or anti-aliasing)


@dataclass(frozen=True)
class Frame:
    """A frame's shrunk pixels, kept to compare the next one with (the image itself is not kept)."""

    pixels: np.ndarray  # uint8, (height / SCALE, width / SCALE, 3)
    size: tuple[int, int]  # the full frame's width and height

    @classmethod
    def of(cls, image: Image.Image) -> Frame:
        small = image.reduce(SCALE) if min(image.size) >= 2 * SCALE else image
        return cls(np.asarray(small if small.mode == "RGB" else small.convert("RGB"), dtype=np.uint8), image.size)


def changed_boxes(old: Frame | None, new: Frame) -> list[Rect]:
    """The boxes (in the full frame's pixels) where ``new`` differs from ``old``; all of it when the size changed."""
    width, height = new.size
    if old is None or old.size != new.size or old.pixels.shape != new.pixels.shape:
        return [Rect(0, 0, width, height)]
    moved = (np.abs(old.pixels.astype(np.int16) - new.pixels.astype(np.int16)) > LEVEL).any(axis=2)
    if not moved.any():
        return []
    rows, cols = -(-moved.shape[0] // TILE), -(-moved.shape[1] // TILE)
    padded = np.zeros((rows * TILE, cols * TILE), dtype=bool)
    padded[: moved.shape[0], : moved.shape[1]] = moved
    tiles = padded.reshape(rows, TILE, cols, TILE).any(axis=(1, 3))
    step = TILE * SCALE
    boxes = []
    for top, left, bottom, right in _groups(tiles):
        x, y = left * step, top * step
        boxes.append(Rect(x, y, min(width, (right + 1) * step) - x, min(height, (bottom + 1) * step) - y))
    return boxes


def _groups(tiles: np.ndarray) -> list[tuple[int, int, int, int]]:
    """(top, left, bottom, right) of each group of changed tiles that touch (diagonals too)."""
    seen = np.zeros_like(tiles)
    groups = []
    for start in zip(*np.nonzero(tiles)):
        if seen[start]:
            continue
        seen[start] = True
        stack, top, left, bottom, right = [start], start[0], start[1], start[0], start[1]
        while stack:
            r, c = stack.pop()
            top, left, bottom, right = min(top, r), min(left, c), max(bottom, r), max(right, c)
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < tiles.shape[0] and 0 <= nc < tiles.shape[1] and tiles[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        stack.append((nr, nc))
        groups.append((int(top), int(left), int(bottom), int(right)))
    return groups


def bands(boxes: list[Rect], width: int, height: int, margin: int = 8) -> list[Rect]:
    """Full-width bands over ``boxes`` (grown by ``margin``), merged where they overlap: what the reader reads."""
    spans = sorted((max(0, b.top - margin), min(height, b.top + b.height + margin)) for b in boxes)
    merged: list[list[int]] = []
    for top, bottom in spans:
        if merged and top <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], bottom)
        else:
            merged.append([top, bottom])
    return [Rect(0, top, width, bottom - top) for top, bottom in merged if bottom > top]


def crop(image: Image.Image, rect: Rect) -> Image.Image:
    """The part of ``image`` in ``rect``."""
    return image.crop((rect.left, rect.top, rect.left + rect.width, rect.top + rect.height))


def covered(rect: Rect, by: list[Rect]) -> bool:
    """Whether ``rect``'s centre lies in one of ``by``."""
    x, y = rect.left + rect.width // 2, rect.top + rect.height // 2
    return any(b.contains(x, y) for b in by)
