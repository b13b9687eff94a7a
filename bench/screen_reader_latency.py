"""Benchmark: global hotkey press -> first words reaching speech-dispatcher, under the real Orca.

Runs Orca 43 and speech-dispatcher on Xvfb (tests/xscreen/orca.py), the app with the default
"auto" speech (which finds Orca and speaks through speech-dispatcher), and an xterm with focus
showing a line of text. The model is the tiny one, or with ``--model DIR`` a real-size one
(``--model ~/.cache/blip-assistant-bench/blip2-opt-2.7b-random --cpu-precision int8``: the
full-size architecture, whose caption takes seconds on a CPU, so the text found comes first).
For each press of Ctrl+Alt+Shift+S it reports, from the moment xdotool was started:
- "Describing the screen…" synthesis start (speech-dispatcher's own log timestamp);
- the text found ("Text on screen: …") synthesis start, when it is said before the caption;
- the answer ready (the app's log: "answered in M ms", counted from the hotkey's key event);
- the caption's synthesis start; the speech part = caption heard - answer ready.
Target: the speech part adds at most 200 ms. The xdotool start-up (~20 ms) falls into the
speech part, since the answer time starts at the hotkey event. Not a test.

Usage: python bench/screen_reader_latency.py [--runs 10] [--model DIR --cpu-precision int8]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.xscreen.orca import OrcaDesktop, normalise, spoken_with_times  # noqa: E402
from tests.xscreen.test_app_on_x import App  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--model", type=Path, help="a model folder (default: the tiny model)")
    parser.add_argument("--cpu-precision", default="auto")
    parser.add_argument("--wait", type=float, default=10, help="seconds to wait for each caption to be heard")
    args = parser.parse_args()
    from assistant.core.history.store import HistoryStore
    from assistant.devtools.tiny_model import save_tiny_model

    tmp = Path(tempfile.mkdtemp())
    model = args.model or save_tiny_model("opt", tmp / "tiny")
    (tmp / "run").mkdir(mode=0o700)
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stderr=subprocess.DEVNULL)
    os.close(write_fd)
    display = ":" + os.fdopen(read_fd).readline().strip()
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "HF_HUB_OFFLINE": "1", "HOME": str(tmp),
           "XDG_CONFIG_HOME": str(tmp / ".config"), "XDG_RUNTIME_DIR": str(tmp / "run"), "XDG_CACHE_HOME": str(tmp / ".cache"),
           "BLIP_ASSISTANT_CONFIG": str(tmp / "none.json"), "BLIP_ASSISTANT_DATA": str(tmp / "data"),
           # the converted copy of a real-size model, where earlier runs left it: a warm start
           "BLIP_ASSISTANT_CACHE": os.environ.get("BLIP_ASSISTANT_CACHE", str(Path.home() / ".cache" / "blip-assistant"))}
    wm = subprocess.Popen(["openbox", "--sm-disable"], env=env, stderr=subprocess.DEVNULL)
    with OrcaDesktop(env, tmp / "orca") as orca:
        term = subprocess.Popen(["xterm", "-T", "Terminal", "-fa", "DejaVu Sans Mono", "-fs", "16", "-geometry", "60x8+40+40",
                                 "-e", "sh", "-c", "echo 'Invoice total 42 euros'; cat"], env=orca.env,
                                stderr=subprocess.DEVNULL)
        app = App(["--model", str(model), "--cpu-precision", args.cpu_precision, "--log-level", "info"], orca.env)
        try:
            app.wait_line(r"Model ready on", timeout=300)
            orca.wait_heard("Model ready", 20)
            term_id = ""
            while not term_id:
                term_id = subprocess.run(["xdotool", "search", "--name", "^Terminal$"], env=orca.env,
                                         capture_output=True, text=True).stdout.strip()
            busy, text_heard, answered, caption_heard, speech_part = [], [], [], [], []
            for _ in range(args.runs):
                subprocess.run(["xdotool", "windowactivate", "--sync", term_id], env=orca.env, check=True)
                time.sleep(1.2)  # presses within 1 s are one request (the burst guard)
                app.lines.clear()
                mark = len(spoken_with_times(orca.logdir))
                start = time.time()
                subprocess.run(["xdotool", "key", "ctrl+alt+shift+s"], env=orca.env, check=True)
                answer_ms = int(app.wait_line(r"action describe_screen: captured in \d+ ms, answered in (\d+) ms",
                                              timeout=args.wait).group(1))
                store = HistoryStore(tmp / "data")
                caption = normalise(store.get(store.list()[0].id).turns[0].answer)
                store.close()
                deadline = time.time() + 10
                while True:
                    said = spoken_with_times(orca.logdir)[mark:]
                    first = next((t for t, text in said if "describing the screen" in normalise(text)), None)
                    text_first = next((t for t, text in said if "text on screen" in normalise(text)), None)
                    heard = next((t for t, text in said if caption and caption in normalise(text)), None)
                    if (first and heard) or time.time() > deadline:
                        break
                    time.sleep(0.02)
                if not (first and heard):
                    print("a run was not heard in 10 s; spoken:", [text for _, text in said])
                    continue
                busy.append(1000 * (first - start))
                if text_first and text_first < heard:
                    text_heard.append(1000 * (text_first - start))
                answered.append(answer_ms)
                caption_heard.append(1000 * (heard - start))
                speech_part.append(1000 * (heard - start) - answer_ms)
            med = statistics.median
            print(f"{len(busy)} runs under Orca 43 + speech-dispatcher, {'tiny BLIP-2' if args.model is None else model} "
                  f"({args.cpu_precision}), xterm focused, medians:")
            print(f"  key -> 'Describing the screen' reaches speech-dispatcher: {med(busy):.0f} ms")
            if text_heard:
                print(f"  key -> the text found ('Text on screen: ...') reaches speech-dispatcher, before the caption: "
                      f"{med(text_heard):.0f} ms ({len(text_heard)} of {len(busy)} runs)")
            print(f"  key -> answer ready (app log, from the hotkey event): {med(answered):.0f} ms")
            print(f"  key -> caption reaches speech-dispatcher: {med(caption_heard):.0f} ms "
                  f"(min {min(caption_heard):.0f}, max {max(caption_heard):.0f})")
            print(f"  speech part (caption heard - answer ready): {med(speech_part):.0f} ms "
                  f"(max {max(speech_part):.0f}; target <= 200 ms)")
        finally:
            app.close()
            term.terminate()
    wm.terminate()
    xvfb.terminate()


if __name__ == "__main__":
    main()
