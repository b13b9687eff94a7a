"""The front door for everything the app says: the user's screen reader when one runs, else our own voice.

Never silence: if the screen reader's route fails, the message goes to our voice and the
user is told once why. An ``also`` hook lets a front end add its own channel (the Qt
window's accessibility announcement, for a screen reader we have no route to).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from assistant.core.speech.routes import Route, RouteError
from assistant.core.speech.voice import SilentSpeaker, Speaker
from assistant.i18n import _

log = logging.getLogger(__name__)
Also = Callable[[str, bool, "Route | None"], None]  # (text, interrupt, the route that spoke it, if any)


class ScreenReaderSpeaker:
    """Speaks through the running screen reader, falling back to ``voice``.

    ``mode`` is the speech setting: "auto" and "screen_reader" use the screen reader when one
    runs and our voice otherwise ("screen_reader" says once that none was found); "both" uses
    the two together. ``on_problem`` receives, once, a sentence saying why our voice took over.
    """

    def __init__(self, routes: Sequence[Route], voice: Speaker | None = None, mode: str = "auto",
                 on_problem: Callable[[str], None] | None = None, also: Also | None = None):
        self.routes = list(routes)
        self.voice = voice or SilentSpeaker()
        self.mode = mode
        self.on_problem = on_problem
        self.also = also
        self.last = ""
        self.last_route: Route | None = None
        self._told: set[str] = set()
        self._lock = threading.Lock()

    def route(self) -> Route | None:
        """The first route whose screen reader is running now."""
        for route in self.routes:
            try:
                if route.available():
                    return route
            except Exception as err:  # a broken probe must never cost the user their speech
                log.debug("route %s probe failed: %s", getattr(route, "name", route), err)
        return None

    def say(self, text: str, interrupt: bool = True) -> None:
        if not text:
            return
        problem = None
        with self._lock:
            self.last = text
            route = self.route()
            spoken_by = None
            if route is not None:
                try:
                    route.speak(text, interrupt)
                    spoken_by = route
                except RouteError as err:
                    problem = self._once(route.name, _("{name} could not be reached ({err}); the app's own voice speaks "
                                                       "instead.").format(name=route.name, err=err))
            elif self.mode == "screen_reader":
                problem = self._once("none", _("No screen reader is running; the app's own voice speaks instead."))
            self.last_route = spoken_by
            if spoken_by is None or self.mode == "both":
                self.voice.say(text, interrupt)
            if problem:  # after the message itself, so the user hears what they asked for first
                self.voice.say(problem, interrupt=False)
        if problem and self.on_problem is not None:
            self.on_problem(problem)  # shown by the front end; already spoken here
        if self.also is not None:
            self.also(text, interrupt, spoken_by)

    def stop(self) -> None:
        self.voice.stop()
        route = self.last_route
        if route is not None:
            route.cancel()

    def repeat_last(self) -> None:
        if self.last:
            self.say(self.last)

    def _once(self, key: str, message: str) -> str | None:
        if key in self._told:
            return None
        self._told.add(key)
        log.warning("%s", message)
        return message
