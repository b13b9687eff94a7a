"""The one pyttsx3 engine of the process, owned by one thread.

espeak-ng can be initialised once per process and keeps one global synthesis callback,
and SAPI 5 wants its COM apartment on the thread that made it: so every synthesis, from
the app's voice or from ``--speak-to``, runs as a job on this thread.
"""

from __future__ import annotations

import contextlib
import io
import queue
import sys
import threading
from concurrent.futures import Future
from pathlib import Path

from assistant.config import SpeechSettings


class _Synthesiser:
    def __init__(self, settings: SpeechSettings):
        import pyttsx3

        self.engine = pyttsx3.init()
        self.default_voice = self.engine.getProperty("voice")
        self.settings: SpeechSettings | None = None
        self.language = ""
        self.apply(settings)

    def apply(self, settings: SpeechSettings, language: str = "") -> None:
        """Rate, volume and voice; with no voice chosen, one that speaks ``language`` if one is installed."""
        if settings == self.settings and language == self.language:
            return
        self.engine.setProperty("rate", settings.rate)
        self.engine.setProperty("volume", settings.volume)
        voice = settings.voice or (voice_for(self.engine.getProperty("voices"), language) if language else None)
        self.engine.setProperty("voice", voice or self.default_voice)
        self.settings, self.language = settings, language

    def to_file(self, text: str, path: Path) -> bool:
        path.unlink(missing_ok=True)
        with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to ..."
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
        return path.exists() and path.stat().st_size > 44


def voice_for(voices, language: str) -> str | None:
    """The id of the first voice that speaks ``language`` ("de" matches "de" and "de-AT"), or None.

    espeak-ng lists its languages as text ("de"), SAPI 5 and NSSpeech as bytes or locale names ("de_DE").
    """
    def speaks(voice) -> bool:
        for spoken in getattr(voice, "languages", None) or []:
            code = spoken.decode("ascii", "ignore").lstrip("\x05") if isinstance(spoken, bytes) else str(spoken)
            if code.replace("_", "-").split("-")[0].lower() == language:
                return True
        return False

    return next((voice.id for voice in voices if speaks(voice)), None)


class TtsEngine:
    """Submit work to the engine thread; each call blocks until its job is done."""

    _instance: TtsEngine | None = None
    _lock = threading.Lock()

    @classmethod
    def shared(cls) -> TtsEngine:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def __init__(self):
        self._jobs: queue.Queue = queue.Queue()
        self._synth: _Synthesiser | None = None
        threading.Thread(target=self._run, name="tts-engine", daemon=True).start()

    def voices(self) -> list[tuple[str, str]]:
        return self._call(lambda: [(v.id, v.name) for v in self._engine(SpeechSettings()).engine.getProperty("voices")])

    def to_file(self, text: str, path: Path, settings: SpeechSettings, language: str = "") -> bool:
        """Synthesise ``text`` to a 22050 Hz mono 16-bit WAV; False if no audio came out.

        The engine lives as long as the process: espeak-ng calls back into it after
        runAndWait returns, so a dropped engine can crash the process. For the same
        reason a changed rate or volume may reach espeak-ng an utterance late.
        """

        def job() -> bool:
            synth = self._engine(settings)
            synth.apply(settings, language)
            return synth.to_file(text, path) or synth.to_file(text, path)  # pyttsx3 now and then loses one

        return self._call(job)

    def _call(self, job):
        future: Future = Future()
        self._jobs.put((job, future))
        return future.result()

    def _engine(self, settings: SpeechSettings) -> _Synthesiser:
        if self._synth is None:
            self._synth = _Synthesiser(settings)
        return self._synth

    def _run(self) -> None:
        if sys.platform == "win32":
            with contextlib.suppress(ImportError):
                import pythoncom

                pythoncom.CoInitialize()
        while True:
            job, future = self._jobs.get()
            try:
                future.set_result(job())
            except BaseException as err:  # handed to the caller, who tells the user
                future.set_exception(err)
