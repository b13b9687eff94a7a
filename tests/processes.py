"""Ending the real programs a test started (servers, windows, screen readers)."""
from __future__ import annotations

import queue
import re
import subprocess
import threading
import time


def stop(*procs: subprocess.Popen, grace: float = 10) -> None:
    """Ask each to end (SIGTERM), and kill what has not ended after `grace` seconds.

    A teardown must never fail a test that passed: speech-dispatcher, for one, sometimes
    ignores SIGTERM while its audio module is still closing (seen in CI).
    """
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Lines:
    """The lines a program writes to ``stream``, read on a thread for a test to wait on.

    ``wait(pattern)`` returns the first matching line's match, whether the line came already
    or is still to come; with ``consume=True`` each line answers one wait only (a program
    that prints the same line for each of several events).
    """

    def __init__(self, stream, consume: bool = False):
        self.lines: list[str] = []
        self._consume = consume
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))

    def wait(self, pattern: str, timeout: float = 120) -> re.Match:
        regex = re.compile(pattern)
        for i, line in enumerate(self.lines):
            if m := regex.search(line):
                if self._consume:
                    del self.lines[i]
                return m
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}; got:\n" + "\n".join(self.lines[-40:])) from None
            if m := regex.search(line):
                if not self._consume:
                    self.lines.append(line)
                return m
            self.lines.append(line)

    def wait_until(self, condition, timeout: float = 60, what: str = "") -> None:
        """Until ``condition(lines)`` holds, re-checked at each new line."""
        deadline = time.monotonic() + timeout
        while not condition(self.lines):
            try:
                self.lines.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                raise AssertionError(f"timed out waiting for {what}; got:\n" + "\n".join(self.lines[-30:])) from None

    def seen(self, pattern: str) -> list[str]:
        """The lines so far that match ``pattern``, without waiting."""
        while not self._queue.empty():
            self.lines.append(self._queue.get_nowait())
        return [line for line in self.lines if re.search(pattern, line)]
