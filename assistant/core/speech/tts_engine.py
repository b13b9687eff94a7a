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
        self.settings: SpeechSettings | None = None
        self.apply(settings)

    def apply(self, settings: SpeechSettings) -> None:
        if settings == self.settings:
            return
        self.engine.setProperty("rate", settings.rate)
        self.engine.setProperty("volume", settings.volume)
        if settings.voice:
            self.engine.setProperty("voice", settings.voice)
        self.settings = settings

    def to_file(self, text: str, path: Path) -> bool:
        path.unlink(missing_ok=True)
        with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 prints "Audio saved to ..."
            self.engine.save_to_file(text, str(path))
            self.engine.runAndWait()
        return path.exists() and path.stat().st_size > 44


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

    def to_file(self, text: str, path: Path, settings: SpeechSettings) -> bool:
        """Synthesise ``text`` to a 22050 Hz mono 16-bit WAV; False if no audio came out.

        The engine lives as long as the process: espeak-ng calls back into it after
        runAndWait returns, so a dropped engine can crash the process. For the same
        reason a changed rate or volume may reach espeak-ng an utterance late.
        """

        def job() -> bool:
            synth = self._engine(settings)
            synth.apply(settings)
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
