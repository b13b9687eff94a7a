"""Errors a user can be told about: each carries one plain sentence, never a traceback."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class. ``str(err)`` is a complete, one-line message for the user."""


class ImageError(AssistantError):
    """The input is not an image we can read (missing, empty, broken, too large, not an image)."""


class ModelUnavailableError(AssistantError):
    """The model is not on this machine and cannot be fetched now."""


class ModelLoadError(AssistantError):
    """The model is present but could not be loaded or run (bad checkpoint, no memory, no GPU)."""


class ModelCrashedError(ModelLoadError):
    """The model's process ended unexpectedly (a crash, out of memory, killed); it starts again on the next request."""


class Cancelled(AssistantError):
    """A request was superseded or stopped before it finished."""

    def __init__(self, message: str = "Stopped.", steps: int = 0):
        super().__init__(message)
        self.steps = steps


def one_line(err: BaseException, limit: int = 160) -> str:
    """The first line of an exception's message (or its type), for a message to the user."""
    lines = str(err).strip().splitlines()
    return (lines[0] if lines else type(err).__name__)[:limit]


def terminal_safe(text: str) -> str:
    """Control characters (ESC, OSC sequences, the tiny model's stray bytes) shown escaped, never obeyed by a terminal."""
    return "".join(c if c in "\n\t" or (c.isprintable() and c != "\x7f") else f"\\x{ord(c):02x}"
                   if ord(c) < 0x100 else f"\\u{ord(c):04x}" for c in text)
