"""GPU check: the app's CUDA path on the full-size blip2-opt-2.7b architecture (random weights).

For each plan (4-bit NF4, the app's default on CUDA; 8-bit; fp16 without quantization), in a
fresh process so that memory is its own, through the same ``Blip2Model`` the app runs:
load time, peak GPU memory, a caption and two follow-ups (10 new tokens each, greedy,
features reused), and decoding speed over 64 new tokens. Run it wherever a GPU is lent:

    python bench/gpu_check.py                 # builds the checkpoint once (~7.5 GB, bf16), then measures
    python bench/gpu_check.py --tiny-on-cpu   # the same script on the tiny model and the CPU: checks the script

Without CUDA it says so and measures nothing. Random weights give gibberish; the costs are real. Not a test.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from core_vs_seed import DEFAULT_CACHE, _image, build, converse  # noqa: E402

PLANS = ("4bit", "8bit", "none")


def measure(path: str, quantization: str, device: str) -> dict:
    import torch

    from assistant.config import GenerationSettings, ModelSettings
    from assistant.core.model.local.blip2 import Blip2Model

    cuda = device == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    model = Blip2Model(ModelSettings(model=path, device=device, quantization=quantization),
                       GenerationSettings(max_new_tokens=10, min_new_tokens=10))
    info = model.load()
    load_s = time.perf_counter() - start
    image = _image()
    turns = converse(model, image)
    same = model.caption(image).tokens == tuple(_reference_caption(model, image, 10))
    model.set_generation(GenerationSettings(max_new_tokens=20, min_new_tokens=20))
    model.caption(image)  # warm for this length
    steps: list[float] = []
    model.on_step = lambda step: steps.append(time.perf_counter())
    t = time.perf_counter()
    long = model.caption(image)
    caption_s = time.perf_counter() - t
    model.on_step = None
    per_token = (steps[-1] - steps[0]) / (len(steps) - 1)
    lm_bytes = _weight_bytes(model._model.language_model)
    bandwidth = _bandwidth(torch) if cuda else None
    return {
        "plan": quantization, "precision": info.precision, "reason": info.reason, "load_s": load_s, "turns_s": turns,
        "caption20_s": caption_s, "ms_per_token": 1000 * per_token, "identical_to_generate": same,
        "features_reused": long.features_reused, "lm_gb": lm_bytes / 1024**3,
        "bound_ms_per_token": 1000 * lm_bytes / bandwidth if bandwidth else None,
        "bandwidth_gb_s": bandwidth / 1e9 if bandwidth else None,
        "peak_gpu_gb": torch.cuda.max_memory_allocated() / 1024**3 if cuda else None,
    }


def _reference_caption(model, image, new_tokens: int) -> list[int]:
    """The seed path: processor + ``model.generate``, re-encoding the image (greedy)."""
    hf, processor = model._model, model._processor
    inputs = processor(images=image, return_tensors="pt").to(hf.device)
    inputs["pixel_values"] = inputs["pixel_values"].to(hf.vision_model.embeddings.patch_embedding.weight.dtype)
    out = hf.generate(**inputs, max_new_tokens=new_tokens, min_new_tokens=new_tokens)
    return out[0, hf.config.num_query_tokens + 1:].tolist()


def _weight_bytes(module) -> int:
    """Bytes a decoding step reads: every parameter and buffer of the language model once."""
    seen, total = set(), 0
    for t in [*module.parameters(), *module.buffers()]:
        if t.data_ptr() not in seen:
            seen.add(t.data_ptr())
            total += t.numel() * t.element_size()
    return total


def _bandwidth(torch) -> float:
    """Device memory bandwidth in bytes/s, measured: a 1 GiB copy reads and writes 2 GiB."""
    a = torch.empty(1024**3, dtype=torch.uint8, device="cuda")
    b = torch.empty_like(a)
    b.copy_(a)
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(10):
        b.copy_(a)
    torch.cuda.synchronize()
    return 10 * 2 * a.numel() / (time.perf_counter() - t)


def describe_machine() -> str:
    import torch

    parts = [f"torch {torch.__version__}"]
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        parts += [f"{props.name}, {props.total_memory / 1024**3:.0f} GiB", f"CUDA {torch.version.cuda}",
                  f"compute capability {props.major}.{props.minor}"]
    try:
        import bitsandbytes

        parts.append(f"bitsandbytes {bitsandbytes.__version__}")
    except ImportError:
        parts.append("no bitsandbytes")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--tiny-on-cpu", action="store_true", help="check the script on the tiny model, on the CPU")
    parser.add_argument("--only", nargs=3, metavar=("PATH", "PLAN", "DEVICE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(*args.only)))
        return
    import torch

    print(describe_machine())
    if args.tiny_on_cpu:
        from assistant.devtools.tiny_model import save_tiny_model

        path, device, plans = str(save_tiny_model("opt", Path(tempfile.mkdtemp()) / "tiny")), "cpu", ("none", "4bit")
    elif not torch.cuda.is_available():
        print("No CUDA GPU here: nothing to measure. Run this where a GPU is lent (or --tiny-on-cpu to check the script).")
        return
    else:
        build(args.cache)
        path, device, plans = str(args.cache), "cuda", PLANS
    for plan in plans:
        out = subprocess.run([sys.executable, __file__, "--only", path, plan, device], capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{plan}: failed: {out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        turns = ", ".join(f"{s:.2f}" for s in r["turns_s"])
        memory = f"; peak GPU memory {r['peak_gpu_gb']:.2f} GiB (target <= 4 GiB for 4-bit)" if r["peak_gpu_gb"] else ""
        bound = (f"; bandwidth bound {r['bound_ms_per_token']:.2f} ms/token ({r['lm_gb']:.2f} GiB of language model "
                 f"at {r['bandwidth_gb_s']:.0f} GB/s): {r['ms_per_token'] / r['bound_ms_per_token']:.1f}x the bound "
                 f"(target <= 3x)") if r["bound_ms_per_token"] else ""
        print(f"{plan} ({r['precision']}): load {r['load_s']:.1f} s; caption + 2 follow-ups [{turns}] s; "
              f"20-token caption {r['caption20_s']:.2f} s, {r['ms_per_token']:.1f} ms/token{bound}; "
              f"identical to model.generate: {r['identical_to_generate']}{memory}")


if __name__ == "__main__":
    main()
