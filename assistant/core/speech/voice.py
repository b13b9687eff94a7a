"""The app's own voice (pyttsx3), and the Speaker interface every output shares.

pyttsx3's own playback cannot be interrupted on Linux, and its ``stop()`` can deadlock
from another thread. So the engine only synthesises, sentence by sentence, to WAV files
(on its own thread, see tts_engine); a second thread plays them through a subprocess
(aplay, afplay) or winsound, which ``stop()`` silences at once. The first sentence plays
while the next ones are synthesised.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import re
import tempfile
import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from assistant.config import SpeechSettings
from assistant.core.errors import one_line
from assistant.core.speech.players import Player, default_player
from assistant.core.speech.tts_engine import TtsEngine
from assistant.i18n import _

log = logging.getLogger(__name__)


class Speaker(Protocol):
    """Says text: our voice, a screen reader route, both, or silence."""

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


def split_sentences(text: str, longest: int = 220) -> list[str]:
    """Sentences, with very long ones cut at commas or spaces so the first sound comes soon."""
    parts = [p.strip() for p in re.split(r"(?<=[.!?;])\s+|\n+", text or "") if p.strip()]
    out: list[str] = []
    for part in parts:
        while len(part) > longest:
            cut = max(part.rfind(", ", 0, longest), part.rfind(" ", 0, longest))
            cut = cut if cut > longest // 3 else longest
            out.append(part[: cut + 1].strip())
            part = part[cut + 1:].strip()
        if part:
            out.append(part)
    return out


class Pyttsx3Speaker:
    """The app's own voice. ``say``, ``stop`` and ``repeat_last`` return at once."""

    def __init__(self, settings: SpeechSettings, player: Player | None = None,
                 on_unavailable: Callable[[str], None] | None = None, engine: TtsEngine | None = None,
                 language: str = ""):
        self.settings = settings
        self.language = language  # with no voice chosen, a voice for this language (the answers') if installed
        self.engine = engine or TtsEngine.shared()
        self.player = player or default_player()
        self.on_unavailable = on_unavailable
        self.unavailable: str | None = None
        self.last = ""
        self.utterances_played = 0
        self._generation = 0
        self._lock = threading.Lock()
        self._texts: queue.Queue = queue.Queue()
        self._files: queue.Queue = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self._dir = Path(tempfile.mkdtemp(prefix="blip-speech-"))
        threading.Thread(target=self._synth_loop, name="speech-synth", daemon=True).start()
        threading.Thread(target=self._play_loop, name="speech-play", daemon=True).start()

    # -- the front door ------------------------------------------------------------------
    def say(self, text: str, interrupt: bool = True) -> None:
        sentences = split_sentences(text)
        if not sentences:
            return
        self.last = text
        if self.unavailable:  # already said why; the text is on screen
            return
        with self._lock:
            if interrupt:
                self._interrupt_locked()
            self._pending += 1
            self._idle.clear()
            self._texts.put((self._generation, sentences, self.settings, self.language))

    def stop(self) -> None:
        with self._lock:
            self._interrupt_locked()

    def repeat_last(self) -> None:
        if self.last:
            self.say(self.last)

    def set_settings(self, settings: SpeechSettings) -> None:
        """Voice, rate and volume apply from the next utterance."""
        self.settings = settings

    def voices(self) -> list[tuple[str, str]]:
        """(id, name) of every voice the engine has, for the settings."""
        return self.engine.voices()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until everything queued has been spoken (for the CLI and tests)."""
        return self._idle.wait(timeout)

    # -- internals -----------------------------------------------------------------------
    def _interrupt_locked(self) -> None:
        self._generation += 1
        for q in (self._texts, self._files):
            with contextlib.suppress(queue.Empty):
                while True:
                    q.get_nowait()
        self._pending = 0
        self.player.stop()
        self._idle.set()

    def _done_one(self, generation: int) -> None:
        with self._lock:
            if generation == self._generation and self._pending > 0:
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    def _give_up(self, reason: str) -> None:
        if self.unavailable is None:
            self.unavailable = reason
            log.warning("speech unavailable: %s", reason)
            if self.on_unavailable is not None:
                self.on_unavailable(reason)
        with self._lock:
            self._pending = 0
            self._idle.set()

    def _synth_loop(self) -> None:
        engine, count = self.engine, 0
        while True:
            generation, sentences, settings, language = self._texts.get()
            if self.unavailable:
                continue
            for i, sentence in enumerate(sentences):
                if generation != self._generation:
                    break
                count += 1
                path = self._dir / f"u{count % 64}.wav"
                try:
                    made = engine.to_file(sentence, path, settings, language)
                except Exception as err:  # no espeak-ng / SAPI / NSSpeech: say so once, keep working silently
                    self._give_up(_("Speech is unavailable: the text-to-speech engine did not start ({error}).").format(
                        error=one_line(err)))
                    break
                if not made:
                    log.warning("no audio for %r", sentence[:40])
                    if i == len(sentences) - 1:
                        self._done_one(generation)
                    continue
                self._files.put((generation, path, i == len(sentences) - 1))

    def _play_loop(self) -> None:
        while True:
            generation, path, last = self._files.get()
            if generation != self._generation or self.unavailable:
                continue
            problem = self.player.play(path)
            if problem:
                self._give_up(_('Speech is unavailable: {problem}').format(problem=problem))
                continue
            if last:
                self.utterances_played += 1
                self._done_one(generation)


def synthesise_wav(texts: list[str], out: Path, settings: SpeechSettings, language: str = "") -> float:
    """Speak ``texts`` into one WAV file (``--speak-to``), in a voice for ``language``; returns its duration in seconds."""
    engine = TtsEngine.shared()
    frames, params = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for n, sentence in enumerate(s for text in texts for s in split_sentences(text)):
            part = Path(tmp) / f"{n}.wav"
            if not engine.to_file(sentence, part, settings, language):
                continue
            with wave.open(str(part)) as w:
                params = params or w.getparams()
                frames.append(w.readframes(w.getnframes()))
                frames.append(b"\0\0" * int(0.25 * w.getframerate()))  # a short pause between sentences
    if params is None:
        raise ValueError(_("there was nothing to speak"))
    with wave.open(str(out), "wb") as w:
        w.setparams(params)
        for chunk in frames:
            w.writeframes(chunk)
        return w.getnframes() / w.getframerate()
