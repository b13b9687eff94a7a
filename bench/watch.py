"""Benchmark: watch mode, the real app on Xvfb watching a real xterm (Orca and speech-dispatcher for what is heard).

Three parts:
- cpu: the app watching a static terminal for ``--seconds`` (60): CPU time of the app and its text-reader
  process together, as a share of one core; the same app not watching, over the same span, for comparison.
  Target: <= 3 % of one core.
- latency: a terminal prints a line on cue; the time from the cue to the line reaching speech-dispatcher
  (its own log's timestamps), median of ``--runs`` (10). Target: <= 1.5 s.
- memory: the app watching a terminal that prints a new line every second for ``--minutes`` (20): the
  resident memory of the app and of its text-reader process, sampled every 30 s. Target: flat within 20 MB.
Not a test. Usage: python bench/watch.py [--part cpu|latency|memory|all] [--seconds 60] [--runs 10] [--minutes 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.focus import desktop, press  # noqa: E402
from tests.xscreen.conftest import _search  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def family(pid: int) -> list[int]:
    """``pid`` and its descendants (the app, its model and text-reader processes)."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout.split()
    children: dict[int, list[int]] = {}
    for child, parent in zip(out[::2], out[1::2]):
        children.setdefault(int(parent), []).append(int(child))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += children.get(p, [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def command_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def terminal(env, title: str, script: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(["xterm", "-T", title, "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry", "60x12+600+400",
                             "-e", "sh", "-c", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        wid = _search(env, f"^{title}$")
        if wid:
            return proc, wid
        time.sleep(0.1)
    raise RuntimeError(f"no {title} window")


def start_app(env, tmp: Path):
    from assistant.devtools.tiny_model import save_tiny_model
    from tests.xscreen.test_app_on_x import App

    model = save_tiny_model("opt", tmp / "tiny")
    app = App(["--model", str(model), "--log-level", "info"], env)
    app.wait_line(r"Model ready on", 600)
    return app


def start_watching(env, app, wid: str) -> None:
    subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=env, check=True)
    press(env, "ctrl+alt+shift+c")
    app.wait_line(r"lines on screen at the start", 60)


def text_reader(app_pid: int) -> int | None:
    return next((p for p in family(app_pid)[1:] if "multiprocessing" in command_of(p) and rss_mb(p) > 50
                 and "model" not in command_of(p)), None)


def part_cpu(seconds: float) -> None:
    with desktop() as (env, tmp):
        proc, wid = terminal(env, "Still", "printf '\\033[?25l'; printf '%s\\n' 'Nothing happens here' "
                                           "'for a while'; exec cat")
        app = start_app(env, tmp)
        try:
            subprocess.run(["xdotool", "windowactivate", "--sync", wid], env=env, check=True)
            time.sleep(5)  # the text reader warms up; then the app at rest
            pids = family(app.proc.pid)
            before = cpu_seconds(pids)
            time.sleep(seconds)
            idle = (cpu_seconds(pids) - before) / seconds
            start_watching(env, app, wid)
            time.sleep(2)
            pids = family(app.proc.pid)
            before = cpu_seconds(pids)
            time.sleep(seconds)
            watching = (cpu_seconds(pids) - before) / seconds
            press(env, "ctrl+alt+shift+c")
            frames = app.wait_line(r"watch ended: (\d+) frames, (\d+) unchanged, (\d+) read", 10)
            print(f"cpu, static 60x12 terminal, {seconds:.0f} s: watching {100 * watching:.2f} % of one core "
                  f"(not watching {100 * idle:.2f} %; the watch's own {100 * (watching - idle):.2f} %); "
                  f"{frames.group(1)} frames, {frames.group(2)} unchanged, {frames.group(3)} read; target <= 3 %")
        finally:
            app.close()
            proc.terminate()


def part_latency(runs: int) -> None:
    from tests.xscreen.orca import OrcaDesktop, normalise, spoken_with_times

    with desktop() as (env, tmp):
        with OrcaDesktop(env, tmp / "orca") as orca:
            fifo = tmp / "cue"
            os.mkfifo(fifo)
            script = (f"printf '\\033[?25l'; i=0; while :; do until read x < {fifo}; do :; done; i=$((i+1)); "
                      "printf 'Message number %d has arrived\\n' $i; done")
            proc, wid = terminal(orca.env, "Chat", script)
            app = start_app(orca.env, tmp)
            try:
                start_watching(orca.env, app, wid)
                delays = []
                for i in range(1, runs + 1):
                    orca.settle()
                    mark = orca.mark()
                    cued = time.time()
                    with open(fifo, "w") as cue:
                        cue.write("go\n")
                    want = normalise(f"Message number {i} has arrived")
                    orca.wait_heard(want, 30, since=mark)
                    said = spoken_with_times(orca.logdir)[mark:]
                    delays.append(next(t for t, s in said if want in normalise(s)) - cued)
                print(f"latency, new line drawn -> speech-dispatcher (median of {runs}): "
                      f"{statistics.median(delays):.2f} s (min {min(delays):.2f}, max {max(delays):.2f}); "
                      "target <= 1.5 s")
            finally:
                app.close()
                proc.terminate()


def part_memory(minutes: float) -> None:
    with desktop() as (env, tmp):
        script = ("printf '\\033[?25l'; i=0; while :; do i=$((i+1)); "
                  "printf 'Event %d arrived at %s\\n' $i \"$(date +%T)\"; sleep 1; done")
        proc, wid = terminal(env, "Log", script)
        app = start_app(env, tmp)
        try:
            start_watching(env, app, wid)
            reader = text_reader(app.proc.pid)
            samples = []
            end = time.monotonic() + 60 * minutes
            while True:
                samples.append((rss_mb(app.proc.pid), rss_mb(reader) if reader else 0.0))
                print(f"  {len(samples) * 0.5 - 0.5:5.1f} min: app {samples[-1][0]:.1f} MB, "
                      f"text reader {samples[-1][1]:.1f} MB", flush=True)
                if time.monotonic() >= end:
                    break
                time.sleep(30)
            press(env, "ctrl+alt+shift+c")
            frames = app.wait_line(r"watch ended: (\d+) frames, (\d+) unchanged, (\d+) read, \d+ paused, (\d+) changes",
                                   10)
            apps, readers = [s[0] for s in samples], [s[1] for s in samples]
            warm = len(samples) // 10  # the first minutes: allocators and caches reach their size
            print(f"memory over {minutes:g} min of a line a second ({frames.group(1)} frames, {frames.group(4)} "
                  f"changes): app {apps[0]:.1f} -> {apps[-1]:.1f} MB (max {max(apps):.1f}; after "
                  f"{warm * 0.5:g} min {apps[warm]:.1f} -> {apps[-1]:.1f}, {apps[-1] - apps[warm]:+.1f} MB), text reader "
                  f"{readers[0]:.1f} -> {readers[-1]:.1f} MB (max {max(readers):.1f}, "
                  f"{readers[-1] - readers[warm]:+.1f} MB after {warm * 0.5:g} min); target: flat within 20 MB")
        finally:
            app.close()
            proc.terminate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", default="all", choices=["cpu", "latency", "memory", "all"])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--minutes", type=float, default=20)
    args = parser.parse_args()
    if args.part in ("cpu", "all"):
        part_cpu(args.seconds)
    if args.part in ("latency", "all"):
        part_latency(args.runs)
    if args.part in ("memory", "all"):
        part_memory(args.minutes)


if __name__ == "__main__":
    main()
