"""In-process model vs the same model served by vLLM on loopback, on this machine's CPU.

Prints, for the tiny random BLIP-2 OPT the tests serve (heads 64 wide, fp32):
- seconds per answer, in-process vs through vLLM, one request at a time;
- answers per second through vLLM with 1, 4 and 16 clients at once (continuous batching);
- describe-folder images per minute, locally (one at a time) vs through vLLM (4 in flight).

Needs .venv-vllm (``bash tests/run`` makes it). Ratios are measured in one run: the machine is shared.

    python bench/remote.py [--answers 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.config import GenerationSettings, ModelSettings  # noqa: E402
from assistant.core.batch import AltTextFile, describe_folder  # noqa: E402
from assistant.core.model.local.blip2 import Blip2Model  # noqa: E402
from assistant.core.model.remote.client import RemoteModel  # noqa: E402
from assistant.devtools.tiny_model import save_tiny_model  # noqa: E402
from assistant.devtools.vllm_server import VllmServer, vllm_python  # noqa: E402

GENERATION = GenerationSettings(max_new_tokens=20, min_new_tokens=20)  # every answer the same length


def picture(n: int) -> Image.Image:
    image = Image.new("RGB", (320, 240), (n * 37 % 256, 90, 200 - n * 11 % 200))
    ImageDraw.Draw(image).rectangle((10 + n % 50, 20, 120 + n % 50, 200), fill=(250, 240 - n % 200, 10))
    return image


def per_answer(model, images: list[Image.Image]) -> list[float]:
    seconds = []
    for image in images:
        start = time.perf_counter()
        model.ask(image, "what is in the picture?")
        seconds.append(time.perf_counter() - start)
    return seconds


def throughput(server: VllmServer, clients: int, answers: int) -> float:
    models = [RemoteModel(ModelSettings(backend="server", server_url=server.url), GENERATION, key="") for _ in range(clients)]
    for model in models:
        model.load()
    images = [picture(n) for n in range(answers)]

    def one(n: int) -> None:
        models[n % clients].ask(images[n], "what is in the picture?")

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(answers)))
    elapsed = time.perf_counter() - start
    for model in models:
        model.close()
    return answers / elapsed


def folder_rate(models, images: int, root: Path, label: str) -> float:
    folder = root / f"images-{label}"
    folder.mkdir()
    for n in range(images):
        picture(n).save(folder / f"{n:03d}.png")
    start = time.perf_counter()
    outcome = describe_folder(folder, AltTextFile(root / f"alt-{label}.csv"), models)
    elapsed = time.perf_counter() - start
    assert outcome.described == images
    return 60 * images / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=40)
    args = parser.parse_args()
    python = vllm_python()
    if python is None:
        print("vLLM is not installed: run `bash tests/run` once to make .venv-vllm", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        checkpoint = save_tiny_model("opt", root / "blip2-opt-tiny-128", hidden=128)
        server = VllmServer(python, checkpoint, root / "vllm.log", "blip2-tiny")
        started = time.perf_counter()
        server.start()
        print(f"vLLM ready in {time.perf_counter() - started:.1f} s")
        try:
            local = Blip2Model(ModelSettings(model=str(checkpoint), device="cpu", cpu_precision="fp32"), GENERATION)
            local.load()
            remote = RemoteModel(ModelSettings(backend="server", server_url=server.url), GENERATION, key="")
            remote.load()
            images = [picture(n) for n in range(args.answers // 2)]
            per_answer(local, images[:3]), per_answer(remote, images[:3])  # warm-up: first-call costs
            mine, theirs = per_answer(local, images), per_answer(remote, images)
            ms_local, ms_remote = 1000 * statistics.median(mine), 1000 * statistics.median(theirs)
            print(f"one request at a time, 20 new tokens: in-process {ms_local:.0f} ms per answer (median of {len(mine)}), "
                  f"vLLM on loopback {ms_remote:.0f} ms ({ms_remote / ms_local:.2f}x)")
            rates = {clients: throughput(server, clients, args.answers) for clients in (1, 4, 16)}
            print("vLLM answers per second: " + ", ".join(f"{c} client{'s' if c > 1 else ''} {r:.1f}" for c, r in rates.items())
                  + f" (16 vs 1: {rates[16] / rates[1]:.2f}x)")
            local_rate = folder_rate([local], args.answers, root, "local")
            clients = [RemoteModel(ModelSettings(backend="server", server_url=server.url), GENERATION, key="") for _ in range(4)]
            for client in clients:
                client.load()
            server_rate = folder_rate(clients, args.answers, root, "server")
            print(f"describe-folder, {args.answers} images: locally {local_rate:.0f} images/minute, "
                  f"through vLLM with 4 in flight {server_rate:.0f} images/minute ({server_rate / local_rate:.2f}x)")
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
