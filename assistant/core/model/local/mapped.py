"""safetensors files read through our own memory map, so that a tensor's pages can be handed back.

``safetensors.safe_open`` maps each file too, but gives no way to drop the pages of one tensor.
The format is small (an 8-byte header length, a JSON header of names, dtypes, shapes and byte
ranges, then the data), so the converted weights are read here: each tensor is a view of a
private, copy-on-write map (nothing is read until used), and ``release`` tells the kernel it
may drop the pages of a tensor no longer needed (an int8 layer once packed, a tensor once copied).
Those pages come back from the file if touched again, so a release is always safe.

``write_aligned`` writes such a file with every tensor's data at a multiple of 64 bytes in the
file, so at a multiple of 64 in memory once mapped: ``aten._weight_int8pack_mm`` loads its
weights with aligned vector loads, and an int8 weight at an odd multiple of 8 (where
``safetensors.save_file`` puts them: its header is padded to 8, the int8 tensors come last)
crashed the process (a general-protection fault on ``vmovdqa``). The file stays a valid
safetensors file (contiguous data, the header padded with spaces), readable by ``safe_open``.
"""

from __future__ import annotations

import json
import mmap
import threading
from collections.abc import Iterator
from pathlib import Path

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16, "I8": torch.int8, "U8": torch.uint8,
          "I16": torch.int16, "I32": torch.int32, "I64": torch.int64, "BOOL": torch.bool, "F64": torch.float64}
CODES = {dtype: code for code, dtype in DTYPES.items()}
ALIGN = 64  # bytes: a cache line, and what torch's own CPU allocator gives
_open: list[MappedFile] = []  # every map a tensor may still view, for ``release``
_lock = threading.Lock()


class MappedFile:
    """One safetensors file, mapped; its tensors in file order."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        length = int.from_bytes(self.map[:8], "little")
        header = json.loads(self.map[8:8 + length])
        self.base = 8 + length
        self.entries = sorted(((k, v) for k, v in header.items() if k != "__metadata__"),
                              key=lambda item: item[1]["data_offsets"][0])
        self.size = len(self.map)
        self.start = torch.frombuffer(self.map, dtype=torch.uint8, count=1).data_ptr() if self.size else 0
        with _lock:
            _open.append(self)

    def tensors(self) -> Iterator[tuple[str, torch.Tensor]]:
        for name, entry in self.entries:
            begin, end = entry["data_offsets"]
            dtype = DTYPES[entry["dtype"]]
            count = (end - begin) // torch.empty(0, dtype=dtype).element_size()
            flat = torch.frombuffer(self.map, dtype=dtype, count=count, offset=self.base + begin) if count else \
                torch.empty(0, dtype=dtype)
            yield name, flat.reshape(entry["shape"])

    def holds(self, tensor: torch.Tensor) -> bool:
        return self.size > 0 and self.start <= tensor.data_ptr() < self.start + self.size

    def drop(self, tensor: torch.Tensor) -> None:
        """Hand back the whole pages inside ``tensor``'s bytes."""
        page = mmap.PAGESIZE
        begin = tensor.data_ptr() - self.start
        end = begin + tensor.numel() * tensor.element_size()
        first, last = -(-begin // page) * page, end // page * page
        if last > first:
            self.map.madvise(mmap.MADV_DONTNEED, first, last - first)


def write_aligned(path: Path, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """A safetensors file in which each tensor whose size is a multiple of ``ALIGN`` starts at a multiple of it.

    Those tensors are written first (every tensor of the real models is such a size), then the
    rest; the header is padded with spaces so that the data starts at a multiple of ``ALIGN``.
    """
    def size(tensor: torch.Tensor) -> int:
        return tensor.numel() * tensor.element_size()

    items = sorted(tensors.items(), key=lambda item: (size(item[1]) % ALIGN != 0, item[0]))
    header: dict[str, object] = {}
    offset = 0
    for name, tensor in items:
        header[name] = {"dtype": CODES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + size(tensor)]}
        offset += size(tensor)
    if metadata:
        header["__metadata__"] = metadata
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-(8 + len(raw)) % ALIGN)
    with open(path, "wb") as f:
        f.write(len(raw).to_bytes(8, "little"))
        f.write(raw)
        for _name, tensor in items:
            if tensor.numel():
                f.write(tensor.detach().contiguous().reshape(-1).view(torch.uint8).numpy().data)


def read_mapped(files: list[Path]) -> Iterator[tuple[str, torch.Tensor]]:
    """Every tensor of ``files``, each a view of its file's map."""
    for path in files:
        yield from MappedFile(path).tensors()


def is_mapped(tensor: torch.Tensor) -> bool:
    """Whether ``tensor`` is a view of one of these maps (used as it is: its pages are read when first used)."""
    with _lock:
        return any(m.holds(tensor) for m in _open)


def release(tensor: torch.Tensor | None) -> None:
    """The pages of ``tensor`` are not needed now (a no-op for a tensor of no map)."""
    if tensor is None or not hasattr(mmap, "MADV_DONTNEED"):
        return
    with _lock:
        owner = next((m for m in _open if m.holds(tensor)), None)
    if owner is not None:
        owner.drop(tensor)


def forget_maps() -> None:
    """The model is gone: stop tracking its maps (each closes when its last tensor goes)."""
    with _lock:
        _open.clear()
