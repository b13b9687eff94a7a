"""A vision model with no torch and no weights, for GUI tests and demos.

Used only where the real model is beside the point (layout, focus, speech). Every
test of model behaviour drives the real Blip2Model with a tiny checkpoint.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from PIL import Image

from assistant.core.errors import Cancelled
from assistant.core.prompts import Turn, clean_text
from assistant.core.vision import Answer, ModelInfo, Progress, ProgressCallback


class FakeVisionModel:
    def __init__(self, *, gate: threading.Event | None = None):
        self.info: ModelInfo | None = None
        self._cancel = threading.Event()
        self._gate = gate  # when given, each request waits for it (to test cancellation)
        self.requests: list[tuple[str, str]] = []

    def load(self, progress: ProgressCallback | None = None) -> ModelInfo:
        for pct in (0, 50, 100):
            if progress:
                progress(Progress("loading fake model", pct))
        self.info = ModelInfo("fake", "opt", "cpu", "none", "cpu-fake", "fake model for tests")
        return self.info

    def caption(self, image: Image.Image, prefix: str | None = None) -> Answer:
        text = f"a picture {image.width} by {image.height} pixels"
        return self._reply("caption", f"{clean_text(prefix)} {text}".strip() if prefix else text)

    def ask(self, image: Image.Image, question: str, history: Sequence[Turn] = ()) -> Answer:
        return self._reply("ask", f"answer {len(history) + 1} to: {clean_text(question)[:80]}")

    def cancel(self) -> None:
        self._cancel.set()

    def _reply(self, kind: str, text: str) -> Answer:
        self._cancel.clear()
        start = time.perf_counter()
        self.requests.append((kind, text))
        if self._gate is not None:
            while not self._gate.wait(0.01):
                if self._cancel.is_set():
                    raise Cancelled()
        if self._cancel.is_set():
            raise Cancelled()
        return Answer(text, seconds=time.perf_counter() - start)
