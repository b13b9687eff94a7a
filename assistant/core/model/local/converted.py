"""Converted weights, kept on disk so that the next start skips the conversion.

One folder per model under the cache folder (``BLIP_ASSISTANT_CACHE`` overrides it),
named by a key over everything that changes the result: the checkpoint's files (names,
sizes, modification times), the plan, torch and transformers versions, and our format
version. The shards are safetensors (never pickle); ``complete.json`` is written last,
so a folder without it (a crash, a full disk) is never read. A new key removes the
model's older folders. A model folder may be read-only or shared, so nothing is written
next to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import torch

from assistant.config import cache_dir

log = logging.getLogger(__name__)
FORMAT_VERSION = 2  # 2: each tensor at a multiple of 64 bytes (mapped.write_aligned)
SHARD_BYTES = 256 * 1024**2
READ_CHUNK_BYTES = 512 * 1024**2
COMPLETE = "complete.json"


def checkpoint_files(path: Path) -> list[Path]:
    """The checkpoint's safetensors files, in order."""
    return sorted(path.glob("*.safetensors"))


def read_tensors(files: list[Path], chunk_bytes: int = READ_CHUNK_BYTES) -> Iterator[tuple[str, torch.Tensor]]:
    """Every tensor of ``files``, one at a time.

    Each file is reopened after ``chunk_bytes`` so that its mapped pages do not pile up
    in the process's resident memory while a large checkpoint streams through.
    """
    from safetensors import safe_open

    for file in files:
        with safe_open(str(file), framework="pt") as f:
            names = list(f.keys())
        i = 0
        while i < len(names):
            with safe_open(str(file), framework="pt") as f:
                used = 0
                while i < len(names) and used < chunk_bytes:
                    tensor = f.get_tensor(names[i])
                    used += tensor.numel() * tensor.element_size()
                    yield names[i], tensor
                    i += 1


class ConvertedWeights:
    """The converted copy of one checkpoint for one plan: readable once complete, written once."""

    def __init__(self, model_path: Path, plan_label: str, root: Path | None = None):
        self.model_path = Path(model_path)
        self.key = _key(self.model_path, plan_label)
        self.model_dir = (root or cache_dir() / "converted") / _slug(self.model_path)
        self.dir = self.model_dir / self.key[:16]

    def complete(self) -> bool:
        try:
            done = json.loads((self.dir / COMPLETE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        shards = done.get("shards") if isinstance(done, dict) else None
        return done.get("key") == self.key and bool(shards) and all(
            (self.dir / name).is_file() and (self.dir / name).stat().st_size == size for name, size in shards
        )

    def read(self) -> Iterator[tuple[str, torch.Tensor]]:
        """Each tensor as a view of its mapped shard: nothing is read until used (``mapped.py``)."""
        from assistant.core.model.local.mapped import read_mapped

        done = json.loads((self.dir / COMPLETE).read_text(encoding="utf-8"))
        return read_mapped([self.dir / name for name, _ in done["shards"]])

    def writer(self) -> ShardWriter:
        return ShardWriter(self)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class ShardWriter:
    """Collects tensors and writes them in shards of about ``SHARD_BYTES``; failures only log.

    A shard is written on a thread while the next is collected (writing 4.7 GB took 11 s of
    a 55 s conversion), never more than one at a time, so at most two shards are in memory.
    """

    def __init__(self, target: ConvertedWeights):
        from concurrent.futures import ThreadPoolExecutor

        self.target = target
        self._pending: dict[str, torch.Tensor] = {}
        self._pending_bytes = 0
        self._shards: list[tuple[str, int]] = []
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="converted-writer")
        self._writing = None
        self._count = 0
        self.failed = False
        try:
            shutil.rmtree(target.dir, ignore_errors=True)
            target.dir.mkdir(parents=True)
        except OSError as err:
            self._fail(err)

    def add(self, name: str, tensor: torch.Tensor) -> None:
        if self.failed:
            return
        self._pending[name] = tensor.contiguous()
        self._pending_bytes += tensor.numel() * tensor.element_size()
        if self._pending_bytes >= SHARD_BYTES:
            self._flush()

    def finish(self) -> bool:
        """Write what is left and mark the folder complete; True if it was."""
        self._flush()
        self._wait()
        self._pool.shutdown(wait=True)
        if self.failed:
            return False
        try:
            done = self.target.dir / COMPLETE
            partial = done.with_suffix(".partial")
            partial.write_text(json.dumps({"key": self.target.key, "shards": self._shards}), encoding="utf-8")
            os.replace(partial, done)
        except OSError as err:
            self._fail(err)
            return False
        for old in self.target.model_dir.iterdir():
            if old != self.target.dir:
                shutil.rmtree(old, ignore_errors=True)
        return True

    def _flush(self) -> None:
        if self.failed or not self._pending:
            return
        self._count += 1
        name = f"shard-{self._count:05d}.safetensors"
        self._wait()
        self._writing = self._pool.submit(self._write, name, self._pending)
        self._pending, self._pending_bytes = {}, 0

    def _write(self, name: str, tensors: dict[str, torch.Tensor]) -> tuple[str, int]:
        from assistant.core.model.local.mapped import write_aligned

        write_aligned(self.target.dir / name, tensors, metadata={"format": "pt"})  # mapped and used as they lie
        return name, (self.target.dir / name).stat().st_size

    def _wait(self) -> None:
        if self._writing is None:
            return
        try:
            self._shards.append(self._writing.result())
        except OSError as err:
            self._fail(err)
        finally:
            self._writing = None

    def _fail(self, err: OSError) -> None:
        log.warning("converted weights not saved (%s); the next start converts again", err)
        self.failed = True
        self._pending = {}
        self.target.discard()


def _key(path: Path, plan_label: str) -> str:
    import transformers

    files = [(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in checkpoint_files(path)]
    facts = {
        "format": FORMAT_VERSION, "plan": plan_label, "model": str(path.resolve()), "files": files,
        "torch": torch.__version__, "transformers": transformers.__version__,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _slug(path: Path) -> str:
    resolved = str(path.resolve())
    name = path.parent.parent.name if path.parent.name == "snapshots" else path.name  # a Hub cache snapshot
    readable = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)[:60] or "model"
    return f"{readable}-{hashlib.sha256(resolved.encode()).hexdigest()[:8]}"
