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
    from assistant.core.model.blip2 import Blip2Model

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
    model.set_generation(GenerationSettings(max_new_tokens=64, min_new_tokens=64))
    model.caption(image)  # warm for this length
    t = time.perf_counter()
    long = model.caption(image)
    decode_s = time.perf_counter() - t
    return {
        "plan": quantization, "precision": info.precision, "reason": info.reason, "load_s": load_s, "turns_s": turns,
        "tokens_per_s": len(long.tokens) / decode_s if decode_s else 0.0, "features_reused": long.features_reused,
        "peak_gpu_gb": torch.cuda.max_memory_allocated() / 1024**3 if cuda else None,
    }


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
        memory = f"; peak GPU memory {r['peak_gpu_gb']:.2f} GiB" if r["peak_gpu_gb"] is not None else ""
        print(f"{plan} ({r['precision']}): load {r['load_s']:.1f} s; caption + 2 follow-ups [{turns}] s; "
              f"decoding {r['tokens_per_s']:.1f} tokens/s over 64; features reused {r['features_reused']}{memory}")


if __name__ == "__main__":
    main()
