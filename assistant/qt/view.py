"""The narrow view protocol the conversation controller drives; ``MainWindow`` implements it, tests fake it.

The controller decides, the view shows: it never reads state back from a widget. Turns are
addressed by the row ``add_turn`` returned; which turn is pending is the controller's to know.
"""

from __future__ import annotations

from typing import Protocol

from PIL import Image


class ConversationView(Protocol):
    """What the controller may ask of the window."""

    def show_conversation(self, image: Image.Image | None, source: str, turns: list[str], description: str = "") -> None:
        """A new or reopened conversation: its image (or none) and its turns so far."""

    def clear_conversation(self) -> None:
        """No image and no turns."""

    def add_turn(self, text: str) -> int:
        """Append a turn (often pending: "…") and make it current; returns its row."""

    def set_turn(self, row: int, text: str) -> None:
        """Change the turn at ``row`` (its answer came, it failed, or it was stopped) and make it current."""

    def describe_image(self, description: str) -> None:
        """What the image pane says about the image to a screen reader."""

    def show_text(self, items: list[str], note: str = "") -> None:
        """The text found, one item per line with where it is; with no items, ``note`` says why."""

    def show_status(self, text: str, announced: bool = True) -> None:
        """The status line."""

    def clear_question(self) -> None:
        """The question was taken: empty the question box."""

    def focus_question(self, bring_up: bool = False) -> None:
        """Move to the question box; ``bring_up``: raise the window first (a global hotkey)."""

    def shortcuts(self) -> list[str]:
        """Each action of the window with its keys, e.g. "Describe screen: Ctrl+Shift+D"."""

    def clipboard_image(self) -> tuple[Image.Image, str]:
        """The image on the clipboard and its source name; raises ``ImageError`` with why there is none."""

    def copy_text(self, text: str) -> None:
        """Put ``text`` on the clipboard."""
