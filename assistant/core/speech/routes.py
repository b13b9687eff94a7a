"""Routes to the user's own screen reader: one small interface, one implementation per API.

A route speaks a message the way the screen reader's own add-ons do (NVDA's
``ui.message``, Orca's ``PresentMessage``): in the user's voice, and in braille where the
route has braille. Routes are tried in order; the first whose screen reader is running wins.
"""

from __future__ import annotations

from typing import Protocol


class RouteError(RuntimeError):
    """The screen reader is running but did not take the message."""


class Route(Protocol):
    """A way to the user's screen reader by its own API."""

    name: str  # what the user is told, e.g. "Orca (speech-dispatcher)"
    braille: bool  # whether messages also reach the braille display

    def available(self) -> bool:
        """Is this screen reader running and reachable now? Cheap; called before each message."""

    def speak(self, text: str, interrupt: bool) -> None:
        """Speak (and braille) ``text``; ``interrupt`` stops our previous message first. Raises RouteError."""

    def cancel(self) -> None:
        """Stop our message being spoken, if the API allows it."""
