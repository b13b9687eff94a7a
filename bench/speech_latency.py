"""Benchmark: from answer text ready to the first audio sample played, and stop() to silence.

First sample: a 30-word answer is given to Pyttsx3Speaker.say(); ALSA's default device
appends whatever aplay plays to a file; the time until that file holds its first
non-zero sample is the latency a listener hears (target <= 200 ms).
Stop: with a PulseAudio null sink playing in real time, the time from stop() until the
server has no stream left (the issue's bound: 150 ms).

Usage: python bench/speech_latency.py [--runs 10]   (needs espeak-ng, aplay; pulseaudio for stop). Not a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ANSWER = ("The window shows a login form with two text boxes labelled user name and password, "
          "a blue sign in button, a link to reset the password, and a company logo at the top.")


def first_sample_latency(runs: int) -> list[float]:
    from assistant.config import SpeechSettings
    from assistant.core.speech import Pyttsx3Speaker

    home = Path(tempfile.mkdtemp())
    played = home / "played.raw"
    (home / ".asoundrc").write_text(f'pcm.!default {{ type file slave.pcm "null" file "| cat >> {played}" format "raw" }}\n')
    os.environ["HOME"] = str(home)
    speaker = Pyttsx3Speaker(SpeechSettings())
    speaker.say("warm up.")
    speaker.wait_idle(30)
    times = []
    for _ in range(runs):
        played.write_bytes(b"")
        start = time.perf_counter()
        speaker.say(ANSWER)
        while True:
            data = played.read_bytes()
            if data.strip(b"\0"):
                times.append(time.perf_counter() - start)
                break
            if time.perf_counter() - start > 10:
                raise RuntimeError("no audio within 10 s")
            time.sleep(0.001)
        speaker.stop()
        speaker.wait_idle(10)
    return times


def stop_latency(runs: int) -> list[float]:
    if not shutil.which("pulseaudio"):
        return []
    from assistant.config import SpeechSettings
    from assistant.core.speech import Pyttsx3Speaker

    base = Path(tempfile.mkdtemp())
    (base / "run").mkdir(mode=0o700)
    env = {"HOME": str(base), "XDG_RUNTIME_DIR": str(base / "run")}
    os.environ.update(env)
    (base / ".asoundrc").unlink(missing_ok=True)
    server = subprocess.Popen(["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "-L",
                               "module-null-sink sink_name=benchnull", "-L", "module-native-protocol-unix"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def streams() -> int:
        out = subprocess.run(["pactl", "list", "short", "sink-inputs"], capture_output=True, text=True)
        return len(out.stdout.split("\n")) - 1 if out.returncode == 0 else -1

    while subprocess.run(["pactl", "info"], capture_output=True).returncode:
        time.sleep(0.02)
    subprocess.run(["pactl", "set-default-sink", "benchnull"], check=True)
    speaker = Pyttsx3Speaker(SpeechSettings())
    times = []
    try:
        for _ in range(runs):
            speaker.say(ANSWER)
            while streams() < 1:
                time.sleep(0.005)
            time.sleep(0.3)  # let it speak a little: this is the scenario, not synchronisation
            start = time.perf_counter()
            speaker.stop()
            while streams() > 0:
                time.sleep(0.001)
            times.append(time.perf_counter() - start)
    finally:
        server.terminate()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    first = first_sample_latency(args.runs)
    print(f"answer ready -> first audio sample ({len(ANSWER.split())} words): median {1000 * statistics.median(first):.0f} ms, "
          f"min {1000 * min(first):.0f}, max {1000 * max(first):.0f} over {len(first)} runs (target <= 200 ms)")
    stops = stop_latency(args.runs)
    if stops:
        print(f"stop() -> silence (stream gone from the sound server): median {1000 * statistics.median(stops):.1f} ms, "
              f"max {1000 * max(stops):.1f} over {len(stops)} runs (bound 150 ms; includes pactl polling)")


if __name__ == "__main__":
    main()
