"""Alt text for a folder of images: each captioned (and, optionally, asked one question), resumably.

The output file is the record of what is done: a rerun reads it and skips those images, so a
run stopped by Ctrl+C, a crash or a server going down loses at most the images in flight. CSV
rows are appended and flushed one by one; JSON is rewritten whole, atomically, after each image.
A file that cannot be read as an image gets one line and is not written, so a rerun tries it again.

With a model server several requests are in flight at once (each worker has its own client), so
vLLM batches them; the local model answers one at a time.
"""

from __future__ import annotations

import csv
import json
import os
import queue
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from assistant.core.capture.images import load_image
from assistant.core.errors import ImageError
from assistant.core.model.backend import VisionModel
from assistant.i18n import _

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
FIELDS = ("file", "alt_text", "question", "answer")


@dataclass(frozen=True)
class Row:
    """One image's alt text (and its answer) in the output file."""

    file: str  # relative to the folder, with forward slashes
    alt_text: str
    question: str = ""
    answer: str = ""


def find_images(folder: Path, recursive: bool = False) -> list[Path]:
    """The images in ``folder`` by suffix, sorted, hidden files and folders left out."""
    pattern = "**/*" if recursive else "*"
    found = [p for p in folder.glob(pattern) if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
             and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
    return sorted(found)


class AltTextFile:
    """The output, CSV or JSON by its suffix; what it already holds is done."""

    def __init__(self, path: Path):
        if path.suffix.lower() not in (".csv", ".json"):
            raise ValueError(_('The output must end in .csv or .json, not {name}.').format(name=path.name))
        self.path, self.json = path, path.suffix.lower() == ".json"
        self.rows: list[dict] = self._read()
        self._lock = threading.Lock()

    @property
    def done(self) -> set[str]:
        return {row.get("file", "") for row in self.rows}

    def _read(self) -> list[dict]:
        if not self.path.exists() or self.path.stat().st_size == 0:
            return []
        try:
            if self.json:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, list):
                    raise ValueError("not a list")
                return [row for row in data if isinstance(row, dict)]
            with self.path.open(newline="", encoding="utf-8") as f:
                return list(csv.DictReader(f))
        except (OSError, ValueError, csv.Error) as err:
            raise ValueError(_('{path} exists but cannot be read as alt text ({err}); move it away or choose another output '
                               'file.').format(path=self.path, err=err)) from None

    def add(self, row: Row) -> None:
        record = {name: getattr(row, name) for name in FIELDS}
        with self._lock:
            self.rows.append(record)
            if self.json:
                tmp = self.path.with_name(f".{self.path.name}.tmp")
                tmp.write_text(json.dumps(self.rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                os.replace(tmp, self.path)
                return
            new = not self.path.exists() or self.path.stat().st_size == 0
            with self.path.open("a", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=FIELDS)
                if new:
                    writer.writeheader()
                writer.writerow(record)


@dataclass
class Outcome:
    """What a describe-folder run did."""

    described: int = 0
    skipped: int = 0  # not images we can read: said one per line
    already: int = 0  # done by an earlier run


def pending_images(folder: Path, out: AltTextFile, recursive: bool = False) -> tuple[list[Path], int]:
    """The images in ``folder`` not yet in ``out``, and how many are already there."""
    images = find_images(folder, recursive)
    done = out.done
    todo = [p for p in images if _relative(p, folder) not in done]
    return todo, len(images) - len(todo)


def describe_folder(
    folder: Path,
    out: AltTextFile,
    models: Iterable[VisionModel],
    *,
    question: str = "",
    recursive: bool = False,
    pending: tuple[list[Path], int] | None = None,
    on_done: Callable[[Row], None] = lambda row: None,
    on_skip: Callable[[str], None] = lambda message: None,
) -> Outcome:
    """Describe every image in ``folder`` not yet in ``out``, one worker per model in ``models``.

    ``pending`` is what ``pending_images`` gave, if the caller already looked. Each worker takes
    the next image until none is left; the callbacks run on the workers, one at a time. A model
    error (the server went down, the model failed) stops the others after the image each is on,
    and is raised; what was done is in ``out``.
    """
    todo, already = pending or pending_images(folder, out, recursive)
    outcome = Outcome(already=already)
    paths: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for path in todo:
        paths.put(path)
    stop, lock = threading.Event(), threading.Lock()

    def work(model: VisionModel) -> None:
        while not stop.is_set():
            try:
                path = paths.get_nowait()
            except queue.Empty:
                return
            row = _one(model, folder, path, question)
            with lock:
                if isinstance(row, str):
                    outcome.skipped += 1
                    on_skip(row)
                else:
                    out.add(row)
                    outcome.described += 1
                    on_done(row)

    models = list(models)
    with ThreadPoolExecutor(max_workers=len(models), thread_name_prefix="alt-text") as pool:
        for future in as_completed([pool.submit(work, model) for model in models]):
            if future.exception() is not None:
                stop.set()  # the others finish the image they are on, which is kept
                raise future.exception()
    return outcome


def _one(model: VisionModel, folder: Path, path: Path, question: str) -> Row | str:
    """The row for one image, or the one line that says why it was skipped."""
    name = _relative(path, folder)
    try:
        image = load_image(path)
    except ImageError as err:
        return f"skipped {name}: {err}"
    caption = model.caption(image)
    answer = model.ask(image, question).text if question else ""
    return Row(name, caption.text, question, answer)


def _relative(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()

