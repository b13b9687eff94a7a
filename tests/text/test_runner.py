"""The text reader's own process: answers beside the caller, ends when the app ends (even killed), recovers from a crash."""

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.core.text.reader import TextReadError
from assistant.core.text.runner import ProcessTextRunner
from tests.text.screens import dialog


def alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text().lower()


def test_the_process_reads_and_after_a_crash_the_next_image_starts_another():
    runner = ProcessTextRunner()
    try:
        image, expected = dialog()
        lines = runner.submit(image).result(120)
        assert {line.text for line in lines} >= {"Sign in", "Delete", "Cancel"}
        pid = next(iter(runner._pool._processes))
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(TextReadError, match="stopped"):
            runner.submit(image).result(60)
        assert runner.submit(image).result(120)  # a fresh process
    finally:
        runner.close()


def test_the_process_ends_when_the_app_is_killed():
    host = subprocess.Popen([sys.executable, str(Path(__file__).with_name("runner_host.py"))], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    worker = int(host.stdout.readline())
    assert alive(worker)
    ended = os.pidfd_open(worker)  # readable once the worker has exited
    host.kill()  # SIGKILL: no clean-up in the app at all
    host.wait(10)
    readable, _, _ = select.select([ended], [], [], 10)
    os.close(ended)
    assert readable and not alive(worker)
