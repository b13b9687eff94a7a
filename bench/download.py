"""Benchmark: the first-run download over real HTTP, from a Hub on loopback (tests/fake_hub.py).

Prints, in one run:
- our fetch (hub.fetch: sizing, progress, .part files) against a plain urllib download of
  the same bytes from the same server to a file, as a ratio (1.0 = no overhead);
- cancel latency: from the Cancel request to fetch() raising, while bytes are flowing;
- resume: how many bytes the second fetch asks for after a cancel at about half way.

Usage: python bench/download.py [--mb 400] [--runs 3]   Not a test; no internet needed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
REPO = "bench/blip2-big"


def make_repo(folder: Path, megabytes: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "blip-2"}))
    with open(folder / "model.safetensors", "wb") as f:  # never loaded: only its bytes travel
        for _ in range(megabytes):
            f.write(os.urandom(1_000_000))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="blip-download-bench-"))
    make_repo(work / "repo", args.mb)
    os.environ["HF_HUB_OFFLINE"] = "0"
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    from fake_hub import FakeHub

    from assistant.core.model.local import hub

    with FakeHub(REPO, work / "repo") as server:
        os.environ["HF_ENDPOINT"] = server.url
        ours, plain = [], []
        for run in range(args.runs):
            os.environ["BLIP_ASSISTANT_DATA"] = str(work / f"data{run}")
            started = time.perf_counter()
            plan = hub.plan_download(REPO)
            hub.fetch(plan)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            url = f"{server.url}/{REPO}/resolve/main/model.safetensors"
            with urllib.request.urlopen(url) as response, open(work / f"plain{run}", "wb") as out:
                while chunk := response.read(10 * 1024 * 1024):
                    out.write(chunk)
            plain.append(time.perf_counter() - started)
        size = plan.bytes_total / 1e6
        print(f"download of {size:.0f} MB on loopback, {args.runs} runs (median):")
        print(f"  hub.fetch (with sizing)  {statistics.median(ours):.2f} s  {size / statistics.median(ours):.0f} MB/s")
        print(f"  urllib read + file write {statistics.median(plain):.2f} s  {size / statistics.median(plain):.0f} MB/s")
        print(f"  ratio ours / plain       {statistics.median(ours) / statistics.median(plain):.2f}x")

        os.environ["BLIP_ASSISTANT_DATA"] = str(work / "cancel")
        plan = hub.plan_download(REPO)
        cancel, asked = threading.Event(), []

        def on_bytes(done, total):
            if done >= total // 2 and not cancel.is_set():
                asked.append(time.perf_counter())
                cancel.set()

        try:
            hub.fetch(plan, on_bytes, cancel)
        except Exception:
            stopped = time.perf_counter()
        print(f"  cancel to stopped        {1000 * (stopped - asked[0]):.1f} ms (the next chunk is where it is seen)")
        again = hub.plan_download(REPO)
        server.ranges.clear()
        hub.fetch(again)
        start = next(s for name, s in server.ranges if name == "model.safetensors")
        refetched = plan.bytes_total - again.bytes_done
        print(f"  resume asked from byte   {start:,} of {plan.bytes_total:,}: the second fetch downloads "
              f"{refetched / 1e6:.1f} MB of {plan.bytes_total / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
