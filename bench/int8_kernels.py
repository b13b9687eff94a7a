"""Which int8 kernel for the CPU plan, and what each costs to get ready: the whole model, layer by layer.

For every Linear layer of BLIP-2 OPT-2.7b (ViT-g vision encoder: 39 layers of qkv 1408x4224,
projection 1408x1408, fc1 1408x6144, fc2 6144x1408; OPT-2.7b: 32 layers of q, k, v, out
2560x2560, fc1 2560x10240, fc2 10240x2560; lm_head 2560x50272), timed on one layer of each
shape and multiplied out:
- pack: getting the int8 weights (int8 per output row, as the converted copy stores them) into
  the kernel's form, once per start;
- vision: one image through the vision encoder's Linear layers (257 rows);
- prefill: a 40-token prompt through the language model's (40 rows);
- token: one decoded token (1 row).
Kernels: fbgemm (what the app packs for), oneDNN and QNNPACK (torch's other quantized engines),
and ``aten._weight_int8pack_mm`` (int8 weight-only with bf16 inputs, used by gpt-fast on CPU;
no packing at all). Prints seconds, and each kernel's figures over fbgemm's. Not a test.

Usage: python bench/int8_kernels.py [--reps N]
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch

VISION = [(1408, 4224, 39), (1408, 1408, 39), (1408, 6144, 39), (6144, 1408, 39)]
LANGUAGE = [(2560, 2560, 128), (2560, 10240, 32), (10240, 2560, 32), (2560, 50272, 1)]
ROWS = {"vision": 257, "prefill": 40, "token": 1}


def quantized(in_f: int, out_f: int) -> tuple[torch.Tensor, torch.Tensor]:
    w = torch.randn(out_f, in_f) * 0.02
    scale = w.abs().amax(dim=1) / 127
    return (w / scale[:, None]).round().clamp(-127, 127).to(torch.int8), scale


def engine_kernel(engine: str):
    def pack(q, scale):
        torch.backends.quantized.engine = engine
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            weight = torch._make_per_channel_quantized_tensor(q, scale.double(), torch.zeros(len(scale), dtype=torch.long), 0)
            return torch.ops.quantized.linear_prepack(weight, None)

    def run(packed, x):
        return torch.ops.quantized.linear_dynamic(x, packed, engine != "qnnpack")

    return pack, run


def int8pack_kernel():
    def pack(q, scale):
        return q, scale.to(torch.bfloat16)

    def run(packed, x):
        return torch.ops.aten._weight_int8pack_mm(x.to(torch.bfloat16), packed[0], packed[1]).float()

    return pack, run


KERNELS = {"fbgemm": engine_kernel("fbgemm"), "oneDNN": engine_kernel("onednn"), "QNNPACK": engine_kernel("qnnpack"),
           "int8pack_mm (bf16)": int8pack_kernel()}


def timed(fn, reps: int) -> float:
    fn()  # the first call may pack lazily (QNNPACK does): counted under pack, below
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def measure(name: str, reps: int) -> dict[str, float]:
    pack, run = KERNELS[name]
    totals = dict.fromkeys(["pack", *ROWS], 0.0)
    for part, shapes in (("vision", VISION), ("language", LANGUAGE)):
        for in_f, out_f, count in shapes:
            q, scale = quantized(in_f, out_f)
            t = time.perf_counter()
            packed = pack(q, scale)
            run(packed, torch.randn(1, in_f))  # a lazy packer packs now
            totals["pack"] += (time.perf_counter() - t) * count
            for label, rows in ROWS.items():
                if (label == "vision") == (part == "vision"):
                    x = torch.randn(rows, in_f)
                    totals[label] += timed(lambda p=packed, x=x: run(p, x), reps if rows < 100 else max(1, reps // 4)) * count
    torch.backends.quantized.engine = "fbgemm"
    return totals


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=4)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU kernels: "
          f"{torch.backends.cpu.get_cpu_capability()}; BLIP-2 OPT-2.7b's int8 Linear layers")
    results = {name: measure(name, args.reps) for name in KERNELS}
    base = results["fbgemm"]
    print(f"{'kernel':20s} {'pack':>8s} {'vision':>8s} {'prefill40':>10s} {'token':>8s}   (seconds; x fbgemm)")
    for name, r in results.items():
        cells = " ".join(f"{r[k]:7.2f}s" if k != "token" else f"{r[k] * 1000:6.0f}ms" for k in ("pack", *ROWS))
        ratios = " ".join(f"{r[k] / base[k]:.2f}" for k in ("pack", *ROWS))
        print(f"{name:20s} {cells}   ({ratios})")


if __name__ == "__main__":
    main()
