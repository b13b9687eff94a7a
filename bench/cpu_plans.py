"""Benchmark: the CPU plans and the int8 packing candidates on the full-size blip2-opt-2.7b (random weights).

Each run is a fresh process (its own imports and peak memory), timed from the moment it is
started: ready (the model loaded), the caption's first token, then a caption and two
follow-ups of 10 new tokens each, greedy. Printed per run: process start to ready, to the
caption's first token, each turn's first-token latency and ms per decoded token, the whole
process, and peak RSS. The int8 candidates, all reading the same converted copy:
- "packed in the background" (the app): ready without packing; layers not yet packed run on
  ``aten._weight_int8pack_mm``; packing for fbgemm runs between requests, paused while one runs;
- "packed before ready" (the last release): every layer packed for fbgemm before "ready";
- "never packed": ``aten._weight_int8pack_mm`` only.
int8 "cold" converts the checkpoint first (a first start; it is then read by the warm runs).

Usage: python bench/cpu_plans.py [--plans int8,fp32,bf16] [--cache DIR]
Not a test; this machine is shared, so compare the figures of one run with each other.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core_vs_seed import DEFAULT_CACHE, NEW_TOKENS, QUESTIONS, _image, build  # noqa: E402

PACKING = {"background": "packed in the background", "before": "packed before ready", "never": "never packed"}


def run_plan(path: Path, precision: str, packing_mode: str, t0: float) -> dict:
    from assistant.config import GenerationSettings, ModelSettings
    from assistant.core.model.local import packing
    from assistant.core.model.local.blip2 import Blip2Model
    from assistant.core.model.prompts import Turn

    imported = time.time() - t0
    if packing_mode == "before":
        packing.EAGER_BELOW = 1 << 62  # every layer packed inside load(), as before
    elif packing_mode == "never":
        packing.BackgroundPacker.start = lambda self: self
    model = Blip2Model(ModelSettings(model=str(path), cpu_precision=precision),
                       GenerationSettings(max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS))
    info = model.load()
    ready = time.time() - t0
    load_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    steps: list[float] = []
    model.on_step = lambda step: steps.append(time.time())
    image, history, turns = _image(), [], []
    for q in [None, *QUESTIONS]:
        steps.clear()
        t = time.time()
        answer = model.caption(image) if q is None else model.ask(image, q, history)
        if q is not None:
            history.append(Turn(q, answer.text))
        per_token = (steps[-1] - steps[0]) / (len(steps) - 1) if len(steps) > 1 else 0.0
        turns.append({"wall_s": time.time() - t, "first_token_s": steps[0] - t, "ms_per_token": 1000 * per_token,
                      "first_token_at_s": steps[0] - t0})
    packer = model._packer
    packed = sum(1 for m in model._model.modules() if getattr(m, "packed", None) is not None)
    return {"plan": info.precision, "weights": info.weights, "imported_s": imported, "ready_s": ready,
            "load_peak_gb": load_rss, "turns": turns, "packed_layers": packed,
            "packing_done": bool(packer is None or packer.done.is_set()),
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--plans", default="int8,fp32,bf16")
    parser.add_argument("--packing", default="background,before,never", help="int8 candidates")
    parser.add_argument("--warm-only", action="store_true", help="int8: skip the cold run (BLIP_ASSISTANT_CACHE holds "
                                                                   "the converted copy)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="background", help=argparse.SUPPRESS)
    parser.add_argument("--t0", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_plan(args.cache, args.one, args.mode, args.t0)))
        return
    build(args.cache)
    converted = Path(os.environ.get("BLIP_ASSISTANT_CACHE") or tempfile.mkdtemp(prefix="bench-converted-"))
    env = {**os.environ, "BLIP_ASSISTANT_CACHE": str(converted)}
    runs = []
    jobs = []
    for plan in args.plans.split(","):
        if plan == "int8":
            if not args.warm_only:
                jobs.append(("int8 cold, packed in the background", plan, "background"))
            jobs += [(f"int8 warm, {PACKING[mode]}", plan, mode) for mode in args.packing.split(",")]
        else:
            jobs.append((plan, plan, "background"))
    for label, plan, mode in jobs:
        t0 = time.time()
        out = subprocess.run([sys.executable, __file__, "--cache", str(args.cache), "--one", plan, "--mode", mode,
                              "--t0", repr(t0)], capture_output=True, text=True, env=env)
        if out.returncode:
            print(f"{label}: failed\n{out.stderr[-2000:]}")
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        result["label"], result["process_s"] = label, time.time() - t0
        runs.append(result)
        print(f"{label}: {json.dumps(result)}", file=sys.stderr, flush=True)
    import torch

    print(f"blip2-opt-2.7b architecture, random weights; CPU threads {torch.get_num_threads()} "
          f"({torch.backends.cpu.get_cpu_capability()}); caption + {len(QUESTIONS)} follow-ups, {NEW_TOKENS} new tokens each")
    for r in runs:
        turns = "; ".join(f"{t['wall_s']:.1f} s (first token {t['first_token_s']:.2f} s, {t['ms_per_token']:.0f} ms/token)"
                          for t in r["turns"])
        print(f"{r['label']}: imports {r['imported_s']:.1f} s, ready {r['ready_s']:.1f} s, caption's first token at "
              f"{r['turns'][0]['first_token_at_s']:.1f} s, process {r['process_s']:.1f} s from its start; "
              f"peak RSS loading {r['load_peak_gb']:.2f} GB, overall {r['peak_rss_gb']:.2f} GB; "
              f"layers packed by the end {r['packed_layers']}\n    turns: {turns}")


if __name__ == "__main__":
    main()
