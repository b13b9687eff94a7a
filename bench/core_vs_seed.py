"""Benchmark: our core vs the seed post's code path, full-size blip2-opt-2.7b architecture.

Builds the real architecture (ViT-g, 32 query tokens, OPT-2.7b) with random weights once
and caches it outside the repo (~7.5 GB, bf16 safetensors). Then, each in a fresh process
so that peak memory is its own, it times a caption plus two follow-up questions on one
image, 10 new tokens each, greedy:

- seed: ``processor(image, text)`` + ``model.generate`` every turn, float16 as the post does,
  re-encoding the image each time;
- ours: ``Blip2Model`` with the device/precision policy and reused image features;
- ours-fp32: the same with fp32 forced, to check the policy's choice on this CPU.

Usage: python bench/core_vs_seed.py [--cache DIR] [--only seed|ours|ours-fp32]
Random weights produce gibberish; timing does not depend on the words. Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

QUESTIONS = ["What does the red button say?", "Is there a person in the picture?"]
NEW_TOKENS = 10
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "blip-assistant-bench" / "blip2-opt-2.7b-random"


def build(out: Path) -> None:
    import torch
    from transformers import Blip2Config, Blip2ForConditionalGeneration, Blip2QFormerConfig, Blip2VisionConfig, OPTConfig

    from assistant.devtools.tiny_model import build_processor, build_tokenizer

    if (out / "config.json").exists():
        return
    t = time.perf_counter()
    tokenizer = build_tokenizer("opt", vocab_size=2000)
    text = OPTConfig(
        vocab_size=50272, hidden_size=2560, ffn_dim=10240, num_hidden_layers=32, num_attention_heads=32,
        word_embed_proj_dim=2560, max_position_embeddings=2048, pad_token_id=1, bos_token_id=2, eos_token_id=50118,
    )
    config = Blip2Config(
        vision_config=Blip2VisionConfig().to_dict(),  # defaults are ViT-g/14 at 224 px
        qformer_config=Blip2QFormerConfig().to_dict(),
        text_config=text.to_dict(),
        num_query_tokens=32,
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
    )
    torch.manual_seed(0)
    with torch.device("cpu"):
        model = Blip2ForConditionalGeneration(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True)
    build_processor(tokenizer, query_tokens=32, image_size=224).save_pretrained(out)
    print(f"built full-size random checkpoint in {time.perf_counter() - t:.0f} s at {out}", file=sys.stderr)


def _image():
    import numpy as np
    from PIL import Image

    return Image.fromarray(np.random.default_rng(0).integers(0, 255, (768, 1024, 3), dtype=np.uint8))


def run_seed(path: Path) -> dict:
    import torch
    from transformers import AutoProcessor, Blip2ForConditionalGeneration

    t = time.perf_counter()
    processor = AutoProcessor.from_pretrained(path)
    model = Blip2ForConditionalGeneration.from_pretrained(path, dtype=torch.float16)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model.to(device)
    load = time.perf_counter() - t
    image = _image()
    prompts = [None, f"Question: {QUESTIONS[0]} Answer:"]
    turns, answers = [], []
    for i in range(3):
        if i == 2:  # the post's chat prompt
            prompt = f"Question: {QUESTIONS[0]} Answer: {answers[1]}. Question: {QUESTIONS[1]} Answer:"
        else:
            prompt = prompts[i]
        t = time.perf_counter()
        inputs = processor(image, text=prompt, return_tensors="pt").to(device, torch.float16)
        ids = model.generate(**inputs, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS)
        answers.append(processor.batch_decode(ids, skip_special_tokens=True)[0].strip())
        turns.append(time.perf_counter() - t)
    return {"load_s": load, "turns_s": turns, "precision": "fp16 (seed)"}


def run_ours(path: Path, cpu_precision: str = "auto") -> dict:
    from assistant.config import GenerationSettings, ModelSettings
    from assistant.core.model.local.blip2 import Blip2Model

    t = time.perf_counter()
    settings = ModelSettings(model=str(path), cpu_precision=cpu_precision)
    model = Blip2Model(settings, GenerationSettings(max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS))
    info = model.load()
    load = time.perf_counter() - t
    return {"load_s": load, "turns_s": converse(model, _image()), "precision": f"{info.precision} ({info.reason})"}


def converse(model, image) -> list[float]:
    """Seconds for a caption and each of QUESTIONS as one conversation, through ``Blip2Model``."""
    from assistant.core.model.prompts import Turn

    turns, history = [], []
    t = time.perf_counter()
    model.caption(image)
    turns.append(time.perf_counter() - t)
    for q in QUESTIONS:
        t = time.perf_counter()
        answer = model.ask(image, q, history)
        history.append(Turn(q, answer.text))
        turns.append(time.perf_counter() - t)
    return turns


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--only", choices=["seed", "ours", "ours-fp32", "ours-int8"])
    args = parser.parse_args()
    if args.only:
        runners = {"seed": run_seed, "ours": run_ours, "ours-fp32": lambda p: run_ours(p, "fp32"),
                   "ours-int8": lambda p: run_ours(p, "int8")}
        result = runners[args.only](args.cache)
        result["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
        print(json.dumps(result))
        return
    build(args.cache)
    import tempfile

    # A fresh cache of converted weights: "ours" first converts (a first start), then reads it.
    env = {**os.environ, "BLIP_ASSISTANT_CACHE": tempfile.mkdtemp(prefix="bench-converted-")}
    results = {}
    # int8 forced too: what a CPU without native bf16 gets automatically (cold converts, warm reads the copy).
    for label, which in (("ours-cold", "ours"), ("ours", "ours"), ("seed", "seed"), ("ours-fp32", "ours-fp32"),
                         ("int8-cold", "ours-int8"), ("int8", "ours-int8")):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--cache", str(args.cache), "--only", which],
                             check=True, capture_output=True, text=True, env=env)
        results[label] = json.loads(out.stdout.strip().splitlines()[-1])
        results[label]["wall_s"] = time.perf_counter() - t
    import torch

    print(f"blip2-opt-2.7b architecture, random weights; CPU threads: {torch.get_num_threads()}; "
          f"caption + {len(QUESTIONS)} follow-ups, {NEW_TOKENS} new tokens each, greedy")
    for which, r in results.items():
        turns = ", ".join(f"{s:.1f}" for s in r["turns_s"])
        print(f"{which:9s} {r['precision']}: process wall {r['wall_s']:.1f} s; load {r['load_s']:.1f} s; "
              f"turns [{turns}] s; total {sum(r['turns_s']):.1f} s; peak RSS {r['peak_rss_gb']:.2f} GB")
    for label in ("ours", "ours-cold", "int8", "int8-cold"):
        print(f"{label}/seed process wall time: {results[label]['wall_s'] / results['seed']['wall_s']:.3f}x "
              f"(target <= 0.2x); peak RSS {results[label]['peak_rss_gb']:.2f} GB (target <= 6 GB)")
    ratio = sum(results["ours"]["turns_s"]) / sum(results["seed"]["turns_s"])
    print(f"ratio ours/seed (3 turns, load excluded): {ratio:.3f}x; "
          f"follow-ups {', '.join(f'{s:.1f}' for s in results['ours']['turns_s'][1:])} s (target <= 3 s each)")
    forced = sum(results["ours-fp32"]["turns_s"]) / sum(results["ours"]["turns_s"])
    print(f"ours with fp32 forced / ours with the automatic choice: {forced:.2f}x")
    int8 = sum(results["int8"]["turns_s"]) / sum(results["seed"]["turns_s"])
    print(f"ratio int8/seed (3 turns, load excluded): {int8:.3f}x; "
          f"follow-ups {', '.join(f'{s:.1f}' for s in results['int8']['turns_s'][1:])} s (target <= 3 s each)")


if __name__ == "__main__":
    main()
