"""Which int8 kernel for the CPU plan: one OPT-2.7b decoder layer's Linear layers, per kernel.

Times the six Linear layers of one decoder layer (q, k, v, out 2560x2560; fc1 2560x10240;
fc2 10240x2560) for one decoded token (1 row) and a 64-token prefill (64 rows), and prints
them ×32 layers. Candidates: fp32, bf16, torch's dynamic int8 (what the app uses, through
``assistant.core.model.local.int8``), and, when installed, torchao int8 weight-only (eager and
``torch.compile``) and optimum-quanto int8 weights. Not a test.

Usage: python bench/int8_kernels.py
"""

from __future__ import annotations

import copy
import time

import torch
from torch import nn

H, F = 2560, 10240
SHAPES = [(H, H)] * 4 + [(H, F), (F, H)]


def layer() -> nn.Sequential:
    return nn.Sequential(*[nn.Linear(i, o) for i, o in SHAPES]).eval()


def ours(base: nn.Sequential) -> nn.Sequential:
    from assistant.core.model.local import int8

    return nn.Sequential(*[int8.make_linear(*int8.quantize_weight(m.weight), m.bias) for m in base])


def candidates(base: nn.Sequential) -> dict:
    found = {"fp32": base, "bf16": copy.deepcopy(base).to(torch.bfloat16), "int8 (ours)": ours(base)}
    try:
        from torchao.quantization import Int8WeightOnlyConfig, quantize_

        m = copy.deepcopy(base)
        quantize_(m, Int8WeightOnlyConfig())
        found["torchao int8 weight-only"] = m
        found["torchao int8 weight-only, compiled"] = nn.Sequential(*[torch.compile(x) for x in copy.deepcopy(m)])
    except ImportError:
        print("torchao not installed: skipped")
    try:
        from optimum.quanto import freeze, qint8, quantize

        m = copy.deepcopy(base)
        quantize(m, weights=qint8)
        freeze(m)
        found["optimum-quanto int8 weights"] = m
    except ImportError:
        print("optimum-quanto not installed: skipped")
    return found


def per_layer_ms(model: nn.Sequential, rows: int, reps: int, dtype) -> float:
    xs = {i: torch.randn(rows, i, dtype=dtype) for i, _ in SHAPES}
    with torch.inference_mode():
        for m, (i, _) in zip(model, SHAPES):
            m(xs[i])
        t = time.perf_counter()
        for _ in range(reps):
            for m, (i, _) in zip(model, SHAPES):
                m(xs[i])
    return (time.perf_counter() - t) / reps * 1000


def main() -> None:
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; one OPT-2.7b layer's Linear layers, x32")
    for name, model in candidates(layer()).items():
        dtype = torch.bfloat16 if name == "bf16" else torch.float32
        decode, prefill = per_layer_ms(model, 1, 10, dtype), per_layer_ms(model, 64, 3, dtype)
        print(f"{name:36s} per decoded token {decode * 32:7.0f} ms; 64-token prefill {prefill * 32 / 1000:6.2f} s")


if __name__ == "__main__":
    main()
