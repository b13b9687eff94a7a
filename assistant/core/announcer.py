"""The one front door for what the user is told: shown in the status line, spoken, and logged.

Like NVDA's ``ui.message``: the controller, the flows, the settings, the history and the
download all tell the user through an :class:`Announcer`, never through a window. It is
also the session's speaker, so the voice or screen-reader route behind it can change
(Settings, Speech) in one place while everything else keeps its reference.
"""

from __future__ import annotations

import logging
from typing import Protocol

from assistant.core.speech import Speaker

log = logging.getLogger("assistant.messages")  # one logger name for every message the user is given


class StatusLine(Protocol):
    """Where a message is shown: the window's status line (or a test's list)."""

    def show_status(self, text: str, announced: bool = True) -> None:
        """Show ``text``; ``announced``: also as a polite accessibility announcement (when nothing speaks it)."""


class Announcer:
    """Shows and speaks messages; a ``Speaker`` itself, passing speech on to the current one."""

    def __init__(self, status: StatusLine, speaker: Speaker | None = None):
        self._status = status
        self.speaker = speaker

    def use_speaker(self, speaker: Speaker | None) -> None:
        """Speak through ``speaker`` from now on; whatever the old one was saying stops."""
        if self.speaker is not None:
            self.speaker.stop()
        self.speaker = speaker

    # -- telling the user ------------------------------------------------------------------------
    def message(self, text: str, error: bool = False) -> None:
        """Show ``text`` in the status line and speak it. Errors arrive this way, never as tracebacks."""
        self._status.show_status(text, announced=False)  # spoken just below, through the screen reader's route
        self.say(text)
        log.log(logging.WARNING if error else logging.INFO, "%s", text)

    def status(self, text: str, announced: bool = True) -> None:
        """Show ``text`` only: progress, "Working…", what the speaker has already said."""
        self._status.show_status(text, announced)

    # -- the Speaker interface -------------------------------------------------------------------
    def say(self, text: str, interrupt: bool = True) -> None:
        log.debug("said: %s", text)
        if self.speaker is not None:
            self.speaker.say(text, interrupt)

    def stop(self) -> None:
        if self.speaker is not None:
            self.speaker.stop()

    def repeat_last(self) -> None:
        if self.speaker is not None:
            self.speaker.repeat_last()
