"""int8 weights on the CPU: torch's dynamically quantized Linear (fbgemm / x86 engine).

Chosen by measurement on a 2-core AVX2 laptop-class CPU, one OPT-2.7b decoder layer
(``bench/int8_kernels.py``): per decoded token 4.1 ms (fp32 16.5 ms, bf16 8.9 ms,
torchao int8 weight-only 100 ms eager and no faster compiled, optimum-quanto 225 ms);
prefill of 64 tokens 34 ms (fp32 102 ms, bf16 482 ms). Weights are int8 per output
channel (symmetric, absolute maximum / 127); activations are quantized per call, per
tensor, which ``bench/int8_quality.py`` checks against fp32.

torch deprecates its quantized tensors (pytorch issue 184982). ``unavailable_reason``
tries a real quantized matmul; where it fails the CPU policy falls back to fp32 or bf16
and says why.
"""

from __future__ import annotations

import ctypes
import functools
import sys
import warnings
from collections.abc import Callable

import torch
from torch import nn

from assistant.core.errors import one_line


@functools.cache
def unavailable_reason() -> str | None:
    """None where int8 matmuls work in this torch; else why not, in a few words."""
    try:
        q, scale = quantize_weight(torch.ones(4, 4))
        layer = make_linear(q, scale, torch.zeros(4))
        out = layer(torch.ones(1, 4))
    except Exception as err:  # noqa: BLE001 - any failure means: not here
        return f"int8 is not available in this torch ({one_line(err)})"
    if out.shape != (1, 4) or not torch.allclose(out, torch.full((1, 4), 4.0), rtol=0.05):
        return "int8 matmuls give wrong results in this torch"
    return None


def quantize_weight(weight: torch.Tensor, rows: int = 128) -> tuple[torch.Tensor, torch.Tensor]:
    """``weight`` [out, in] as int8 and one fp32 scale per output row (symmetric: absolute maximum / 127).

    A block of rows at a time, through one fp32 buffer that stays in the cache: 3.4x faster than
    whole-tensor passes (the first start quantizes 3.7 G weights of BLIP-2 OPT-2.7b).
    """
    out_features, in_features = weight.shape
    q = torch.empty(out_features, in_features, dtype=torch.int8)
    scale = torch.empty(out_features, dtype=torch.float32)
    block = torch.empty(min(rows, out_features), in_features, dtype=torch.float32)
    for start in range(0, out_features, rows):
        n = min(rows, out_features - start)
        b = block[:n]
        b.copy_(weight[start:start + n])
        s = b.abs().amax(dim=1).div_(127.0).clamp_(min=1e-12)
        scale[start:start + n] = s
        q[start:start + n] = torch.round(b.div_(s[:, None]), out=b).clamp_(-127, 127)
    return q, scale


class Int8Linear(nn.Module):
    """A Linear with int8 weights (one scale per output row), in one of two forms.

    - Packed for fbgemm (``pack``): the fastest here, but packing runs at about 65-110 M
      weights per second per core, 15-30 s for the whole model. The input is quantized row
      by row: torch's int8 matmul quantizes its whole input with one scale, and a prompt's
      rows can differ a hundredfold in size (the 32 image tokens beside the words'
      embeddings), so each row is first divided by its own largest value and the result's
      rows multiplied back (exact before rounding): one int8 matmul per call, per-row precision.
    - Not yet packed: the int8 weights as stored (a view of the converted file, memory-mapped,
      so a warm start reads nothing), used by ``aten._weight_int8pack_mm`` with bf16 inputs,
      which needs no packing. A ``BackgroundPacker`` packs each layer after the model is ready
      and swaps it in; ``release`` then hands the stored weights' pages back.

    The form is one tuple, swapped whole, so a forward on another thread sees one or the other.
    """

    def __init__(self, q: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None, packed=None,
                 release: Callable[[torch.Tensor], None] | None = None):
        super().__init__()
        out_features, in_features = q.shape
        self.in_features, self.out_features = in_features, out_features
        self.register_buffer("bias", bias)
        self._release = release
        self._form = (None, None, packed) if packed is not None else (q, scale.to(torch.bfloat16), None)
        self._scale = scale

    @property
    def packed(self):
        return self._form[2]

    def pack(self) -> None:
        """Pack for fbgemm (on any thread), swap it in, and let the unpacked weights go."""
        q, _scale_bf16, packed = self._form
        if packed is not None:
            return
        self._form = (None, None, _prepack(q, self._scale))
        self._scale = None
        if self._release is not None:
            self._release(q)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q, scale_bf16, packed = self._form
        rows = x.reshape(-1, self.in_features)
        if packed is not None:
            rows = rows.float()
            size = rows.abs().amax(dim=1, keepdim=True).clamp_(min=1e-30)
            out = torch.ops.quantized.linear_dynamic(rows / size, packed, True)  # True: 7-bit inputs, as fbgemm needs
            out.mul_(size)
        else:
            out = torch.ops.aten._weight_int8pack_mm(rows.to(torch.bfloat16), q, scale_bf16).float()
        if self.bias is not None:
            out.add_(self.bias)
        return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)

    @property
    def weight(self) -> torch.Tensor:
        """An empty int8 tensor: for model code that checks a layer's weight dtype (T5 does), never its values."""
        return torch.empty(0, dtype=torch.int8)

    def extra_repr(self) -> str:
        form = "packed" if self.packed is not None else "not yet packed"
        return f"in_features={self.in_features}, out_features={self.out_features}, int8, {form}"


def _prepack(q: torch.Tensor, scale: torch.Tensor):
    out_features = q.shape[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation notice says nothing to users
        weight = torch._make_per_channel_quantized_tensor(
            q, scale.double(), torch.zeros(out_features, dtype=torch.long), 0,
        )
        return torch.ops.quantized.linear_prepack(weight, None)


def make_linear(q: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None, *, packed: bool = True,
                release: Callable[[torch.Tensor], None] | None = None) -> Int8Linear:
    """An ``Int8Linear`` holding ``q`` × ``scale``: packed now, or (``packed=False``) later by ``pack``."""
    # The bias is copied: a view of a mapped file would keep its pages resident.
    bias = None if bias is None else bias.to(torch.float32, copy=True)
    if packed or not unpacked_kernel_fits(q.shape[1]):
        return Int8Linear(q, scale, bias, packed=_prepack(q, scale))
    if q.data_ptr() % 64:  # the unpacked kernel's vector loads need aligned weights (mapped.write_aligned)
        mapped, q = q, q.clone()  # torch's allocator aligns to 64 bytes
        if release is not None:
            release(mapped)
    return Int8Linear(q, scale, bias, release=release)


def unpacked_kernel_fits(in_features: int) -> bool:
    """Whether ``aten._weight_int8pack_mm`` is right for a layer of this input width.

    torch 2.13 on AVX2: a width not a multiple of 8 gave wrong sums or crashed. Every width of
    the BLIP-2 models is a multiple of 32.
    """
    return in_features % 32 == 0


def is_int8(module: nn.Module) -> bool:
    """Whether ``module`` runs in int8."""
    return isinstance(module, Int8Linear)


def release_freed_memory() -> None:
    """Give freed heap pages back to the system (glibc keeps them, and RSS with them)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # pragma: no cover - musl and others
            pass
