"""Where the model runs and in which precision, decided from the hardware.

- CUDA: 4-bit NF4 with fp16 compute on the GPU (Q-Former fp32, ``lm_head`` unquantized).
- CPU: never 4-bit by default (bitsandbytes on a CPU is slower than bf16 and needs twice
  the memory). With native bf16 (AVX512-BF16 or AMX) everything runs in bf16; without
  it bf16 matrix multiplies are ~4x slower than fp32, so the vision encoder runs in fp32
  and the language model in fp32 when memory allows, else bf16.

``choose_plan`` is pure: tests feed it any hardware they like.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from assistant.config import ModelSettings
from assistant.core.errors import ModelLoadError

GIB = 1024**3
# Activations, the tokenizer, Python and the GUI, on top of the weights.
HEADROOM_BYTES = int(1.5 * GIB)
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


@dataclass(frozen=True)
class Hardware:
    cuda: bool = False
    cuda_name: str = ""
    cpu_native_bf16: bool = False
    available_memory: int | None = None  # bytes of RAM free for us, None if unknown


@dataclass(frozen=True)
class ModelSize:
    """Parameter counts by part, read from the checkpoint's headers."""

    vision: int = 0  # vision encoder + Q-Former + projection
    language: int = 0


@dataclass(frozen=True)
class LoadPlan:
    device: str  # "cuda" or "cpu"
    quantization: str  # "4bit", "8bit" or "none"
    language_dtype: str  # dtype name for the language model (and compute dtype when quantized)
    vision_dtype: str  # dtype for the vision encoder and projection (Q-Former always fp32)
    reason: str = ""

    @property
    def label(self) -> str:
        """Short name for the status line: cuda-4bit, cpu-fp32, cpu-fp32+bf16 ..."""
        if self.quantization != "none":
            return f"{self.device}-{self.quantization}"
        lang, vis = _short(self.language_dtype), _short(self.vision_dtype)
        return f"{self.device}-{lang}" if lang == vis else f"{self.device}-{vis}+{lang}"


def _short(dtype: str) -> str:
    return {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}[dtype]


def choose_plan(settings: ModelSettings, hw: Hardware, size: ModelSize | None = None) -> LoadPlan:
    device = settings.device
    if device == "auto":
        device = "cuda" if hw.cuda else "cpu"
    if device == "cuda" and not hw.cuda:
        raise ModelLoadError("A CUDA GPU was asked for, but none is available: use --device cpu or auto.")
    quant = settings.quantization
    if device == "cuda":
        quant = "4bit" if quant == "auto" else quant
        why = f"CUDA GPU {hw.cuda_name}".strip()
        return LoadPlan("cuda", quant, "float16", "float16", why)
    if quant in ("4bit", "8bit"):
        # Asked for explicitly; compute in bf16, since fp16 matrix maths is very slow on CPUs.
        return LoadPlan("cpu", quant, "bfloat16", "bfloat16", f"{quant} asked for on the CPU (slower than bf16)")
    return _cpu_plan(settings.cpu_precision, hw, size)


def _cpu_plan(precision: str, hw: Hardware, size: ModelSize | None) -> LoadPlan:
    if precision == "fp32":
        return LoadPlan("cpu", "none", "float32", "float32", "fp32 asked for")
    if precision == "bf16":
        return LoadPlan("cpu", "none", "bfloat16", "bfloat16", "bf16 asked for")
    if hw.cpu_native_bf16:
        return LoadPlan("cpu", "none", "bfloat16", "bfloat16", "CPU has native bf16")
    fp32_bytes = 4 * (size.vision + size.language) if size else None
    if fp32_bytes is None or hw.available_memory is None or fp32_bytes + HEADROOM_BYTES <= hw.available_memory:
        return LoadPlan("cpu", "none", "float32", "float32", "no native bf16; fp32 fits in memory")
    return LoadPlan(
        "cpu", "none", "bfloat16", "float32",
        f"no native bf16; fp32 needs {fp32_bytes / GIB:.1f} GiB, {hw.available_memory / GIB:.1f} GiB free",
    )


def detect_hardware() -> Hardware:
    import torch

    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else ""
    return Hardware(cuda=cuda, cuda_name=name, cpu_native_bf16=_native_bf16(torch), available_memory=available_memory())


def _native_bf16(torch) -> bool:
    cpu = getattr(torch, "cpu", None)
    for probe in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):
        check = getattr(cpu, probe, None)
        try:
            if check is not None and check():
                return True
        except (RuntimeError, AttributeError):  # pragma: no cover - older torch builds
            pass
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                flags = f.read(65536).split()
        except OSError:
            return False
        return any(flag in flags for flag in ("avx512_bf16", "amx_bf16", "bf16"))  # "bf16": Arm
    return False


def available_memory() -> int | None:
    """Bytes of RAM available to a new allocation, or None where we cannot tell."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
