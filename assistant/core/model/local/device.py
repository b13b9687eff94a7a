"""Where the model runs and in which precision, decided from the hardware.

- CUDA: 4-bit NF4 with fp16 compute on the GPU (Q-Former fp32, ``lm_head`` unquantized).
- CPU: never bitsandbytes by default (slower than bf16 and twice the memory). The fastest
  plan whose measured peak memory, plus headroom, fits what is free: without native bf16
  int8, then fp32, fp32 vision + bf16 language, bf16; with native bf16 (AVX512-BF16, AMX)
  bf16, then int8. Settings can force any of them.

``choose_plan`` is pure: tests feed it any hardware they like.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, replace

from assistant.config import ModelSettings
from assistant.core.errors import ModelLoadError
from assistant.i18n import _

GIB = 1024**3
# Activations, the tokenizer, Python and the GUI, on top of the weights.
HEADROOM_BYTES = int(1.5 * GIB)
# Measured peak minus the weights (bench/cpu_plans.py, opt-2.7b): fp32 0.7 GiB, bf16 0.9 GiB,
# int8 0.9 GiB reading its converted copy and 1.9 GiB on the first start, which converts.
PEAK_EXTRA_BYTES = {"int8": int(1.9 * GIB), "fp32": int(1.0 * GIB), "fp32+bf16": int(1.0 * GIB), "bf16": int(1.0 * GIB)}
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


@dataclass(frozen=True)
class Hardware:
    """What this computer has: GPU, memory, CPU features."""

    cuda: bool = False
    cuda_name: str = ""
    cpu_native_bf16: bool = False
    available_memory: int | None = None  # bytes of RAM free for us, None if unknown


@dataclass(frozen=True)
class ModelSize:
    """Parameter counts by part, read from the checkpoint's headers."""

    vision: int = 0  # vision encoder + Q-Former + projection
    language: int = 0
    linear: int = 0  # of both, the weights of the Linear layers that the int8 plan stores in int8


@dataclass(frozen=True)
class LoadPlan:
    """How the model will be loaded: device, quantization, precision, and why."""

    device: str  # "cuda" or "cpu"
    quantization: str  # "4bit", "8bit" (bitsandbytes), "int8" (CPU, torch's int8 matmuls) or "none"
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


def choose_plan(settings: ModelSettings, hw: Hardware, size: ModelSize | None = None,
                int8_problem: str | None = None, family: str = "opt") -> LoadPlan:
    """The plan for ``settings`` on ``hw``; ``int8_problem`` says why int8 cannot run here (None: it can).

    int8 is chosen automatically only for OPT language models: on Flan-T5, whose attention
    is unscaled, the tiny random checkpoint's int8 logits drifted far from fp32 (relative
    error 0.69 against 0.03 for OPT), and no real Flan-T5 weights could be checked. It can
    still be chosen by hand.
    """
    device = settings.device
    if device == "auto":
        device = "cuda" if hw.cuda else "cpu"
    if device == "cuda" and not hw.cuda:
        raise ModelLoadError(_("A CUDA GPU was asked for, but none is available: use --device cpu or auto."))
    quant = settings.quantization
    if device == "cuda":
        quant = "4bit" if quant == "auto" else quant
        why = f"CUDA GPU {hw.cuda_name}".strip()
        return LoadPlan("cuda", quant, "float16", "float16", why)
    if quant in ("4bit", "8bit"):
        # Asked for explicitly; compute in bf16, since fp16 matrix maths is very slow on CPUs.
        return LoadPlan("cpu", quant, "bfloat16", "bfloat16", f"{quant} asked for on the CPU (slower than bf16)")
    return _cpu_plan(settings.cpu_precision, hw, size, int8_problem, family)


CPU_PLANS = {
    "int8": LoadPlan("cpu", "int8", "float32", "float32"),
    "fp32": LoadPlan("cpu", "none", "float32", "float32"),
    "fp32+bf16": LoadPlan("cpu", "none", "bfloat16", "float32"),
    "bf16": LoadPlan("cpu", "none", "bfloat16", "bfloat16"),
}
# Fastest first, as measured on opt-2.7b, 2 cores (bench/cpu_plans.py, bench/core_vs_seed.py).
# AVX2 without native bf16: per decoded token int8 0.17 s, fp32 0.67 s, bf16 2.4 s. With native bf16
# (AMD Zen 4, AVX512-BF16 and VNNI): a caption and two follow-ups took int8 3.8 s, bf16 14.3 s,
# fp32 26.3 s, and int8 peaked lower (5.0 GB against 7.9), so int8 comes first there too; bf16 is
# for Flan-T5, where int8 is not chosen automatically.
ORDER_WITHOUT_BF16 = ("int8", "fp32", "fp32+bf16", "bf16")
ORDER_WITH_BF16 = ("int8", "bf16")


def _cpu_plan(precision: str, hw: Hardware, size: ModelSize | None, int8_problem: str | None, family: str) -> LoadPlan:
    if precision != "auto":
        if precision == "int8" and int8_problem:
            raise ModelLoadError(_('{int8_problem}: choose fp32 or bf16 in Settings.').format(int8_problem=int8_problem))
        return replace(CPU_PLANS[precision], reason=f"{precision} asked for")
    order = ORDER_WITH_BF16 if hw.cpu_native_bf16 else ORDER_WITHOUT_BF16
    names = [n for n in order if not (n == "int8" and (int8_problem or family != "opt"))]
    cpu = "native bf16" if hw.cpu_native_bf16 else "no native bf16"
    if size is None or hw.available_memory is None:
        return replace(CPU_PLANS[names[0]], reason=f"{cpu}; the fastest plan (free memory unknown)")
    free = hw.available_memory
    for name in names:
        need = peak_bytes(name, size) + HEADROOM_BYTES
        if need <= free:
            return replace(CPU_PLANS[name], reason=f"{cpu}; the fastest plan that fits: needs {need / GIB:.1f} GiB "
                                                   f"at its peak with headroom, {free / GIB:.1f} GiB free")
    smallest = min(names, key=lambda n: peak_bytes(n, size))
    need = peak_bytes(smallest, size) + HEADROOM_BYTES
    return replace(CPU_PLANS[smallest], reason=f"{cpu}; the smallest plan, though it needs {need / GIB:.1f} GiB "
                                               f"and {free / GIB:.1f} GiB is free")


def peak_bytes(plan_name: str, size: ModelSize) -> int:
    """Peak resident memory of loading and answering with a CPU plan, from measured figures.

    The weights in the plan's form, plus what bench/cpu_plans.py measured beyond them on
    opt-2.7b (torch itself, one tensor in flight, activations, a shard of the converted
    copy being written).
    """
    other = size.vision + size.language - size.linear
    if plan_name == "int8":
        weights = size.linear + 4 * other
    elif plan_name == "fp32":
        weights = 4 * (size.vision + size.language)
    elif plan_name == "fp32+bf16":
        weights = 4 * size.vision + 2 * size.language
    else:
        weights = 2 * (size.vision + size.language)
    return weights + PEAK_EXTRA_BYTES[plan_name]


def detect_hardware() -> Hardware:
    """What this computer has, measured now."""
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
