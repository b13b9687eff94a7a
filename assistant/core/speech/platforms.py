"""The screen-reader routes of this system, best first (the route modules import ``routes``, never this)."""

from __future__ import annotations

import sys

from assistant.core.speech.routes import Route


def platform_routes(platform: str = sys.platform) -> list[Route]:
    """The routes for this system, best first. Nothing is imported for other systems."""
    if platform.startswith("linux"):
        from assistant.core.speech.linux_routes import OrcaService, SpeechDispatcher

        return [OrcaService(), SpeechDispatcher()]
    if platform == "win32":
        from assistant.core.speech.windows_routes import Jaws, Nvda

        return [Nvda(), Jaws()]
    if platform == "darwin":
        from assistant.core.speech.macos_routes import VoiceOver

        return [VoiceOver()]
    return []
