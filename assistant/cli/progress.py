"""Loading progress on the terminal: one line updated in place on a TTY (tqdm), a few lines on a pipe.

tqdm is the progress bar huggingface_hub and transformers already use; on a terminal it
redraws one line with a carriage return. When stderr is a file or a pipe (a log, a CI run,
a screen reader's terminal review), a line is printed only when the stage changes, and each
quarter of a download, so the log stays a few lines long. ``--quiet`` prints none.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from assistant.core.model.backend import Progress, ProgressCallback


def progress_printer(quiet: bool = False, stream: TextIO | None = None) -> ProgressCallback | None:
    """Loading progress on stderr (one line redrawn on a terminal); None with ``quiet``."""
    if quiet:
        return None
    stream = stream or sys.stderr
    return _Bar(stream) if stream.isatty() else _StageLines(stream)


class _StageLines:
    def __init__(self, stream: TextIO):
        self.stream = stream
        self.last: tuple[str, int] | None = None

    def __call__(self, p: Progress) -> None:
        key = (p.stage, int(p.percent // 25) if p.stage == "downloading" else 0)
        if key != self.last:
            self.last = key
            print(p, file=self.stream, flush=True)


class _Bar:
    def __init__(self, stream: TextIO):
        from tqdm import tqdm

        self.stream = stream
        size = shutil.get_terminal_size((80, 24))  # a terminal that reports no size gets 80 by 24, not none
        self.bar = tqdm(total=100, file=stream, bar_format="{desc}: {percentage:3.0f}% |{bar:20}|", leave=False,
                        ncols=size.columns, nrows=size.lines)

    def __call__(self, p: Progress) -> None:
        if self.bar.disable:  # closed: a late report after "ready"
            return
        self.bar.set_description_str(f"{p.stage} ({p.detail})" if p.detail else p.stage, refresh=False)
        self.bar.n = p.percent
        self.bar.refresh()
        if p.percent >= 100:  # done: the bar goes, one line says what was loaded
            self.bar.close()
            self.bar.disable = True
            print(p, file=self.stream, flush=True)
