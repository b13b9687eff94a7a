"""Packing the int8 layers for fbgemm after the model is ready, while no request runs.

Packing runs at about 55-110 M weights per second per core: 20-45 s of CPU for BLIP-2 OPT-2.7b,
most of a warm start when it was done before "ready". Layers not yet packed run on
``aten._weight_int8pack_mm``, which needs no packing, so the model is ready as soon as its
weights are mapped. ``bench/int8_kernels.py`` on a 2-core AVX2 CPU: fbgemm needs 44 s of packing
and then takes 5.9 s per image, 2.6 s per 40-token prompt and 123 ms per token; the unpacked
kernel 0.4 s, 14.0 s, 5.6 s and 262 ms. So a request never waits for packing, and packing
never takes a core from a request: it runs between requests, on every core, in the order a
request uses the layers (the vision encoder first). Started at sign-in, the model is packed
before the user's first request; a request in the first half minute after a start is slower.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import contextmanager

from torch import nn

from assistant.core.model.local import int8

log = logging.getLogger(__name__)
# Below this many int8 weights packing takes under half a second: done before "ready", so a small model
# answers with one kernel from its first request (and the same request always gives the same answer).
EAGER_BELOW = 64_000_000


def packing_threads() -> int:
    """One thread for each core (at most 4): packing runs only while no request does."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 2)
    return max(1, min(4, cores))


class BackgroundPacker:
    """Packs every unpacked ``Int8Linear`` of a model, in forward order; ``stop`` ends it early."""

    def __init__(self, model: nn.Module, threads: int | None = None):
        self.layers = [m for m in model.modules() if isinstance(m, int8.Int8Linear) and m.packed is None]
        self.threads = threads or packing_threads()
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._idle = threading.Event()  # set while no request runs
        self._idle.set()
        self._requests = 0
        self._workers: list[threading.Thread] = []
        self._left = self.threads
        self.started = self.seconds = 0.0
        self.done = threading.Event()
        if not self.layers:
            self.done.set()

    def start(self) -> BackgroundPacker:
        """Pack on threads; a small model is packed now, before this returns."""
        if sum(layer.in_features * layer.out_features for layer in self.layers) < EAGER_BELOW:
            for layer in self.layers:
                layer.pack()
            self.done.set()
            return self
        if self.layers:
            import atexit

            atexit.register(self.stop)  # a thread inside a packing call when Python ends would abort the process
            self.started = time.perf_counter()
            self._workers = [threading.Thread(target=self._work, name=f"int8-pack-{i}", daemon=True)
                             for i in range(self.threads)]
            for worker in self._workers:
                worker.start()
        return self

    @contextmanager
    def hold(self):
        """While a request runs: packing pauses after the layer it is on, so the request has every core."""
        with self._lock:
            self._requests += 1
            self._idle.clear()
        try:
            yield
        finally:
            with self._lock:
                self._requests -= 1
                if self._requests == 0:
                    self._idle.set()

    def stop(self) -> None:
        """Stop after the layers being packed now (at most a couple of seconds)."""
        self._stop.set()
        self._idle.set()
        for worker in self._workers:
            worker.join()
        self._workers, self.layers = [], []
        import atexit

        atexit.unregister(self.stop)  # nothing of the model is kept alive by it

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)

    def _work(self) -> None:
        try:
            while not self._stop.is_set():
                self._idle.wait()
                if self._stop.is_set():
                    break
                with self._lock:
                    if self._next >= len(self.layers):
                        break
                    layer, self._next = self.layers[self._next], self._next + 1
                    trim = self._next % 16 == 0
                layer.pack()
                if trim:  # each thread's heap keeps what packing freed: hand it back as it goes, not at the end
                    int8.release_freed_memory()
        except Exception:  # noqa: BLE001 - the unpacked kernel still answers: slower, never wrong
            log.warning("packing the int8 layers stopped; they keep the unpacked kernel", exc_info=True)
        finally:
            with self._lock:
                self._left -= 1
                last = self._left == 0
            if last:
                self.seconds = time.perf_counter() - self.started
                count, self.layers = len(self.layers), []
                int8.release_freed_memory()
                if not self._stop.is_set():
                    log.info("int8 layers packed in the background: %d in %.1f s on %d threads", count, self.seconds,
                             self.threads)
                self.done.set()
