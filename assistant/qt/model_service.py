"""``ModelService``: the GUI's one handle on the model, and its one set of typed signals.

The model runs on its own thread (``model_threads.ModelWorker``; with the model process
that thread only waits on a pipe) and downloads on another (``DownloadWorker``). Their
typed signals are connected to this object's, which Qt emits again on the GUI thread,
so every receiver runs there (superqt's worker pattern). ``state`` says where the model stands.
"""

from __future__ import annotations

import enum
import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from assistant.core.model.backend import ModelInfo, ModelRequest, Progress, VisionModel
from assistant.i18n import _
from assistant.qt.model_threads import DownloadWorker, ModelWorker


class ModelState(enum.Enum):
    """Where the model stands (not a message: it changes only when the model does)."""

    LOADING = "loading"
    DOWNLOADING = "downloading"
    NOT_DOWNLOADED = "not downloaded"  # the user was asked, said no, or cancelled
    FAILED = "failed"
    READY = "ready"
    UNLOADED = "unloaded"  # its memory freed; the next request loads it again


def _empty_gpu_cache() -> None:
    import sys

    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        torch.cuda.empty_cache()


class ModelService(QObject):
    """The GUI's handle on the model: owns both threads, declares the signals, tracks the model's state.

    ``state`` is a state, not a message: it changes only when the model does, and ``problem``
    keeps the reason while there is no model, whatever else is said meanwhile.
    """

    progress = Signal(object)  # Progress
    ready = Signal(object)  # ModelInfo
    load_failed = Signal(str)  # one line: why there is no model
    started = Signal(int)  # request id
    partial = Signal(int, str)  # request id, the answer so far (a server streams it; local models do not)
    answered = Signal(int, object)  # request id, Answer
    failed = Signal(int, str)  # request id, one-line message
    download_needed = Signal(object)  # hub.DownloadPlan: the GUI asks the user, then calls download()
    download_progress = Signal(object, object)  # bytes done, bytes in all (may pass 2**31)
    download_stopped = Signal(str)  # cancelled; what was fetched is kept
    downloaded = Signal()
    unloaded = Signal()
    released = Signal()  # the old model is dropped: collected here, then the new one loads
    state_changed = Signal(object)  # ModelState

    def __init__(self, factory: Callable[[], VisionModel], parent: QObject | None = None, downloader=None):
        super().__init__(parent)
        self.info: ModelInfo | None = None
        self.last_progress: Progress | None = None
        self.state = ModelState.LOADING
        self.problem = ""  # why there is no model (FAILED, NOT_DOWNLOADED), in full
        self._downloader, self._plan = downloader, None
        self._worker = ModelWorker(factory, downloader)  # each on a thread of its own (model_threads.py)
        self._fetcher = DownloadWorker()
        w = self._worker
        for theirs, ours in ((w.progress, self.progress), (w.ready, self.ready), (w.load_failed, self.load_failed),
                             (w.started, self.started), (w.partial, self.partial), (w.answered, self.answered),
                             (w.failed, self.failed), (w.download_needed, self.download_needed),
                             (w.unloaded, self.unloaded), (w.released, self.released)):
            theirs.connect(ours)  # queued: emitted again here, on the GUI thread
        self._fetcher.progress.connect(self._on_download_progress)
        self._fetcher.stopped.connect(self._on_download_stopped)
        self._fetcher.done.connect(self._on_downloaded)
        self._fetcher.failed.connect(self._on_download_failed)
        self._fetching = False  # False once a reload drops the download: its last events are not heard
        self.progress.connect(self._on_progress)
        self.ready.connect(self._on_ready)
        self.load_failed.connect(self._on_no_model)
        self.download_needed.connect(self._on_download_needed)
        self.download_stopped.connect(lambda message: self._on_no_model(message, ModelState.NOT_DOWNLOADED))
        self.downloaded.connect(self._request_load)
        self.unloaded.connect(lambda: self._set_state(ModelState.UNLOADED))
        self.released.connect(self._collect_then_load)
        self._idle = QTimer(self)  # frees the model's memory after a while unused (0 minutes: never)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self.unload)
        self.idle_minutes = 0
        for activity in (self.answered, self.failed, self.ready):
            activity.connect(self._restart_idle)

    def start(self) -> None:
        self._worker.start()
        self._fetcher.calls.start()

    @Slot()
    def _request_load(self) -> None:
        self._worker.request_load()

    @property
    def is_ready(self) -> bool:
        return self.info is not None

    @property
    def download_running(self) -> bool:
        """A download runs on its thread (also one a reload dropped, whose end is not heard)."""
        return self._fetcher.busy.is_set()

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
        """Fetch what ``download_needed`` asked for; the model loads when it is done."""
        if self._plan is None or self._downloader is None:
            return
        self._set_state(ModelState.DOWNLOADING)
        self._fetching = True
        self._fetcher.fetch(self._downloader, self._plan)

    def cancel_download(self) -> None:
        self._fetcher.cancel()

    def retry(self) -> None:
        """Look for the model again (after a refused or cancelled download, or a failed load)."""
        if not self.is_ready:
            self._set_state(ModelState.LOADING)
            self._worker.request_load()

    def reload(self, factory: Callable[[], VisionModel], downloader=None) -> None:
        self.info, self.last_progress = None, None
        self._downloader, self._plan = downloader, None
        self._fetching = False
        self._fetcher.cancel()
        self._set_state(ModelState.LOADING)
        self._worker.reload(factory, downloader)

    def set_generation(self, generation) -> None:
        self._worker.set_generation(generation)

    def unload(self) -> None:
        """Free the model's memory now; the next request loads it again."""
        if self.state is ModelState.READY:
            self._worker.unload()

    def set_idle_unload(self, minutes: float) -> None:
        """Free the model's memory after ``minutes`` without a request (0: never)."""
        self.idle_minutes = minutes
        self._restart_idle()

    @property
    def unload_in_s(self) -> float | None:
        """Seconds until the model's memory is freed for being idle; None while that is not due."""
        return self._idle.remainingTime() / 1000 if self._idle.isActive() else None

    def _restart_idle(self, *_args) -> None:
        self._idle.stop()
        if self.idle_minutes > 0:
            self._idle.start(max(1, round(self.idle_minutes * 60_000)))

    def shutdown(self, timeout_ms: int = 5000) -> None:
        self._worker.stop()
        self._fetcher.cancel()
        for thread in (self._worker.calls, self._fetcher.calls):
            thread.quit()
        for thread in (self._worker.calls, self._fetcher.calls):
            thread.wait(timeout_ms)
        self._worker.close()  # the model process ends with the app

    def _collect_then_load(self) -> None:
        # Here on the GUI thread, where collecting is safe (see gc_guard): the old weights go before the new ones.
        gc.collect()
        _empty_gpu_cache()
        self._worker.request_load()

    # -- the download's events: not heard once a reload dropped the download ------------------------
    def _on_download_progress(self, done, total) -> None:
        if self._fetching:
            self.download_progress.emit(done, total)

    def _on_download_stopped(self, message: str) -> None:
        if self._fetching:
            self._fetching = False
            self.download_stopped.emit(message)

    def _on_downloaded(self) -> None:
        if self._fetching:
            self._fetching = False
            self.downloaded.emit()

    def _on_download_failed(self, message: str) -> None:
        if self._fetching:
            self._fetching = False
            self.load_failed.emit(message)

    def _on_download_needed(self, plan) -> None:
        self._plan = plan
        self._set_state(ModelState.NOT_DOWNLOADED, _('{repo} is not downloaded yet.').format(repo=plan.repo))

    def _on_no_model(self, message: str, state: ModelState = ModelState.FAILED) -> None:
        self._worker.stop()  # what was asked meanwhile is not run by a later load
        self._set_state(state, message)

    def _on_progress(self, p: Progress) -> None:
        self.last_progress = p
        if self.state is not ModelState.LOADING:  # e.g. a finished download goes on to load
            self._set_state(ModelState.LOADING)

    def _on_ready(self, info: ModelInfo) -> None:
        self.info = info
        self._set_state(ModelState.READY)
