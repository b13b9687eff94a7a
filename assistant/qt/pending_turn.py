"""The turn the conversation shows as waiting for its answer: kept by the controller, never read back from a widget."""

from __future__ import annotations

from dataclasses import dataclass

THINKING = "…"


@dataclass
class PendingTurn:
    """The turn shown as waiting for its answer: its request (-1: the text reader), its row, its text."""

    request_id: int
    row: int
    text: str

    def ended(self, how: str) -> str:
        """The turn's text with the waiting mark replaced by ``how``."""
        return self.text[: -len(THINKING)] + how if self.text.endswith(THINKING) else self.text + how
