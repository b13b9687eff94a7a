"""The conversation about one image: its caption and the questions asked since."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from PIL import Image

from assistant.core.prompts import Turn


@dataclass
class Conversation:
    image: Image.Image = field(repr=False)
    source: str  # "screen", "window Firefox", "clipboard", a file name
    caption: str = ""
    turns: list[Turn] = field(default_factory=list)
    started: float = field(default_factory=time.time)

    def history(self) -> tuple[Turn, ...]:
        """Earlier question-and-answer turns, for the chat prompt."""
        return tuple(self.turns)
