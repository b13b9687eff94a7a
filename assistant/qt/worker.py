"""The model's home: one long-lived QObject on its own QThread, talking only by signals.

Requests run one at a time and the newest wins: submitting while one runs cancels it
(the core stops within one decoding step) and drops any request still waiting. A
request made while the model loads waits and runs as soon as it is ready; a load that
ends without a model (it failed, or it must be downloaded first) drops it, so a later
load runs nothing stale. ``ModelService.state`` says where the model stands.
torch and transformers are imported here, on the worker thread, so the window shows at once.
"""

from __future__ import annotations

import enum
import gc
import logging
import threading
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from assistant.core.errors import AssistantError, Cancelled, ModelCrashedError, one_line
from assistant.core.model.backend import Answer, ModelInfo, ModelRequest, Progress, VisionModel, run_request

log = logging.getLogger(__name__)


class ModelState(enum.Enum):
    LOADING = "loading"
    DOWNLOADING = "downloading"
    NOT_DOWNLOADED = "not downloaded"  # the user was asked, said no, or cancelled
    FAILED = "failed"
    READY = "ready"
    UNLOADED = "unloaded"  # its memory freed; the next request loads it again


class ModelWorker(QObject):
    progress = Signal(object)  # Progress
    ready = Signal(object)  # ModelInfo
    load_failed = Signal(str)
    started = Signal(int)  # request id
    answered = Signal(int, object)  # request id, Answer
    failed = Signal(int, str)  # request id, one-line message
    download_needed = Signal(object)  # hub.DownloadPlan: the GUI asks the user, then calls download()
    download_progress = Signal(object, object)  # bytes done, bytes in all (may pass 2**31)
    download_stopped = Signal(str)  # cancelled; what was fetched is kept
    released = Signal()  # the old model is dropped: the GUI thread collects it, then asks for load()
    unloaded = Signal()
    _wake = Signal()
    _fetch = Signal()
    _reload = Signal(object, object)
    _unload = Signal()

    def __init__(self, factory: Callable[[], VisionModel], downloader=None):
        super().__init__()
        self._factory = factory
        self._downloader = downloader  # hub.Downloader, or None: the factory finds the model itself
        self._plan = None
        self._cancel_download = threading.Event()
        self._model: VisionModel | None = None
        self._lock = threading.Lock()
        self._pending: ModelRequest | None = None
        self._running: ModelRequest | None = None
        self._wake.connect(self._drain)  # queued: emitted from the GUI thread, runs here
        self._fetch.connect(self._download)
        self._reload.connect(self._swap)
        self._unload.connect(self._free)

    # -- called from the GUI thread --------------------------------------------------
    def submit(self, request: ModelRequest) -> None:
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

    def download(self) -> None:
        self._cancel_download.clear()
        self._fetch.emit()

    def cancel_download(self) -> None:
        self._cancel_download.set()  # seen between two chunks

    def reload(self, factory: Callable[[], VisionModel], downloader=None) -> None:
        """Drop the model and load another (after the running request stops)."""
        self.stop()
        self._cancel_download.set()
        self._reload.emit(factory, downloader)

    def unload(self) -> None:
        """Free the model's memory once nothing runs (queued behind a running request)."""
        self._unload.emit()

    def set_generation(self, generation) -> None:
        with self._lock:
            if self._model is not None:
                self._model.set_generation(generation)  # read at the start of each request

    # -- worker thread ------------------------------------------------------------------
    @Slot()
    def load(self) -> None:
        with self._lock:
            if self._model is not None:  # a retry queued behind a load that has since finished
                return
        if self._downloader is not None:
            ok, self._plan = self._guarded("The model cannot be found", self._downloader.check)
            if not ok:
                return
            if self._plan is not None:
                self._drop_pending()  # asked before the download: not run minutes later, unasked
                self.download_needed.emit(self._plan)  # the GUI asks the user, then calls download()
                return

        def build():
            model = self._factory()
            return model, model.load(self.progress.emit)

        ok, loaded = self._guarded("The model failed to load", build)
        if not ok:
            return
        with self._lock:
            self._model = loaded[0]
        self.ready.emit(loaded[1])
        self._drain()

    @Slot()
    def _download(self) -> None:
        if self._plan is None or self._downloader is None:
            return
        try:
            ok, _ = self._guarded("The download failed", lambda: self._downloader.fetch(
                self._plan, self.download_progress.emit, self._cancel_download))
        except Cancelled as err:
            self._drop_pending()
            self.download_stopped.emit(str(err))
            return
        if ok:
            self._plan = None
            self.load()

    def _guarded(self, failure: str, step):
        """(True, step()) or (False, None) once the user has been told why, in one line. Cancelled passes through."""
        try:
            return True, step()
        except Cancelled:
            raise
        except AssistantError as err:
            message = str(err)
        except Exception as err:  # never a traceback for the user; the log keeps it
            log.exception(failure)
            message = f"{failure}: {one_line(err)}"
        self._drop_pending()  # no model: a later load must not run what was asked before
        self.load_failed.emit(message)
        return False, None

    def _drop_pending(self) -> None:
        with self._lock:
            self._pending = None

    @Slot(object, object)
    def _swap(self, factory, downloader) -> None:
        with self._lock:
            old, self._model = self._model, None
        if old is not None and hasattr(old, "close"):
            old.close()  # the model process ends here and now
        del old
        self._factory, self._downloader, self._plan = factory, downloader, None
        self.released.emit()

    @Slot()
    def _free(self) -> None:
        with self._lock:
            model = self._model
        if model is not None and getattr(model, "loaded", False):
            model.unload()
            self.unloaded.emit()

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

    def _run(self, request: ModelRequest) -> None:
        self.started.emit(request.id)
        if not getattr(self._model, "loaded", True):  # unloaded, or its process ended: load it again first
            ok, info = self._guarded("The model failed to load", lambda: self._model.load(self.progress.emit))
            if not ok:
                return
            self.ready.emit(info)
        start = time.perf_counter()
        try:
            answer: Answer = run_request(self._model, request)
        except Cancelled:
            log.info("request %d superseded after %.0f ms", request.id, 1000 * (time.perf_counter() - start))
            return
        except ModelCrashedError as err:  # its process ended: said, and loaded again on the next request
            self.failed.emit(request.id, str(err))
            self.unloaded.emit()
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


