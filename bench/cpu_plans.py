"""Benchmark: each CPU plan on the full-size blip2-opt-2.7b architecture (random weights).

Each plan runs in a fresh process (its own peak memory): load, then a caption and two
follow-ups of 10 new tokens each, greedy. Printed per plan: load time, the first token's
latency per turn (the image encoder and the prompt's prefill), ms per decoded token, and
peak RSS. int8 runs twice: cold (converting, and saving the converted copy) and warm
(reading that copy). Uses the checkpoint that ``bench/core_vs_seed.py`` builds.

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


def run_plan(path: Path, precision: str) -> dict:
    from assistant.config import GenerationSettings, ModelSettings
    from assistant.core.model.local.blip2 import Blip2Model
    from assistant.core.model.prompts import Turn

    t = time.perf_counter()
    model = Blip2Model(ModelSettings(model=str(path), cpu_precision=precision),
                       GenerationSettings(max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS))
    info = model.load()
    load_s = time.perf_counter() - t
    load_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    steps: list[float] = []
    model.on_step = lambda step: steps.append(time.perf_counter())
    image, history, turns = _image(), [], []
    for q in [None, *QUESTIONS]:
        steps.clear()
        t = time.perf_counter()
        answer = model.caption(image) if q is None else model.ask(image, q, history)
        if q is not None:
            history.append(Turn(q, answer.text))
        per_token = (steps[-1] - steps[0]) / (len(steps) - 1) if len(steps) > 1 else 0.0
        turns.append({"wall_s": time.perf_counter() - t, "first_token_s": steps[0] - t, "ms_per_token": 1000 * per_token,
                      "prompt_tokens_reused": answer.prompt_tokens_reused})
    return {"plan": info.precision, "weights": info.weights, "load_s": load_s, "load_peak_gb": load_rss, "turns": turns,
            "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--plans", default="int8,fp32,bf16")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_plan(args.cache, args.one)))
        return
    build(args.cache)
    converted = Path(tempfile.mkdtemp(prefix="bench-converted-"))
    env = {**os.environ, "BLIP_ASSISTANT_CACHE": str(converted)}
    runs = []
    for plan in args.plans.split(","):
        for label in (["int8 cold", "int8 warm"] if plan == "int8" else [plan]):
            t = time.perf_counter()
            out = subprocess.run([sys.executable, __file__, "--cache", str(args.cache), "--one", plan],
                                 capture_output=True, text=True, env=env)
            if out.returncode:
                print(f"{label}: failed\n{out.stderr[-2000:]}")
                continue
            result = json.loads(out.stdout.strip().splitlines()[-1])
            result["label"], result["process_s"] = label, time.perf_counter() - t
            runs.append(result)
    import torch

    print(f"blip2-opt-2.7b architecture, random weights; CPU threads {torch.get_num_threads()}; "
          f"caption + {len(QUESTIONS)} follow-ups, {NEW_TOKENS} new tokens each")
    for r in runs:
        turns = "; ".join(f"first token {t['first_token_s']:.2f} s, {t['ms_per_token']:.0f} ms/token"
                          f" (reused {t['prompt_tokens_reused']})" for t in r["turns"])
        print(f"{r['label']:9s} {r['plan']}: load {r['load_s']:.1f} s ({r['weights']}), peak RSS while loading "
              f"{r['load_peak_gb']:.2f} GB, overall {r['peak_rss_gb']:.2f} GB; process {r['process_s']:.1f} s\n"
              f"          turns: {turns}")


if __name__ == "__main__":
    main()
