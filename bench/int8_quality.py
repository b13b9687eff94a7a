"""Quality guard: next-token logits of the int8 plan against fp32, on a fixed set of prompts.

Real weights cannot be fetched here, so caption quality cannot be measured. What can be:
for each prompt (image tokens + a question), the language model's next-token logits under
int8 and under fp32, compared as top-1 agreement and relative error ||int8 - fp32|| /
||fp32||. Run on the full-size blip2-opt-2.7b architecture with random weights (built by
``bench/core_vs_seed.py``) and on the tiny test checkpoints. Random weights give flat
logits, where top-1 flips easily; the relative error is the steadier figure.

Usage: python bench/int8_quality.py [--cache DIR] [--skip-full]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from core_vs_seed import DEFAULT_CACHE, build  # noqa: E402

QUESTIONS = [
    "what is in the picture?", "what does the red button say?", "is there a person?", "what colour is the sky?",
    "how many windows are open?", "where is the search box?", "what is the title of the page?", "is this a dialog?",
]


def images():
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8))
    flat = Image.new("RGB", (640, 480), (240, 240, 240))
    bars = Image.fromarray(np.repeat(np.linspace(0, 255, 640, dtype=np.uint8)[None, :, None], 480, 0).repeat(3, 2))
    return [noise, flat, bars]


def logits_for(path: Path, precision: str, form: str = "packed"):
    """``form``: "packed" (fbgemm, every layer packed) or "unpacked" (aten._weight_int8pack_mm, before packing)."""
    import torch

    from assistant.config import GenerationSettings, ModelSettings
    from assistant.core.model.local import packing
    from assistant.core.model.local.blip2 import Blip2Model
    from assistant.core.model.prompts import question_prompt

    start = packing.BackgroundPacker.start
    if form == "unpacked":
        packing.BackgroundPacker.start = lambda self: self  # the layers as a request finds them right after "ready"
    try:
        model = Blip2Model(ModelSettings(model=str(path), cpu_precision=precision), GenerationSettings())
        model.load()
    finally:
        packing.BackgroundPacker.start = start
    if form == "packed" and model._packer is not None:
        model._packer.wait()
    hf, out = model._model, []
    with torch.inference_mode():
        for image in images():
            _, feats, _ = model._image_features(image)
            for q in QUESTIONS:
                ids = model._prompt_ids(question_prompt(q))
                embeds = hf.get_input_embeddings()(ids)
                embeds = embeds.masked_scatter(hf.get_placeholder_mask(ids, embeds), feats.to(embeds.dtype))
                if model.info.family == "t5":
                    start = torch.tensor([[hf.config.text_config.decoder_start_token_id]])
                    logits = hf.language_model(inputs_embeds=embeds, decoder_input_ids=start).logits
                else:
                    logits = hf.language_model(inputs_embeds=embeds).logits
                out.append(logits[0, -1].float().clone())
    del model, hf
    gc.collect()
    return torch.stack(out)


def compare(name: str, path: Path) -> None:
    ref = logits_for(path, "fp32")
    for form, label in (("packed", "int8 packed (fbgemm)"), ("unpacked", "int8 not yet packed (int8pack_mm, bf16 in)")):
        got = logits_for(path, "int8", form)
        agree = (ref.argmax(-1) == got.argmax(-1)).float().mean().item()
        rel = ((got - ref).norm(dim=-1) / ref.norm(dim=-1))
        top5 = sum(len(set(r.topk(5).indices.tolist()) & set(g.topk(5).indices.tolist()))
                   for r, g in zip(ref, got)) / (5 * len(ref))
        print(f"{name}, {label}: {len(ref)} prompts; top-1 agreement {agree:.1%}; top-5 overlap {top5:.1%}; "
              f"relative logit error mean {rel.mean():.4f}, max {rel.max():.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--skip-full", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("BLIP_ASSISTANT_CACHE", tempfile.mkdtemp(prefix="bench-converted-"))
    from assistant.devtools.tiny_model import save_tiny_model

    root = Path(tempfile.mkdtemp(prefix="bench-tiny-"))
    for family in ("opt", "t5"):
        compare(f"tiny {family}", save_tiny_model(family, root / family))
    if not args.skip_full:
        build(args.cache)
        compare("blip2-opt-2.7b (random)", args.cache)


if __name__ == "__main__":
    main()
