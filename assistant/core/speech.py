"""One front door for everything spoken (after NVDA's ``ui.message``)."""

from __future__ import annotations

from typing import Protocol


class Speaker(Protocol):
    def say(self, text: str, interrupt: bool = True) -> None: ...

    def stop(self) -> None: ...

    def repeat_last(self) -> None: ...


class SilentSpeaker:
    """Speaks nothing; remembers what it was asked to say (tests, and the "silent" setting)."""

    def __init__(self) -> None:
        self.said: list[str] = []
        self.stopped = 0

    def say(self, text: str, interrupt: bool = True) -> None:
        if text:
            self.said.append(text)

    def stop(self) -> None:
        self.stopped += 1

    def repeat_last(self) -> None:
        if self.said:
            self.said.append(self.said[-1])