def _empty_gpu_cache() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


SIGNALS = ("progress", "ready", "load_failed", "started", "answered", "failed", "download_needed", "download_progress",
           "download_stopped", "unloaded")


class ModelService(QObject):
    """The GUI's handle on the worker: owns the thread, forwards signals, tracks the model's state.

    ``state`` is a state, not a message: it changes only when the model does, and ``problem``
    keeps the reason while there is no model, whatever else is said meanwhile.
    """

    progress = Signal(object)
    ready = Signal(object)
    load_failed = Signal(str)
    started = Signal(int)
    answered = Signal(int, object)
    failed = Signal(int, str)
    download_needed = Signal(object)
    download_progress = Signal(object, object)
    download_stopped = Signal(str)
    unloaded = Signal()
    state_changed = Signal(object)  # ModelState
    _load = Signal()

    def __init__(self, factory: Callable[[], VisionModel], parent: QObject | None = None, downloader=None):
        super().__init__(parent)
        self.info: ModelInfo | None = None
        self.last_progress: Progress | None = None
        self.state = ModelState.LOADING
        self.problem = ""  # why there is no model (FAILED, NOT_DOWNLOADED), in full
        self._thread = QThread()
        self._thread.setObjectName("model-worker")
        self._worker = ModelWorker(factory, downloader)
        self._worker.moveToThread(self._thread)
        self._load.connect(self._worker.load)
        for name in SIGNALS:
            getattr(self._worker, name).connect(getattr(self, name))
        self.progress.connect(self._on_progress)
        self.ready.connect(self._on_ready)
        self.load_failed.connect(lambda message: self._set_state(ModelState.FAILED, message))
        self.download_needed.connect(lambda plan: self._set_state(
            ModelState.NOT_DOWNLOADED, f"{plan.repo} is not downloaded yet."))
        self.download_stopped.connect(lambda message: self._set_state(ModelState.NOT_DOWNLOADED, message))
        self.unloaded.connect(lambda: self._set_state(ModelState.UNLOADED))
        self._idle = QTimer(self)  # frees the model's memory after a while unused (0 minutes: never)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.unload)
        self.idle_minutes = 0
        for activity in (self.answered, self.failed, self.ready):
            activity.connect(self._restart_idle)
        self._thread.started.connect(self._worker.load)
        self._worker.released.connect(self._collect_then_load)

    def start(self) -> None:
        self._thread.start()

    @property
    def is_ready(self) -> bool:
        return self.info is not None

    @property
    def available(self) -> bool:
        """True while a request can run now or once the model is ready; False while there is no model."""
        return self.state in (ModelState.LOADING, ModelState.DOWNLOADING, ModelState.READY, ModelState.UNLOADED)

    def _set_state(self, state: ModelState, problem: str = "") -> None:
        self.state, self.problem = state, problem
        self.state_changed.emit(state)

    def submit(self, request: ModelRequest) -> int:
        self._worker.submit(request)
        return request.id

    def stop(self) -> None:
        self._worker.stop()

    def download(self) -> None:
        self._set_state(ModelState.DOWNLOADING)
        self._worker.download()

    def cancel_download(self) -> None:
        self._worker.cancel_download()

    def retry(self) -> None:
        """Look for the model again (after a refused or cancelled download, or a failed load)."""
        if not self.is_ready:
            self._set_state(ModelState.LOADING)
            self._load.emit()

    def reload(self, factory: Callable[[], VisionModel], downloader=None) -> None:
        self.info, self.last_progress = None, None
        self._set_state(ModelState.LOADING)
        self._worker.reload(factory, downloader)

    def set_generation(self, generation) -> None:
        self._worker.set_generation(generation)

    def unload(self) -> None:
        """Free the model's memory now; the next request loads it again."""
        if self.state is ModelState.READY:
            self._worker.unload()

    def set_idle_unload(self, minutes: int) -> None:
        self.idle_minutes = minutes
        self._restart_idle()

    def _restart_idle(self, *_args) -> None:
        self._idle.stop()
        if self.idle_minutes > 0:
            self._idle.start(self.idle_minutes * 60_000)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        self._worker.stop()
        self._worker.cancel_download()
        self._thread.quit()
        self._thread.wait(timeout_ms)
        model = self._worker._model
        if model is not None and hasattr(model, "close"):  # the model process ends with the app
            model.close()

    def _collect_then_load(self) -> None:
        # Here on the GUI thread, where collecting is safe (see gc_guard): the old weights go before the new ones.
        gc.collect()
        _empty_gpu_cache()
        self._load.emit()

    def _on_progress(self, p: Progress) -> None:
        self.last_progress = p
        if self.state is not ModelState.LOADING:  # e.g. a finished download goes on to load
            self._set_state(ModelState.LOADING)

    def _on_ready(self, info: ModelInfo) -> None:
        self.info = info
        self._set_state(ModelState.READY)
