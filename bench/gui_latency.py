"""Benchmark: launch-to-window time, and the longest GUI stall while the model loads and answers.

1. Launch: `python -m assistant` in a fresh process on an Xvfb screen, timed from the
   process start until its window is mapped (xdotool search, polled). Target <= 1.5 s.
2. Stall: in-process, a 5 ms QTimer in the GUI thread records the longest gap between
   ticks while the worker loads a model, describes a 1920x1080 capture and answers two
   follow-ups. Target <= 50 ms. Run with the tiny model (always) and with the full-size
   random blip2-opt-2.7b from bench/core_vs_seed.py when it is cached.

Usage: python bench/gui_latency.py [--runs 5]   (needs Xvfb and xdotool). Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def installed_env(display: str) -> dict:
    """The app's environment as a user's install has it: bytecode compiled (pip compiles on install)."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HF_HUB_OFFLINE": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # set on this machine: every start would compile every module
    return env


def start_xvfb() -> tuple[subprocess.Popen, str]:
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp", "-noreset"],
                            pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        return proc, f":{f.readline().strip()}"


def launch_times(model: Path, display: str, runs: int) -> list[float]:
    env = installed_env(display)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        log = tempfile.TemporaryFile()
        app = subprocess.Popen([sys.executable, "-m", "assistant", "--model", str(model)], env=env,
                               stdout=log, stderr=log)
        # Poll (xdotool's own --sync sleeps 0.5 s between looks, too coarse to time this).
        while subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "^BLIP Assistant$"], env=env,
                             capture_output=True).returncode != 0:
            if time.perf_counter() - start > 30 or app.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the window never appeared: {log.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.005)  # unpaused, the polling itself made Xvfb refuse the app's connection now and then
        times.append(time.perf_counter() - start)
        app.terminate()
        app.wait(30)
    return times


def stall_run(model: Path, display: str) -> dict:
    """Runs in a child process (a fresh QApplication per model); prints the figures as one line."""
    out = subprocess.run([sys.executable, __file__, "--stall-child", str(model)], check=True, capture_output=True, text=True,
                         env=installed_env(display))
    return eval(out.stdout.strip().splitlines()[-1])  # our own dict literal


def stall_child(model: str) -> None:
    from PIL import Image
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from assistant.app import compose, model_factory
    from assistant.config import GenerationSettings, ModelSettings, Settings
    from assistant.core.access.clicks import FakeClicker
    from assistant.core.access.element import FakeProbe
    from assistant.core.capture.screen import FakeCapturer
    from assistant.core.hotkeys.source import FakeHotkeys
    from assistant.core.speech import SilentSpeaker
    from assistant.qt.model_service import ModelService

    QApplication([])
    settings = Settings(ModelSettings(model=model), GenerationSettings(max_new_tokens=10, min_new_tokens=10))
    capture = Image.effect_noise((1920, 1080), 60).convert("RGB")
    parts, _ = compose(settings, ModelService(model_factory(settings)), FakeCapturer(capture), speaker=SilentSpeaker(),
                       make_hotkeys=FakeHotkeys, settle_ms=0,
                       probe=FakeProbe(), clicker=FakeClicker())
    window, service = parts.window, parts.service
    window.show()
    clock, gaps, phase = QElapsedTimer(), {}, ["loading"]
    last = [0]

    dump = os.environ.get("BENCH_STALL_DUMP")  # where to write the stacks of every stall over 50 ms
    dump_file = open(dump, "w") if dump else None  # noqa: SIM115

    def tick():
        if dump_file:
            import faulthandler

            faulthandler.cancel_dump_traceback_later()
            faulthandler.dump_traceback_later(0.055, file=dump_file)
        now = clock.elapsed()
        gaps[phase[0]] = max(gaps.get(phase[0], 0), now - last[0] - 5)
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()

    def wait(signal):
        loop = QEventLoop()
        signal.connect(loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)

    def wait_answer():  # the pending turn becomes the answer: its item changes and nothing is pending
        loop = QEventLoop()

        def changed(_item):
            if not parts.controller.pending:
                loop.quit()

        window.history_view.itemChanged.connect(changed)
        loop.exec()
        window.history_view.itemChanged.disconnect(changed)

    start = time.perf_counter()
    service.start()
    wait(service.ready)
    load_s = time.perf_counter() - start
    phase[0] = "answering"
    window.actions_by_name["describe_screen"].trigger()
    wait_answer()
    for question in ("what does the red button say?", "is there a person?"):
        window.question.setText(question)
        window.actions_by_name["ask"].trigger()
        wait_answer()
    answer_s = time.perf_counter() - start - load_s
    timer.stop()
    service.shutdown()
    print({"load_s": load_s, "answers_s": answer_s, **{f"stall_{k}_ms": v for k, v in gaps.items()}})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stall-child")
    args = parser.parse_args()
    if args.stall_child:
        stall_child(args.stall_child)
        return
    from core_vs_seed import DEFAULT_CACHE

    import assistant
    from assistant.devtools.tiny_model import save_tiny_model

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(assistant.__file__).parent)], check=True)
    xvfb, display = start_xvfb()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tiny = save_tiny_model("opt", Path(tmp) / "tiny-opt")
            times = launch_times(tiny, display, args.runs)
            print(f"launch to window shown: median {statistics.median(times):.2f} s, "
                  f"min {min(times):.2f}, max {max(times):.2f} over {len(times)} runs (target <= 1.5 s)")
            models = [("tiny", tiny)]
            if (DEFAULT_CACHE / "config.json").exists():
                models.append(("blip2-opt-2.7b random", DEFAULT_CACHE))
            for label, path in models:
                r = stall_run(path, display)
                print(f"{label}: load {r['load_s']:.1f} s, caption + 2 answers {r['answers_s']:.1f} s; "
                      f"longest GUI stall: {r['stall_loading_ms']} ms while loading, "
                      f"{r['stall_answering_ms']} ms while answering (target <= 50 ms)")
    finally:
        xvfb.terminate()


if __name__ == "__main__":
    main()
