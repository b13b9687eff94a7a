"""The model's home: one long-lived QObject on its own QThread, talking only by signals.

Requests run one at a time and the newest wins: submitting while one runs cancels it
(the core stops within one decoding step) and drops any request still waiting. A
request made before the model is ready waits and runs as soon as it is.
torch and transformers are imported here, on the worker thread, so the window shows at once.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image
from PySide6.QtCore import QObject, QThread, Signal, Slot

from assistant.core.errors import AssistantError, Cancelled, one_line
from assistant.core.prompts import Turn
from assistant.core.vision import Answer, ModelInfo, Progress, VisionModel

log = logging.getLogger(__name__)
_ids = itertools.count(1)


@dataclass(frozen=True)
class Request:
    kind: str  # "caption" or "ask"
    image: Image.Image = field(repr=False)
    question: str = ""
    prefix: str | None = None
    history: tuple[Turn, ...] = ()
    id: int = field(default_factory=lambda: next(_ids))


class ModelWorker(QObject):
    progress = Signal(object)  # Progress
    ready = Signal(object)  # ModelInfo
    load_failed = Signal(str)
    started = Signal(int)  # request id
    answered = Signal(int, object)  # request id, Answer
    failed = Signal(int, str)  # request id, one-line message
    _wake = Signal()

    def __init__(self, factory: Callable[[], VisionModel]):
        super().__init__()
        self._factory = factory
        self._model: VisionModel | None = None
        self._lock = threading.Lock()
        self._pending: Request | None = None
        self._running: Request | None = None
        self._wake.connect(self._drain)  # queued: emitted from the GUI thread, runs here

    # -- called from the GUI thread --------------------------------------------------
    def submit(self, request: Request) -> None:
        with self._lock:
            self._pending = request
            if self._running is not None and self._model is not None:
                self._model.cancel()
        self._wake.emit()

    def stop(self) -> None:
        """Cancel whatever runs or waits, without a new request."""
        with self._lock:
            self._pending = None
            if self._running is not None and self._model is not None:
                self._model.cancel()

    # -- worker thread ------------------------------------------------------------------
    @Slot()
    def load(self) -> None:
        try:
            model = self._factory()
            info: ModelInfo = model.load(self.progress.emit)
        except AssistantError as err:
            self.load_failed.emit(str(err))
            return
        except Exception as err:  # never a traceback for the user; the log keeps it
            log.exception("model load failed")
            self.load_failed.emit(f"The model failed to load: {one_line(err)}")
            return
        with self._lock:
            self._model = model
        self.ready.emit(info)
        self._drain()

    @Slot()
    def _drain(self) -> None:
        while True:
            with self._lock:
                if self._model is None or self._pending is None:
                    return
                request, self._pending = self._pending, None
                self._running = request
            self._run(request)
            with self._lock:
                self._running = None

    def _run(self, request: Request) -> None:
        self.started.emit(request.id)
        start = time.perf_counter()
        try:
            if request.kind == "caption":
                answer: Answer = self._model.caption(request.image, request.prefix)
            else:
                answer = self._model.ask(request.image, request.question, request.history)
        except Cancelled:
            log.info("request %d superseded after %.0f ms", request.id, 1000 * (time.perf_counter() - start))
            return
        except AssistantError as err:
            self.failed.emit(request.id, str(err))
            return
        except Exception as err:
            log.exception("request failed")
            self.failed.emit(request.id, f"The model failed: {one_line(err)}")
            return
        log.info("%s answered in %.0f ms", request.kind, 1000 * answer.seconds)
        self.answered.emit(request.id, answer)


class ModelService(QObject):
    """The GUI's handle on the worker: owns the thread, forwards signals, tracks state."""

    progress = Signal(object)
    ready = Signal(object)
    load_failed = Signal(str)
    started = Signal(int)
    answered = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, factory: Callable[[], VisionModel], parent: QObject | None = None):
        super().__init__(parent)
        self.info: ModelInfo | None = None
        self.last_progress: Progress | None = None
        self._thread = QThread()
        self._thread.setObjectName("model-worker")
        self._worker = ModelWorker(factory)
        self._worker.moveToThread(self._thread)
        for name in ("progress", "ready", "load_failed", "started", "answered", "failed"):
            getattr(self._worker, name).connect(getattr(self, name))
        self.progress.connect(self._on_progress)
        self.ready.connect(self._on_ready)
        self._thread.started.connect(self._worker.load)

    def start(self) -> None:
        self._thread.start()

    @property
    def is_ready(self) -> bool:
        return self.info is not None

    def submit(self, request: Request) -> int:
        self._worker.submit(request)
        return request.id

    def stop(self) -> None:
        self._worker.stop()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        self._worker.stop()
        self._thread.quit()
        self._thread.wait(timeout_ms)

    def _on_progress(self, p: Progress) -> None:
        self.last_progress = p

    def _on_ready(self, info: ModelInfo) -> None:
        self.info = info
