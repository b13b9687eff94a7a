"""Benchmark: reading the text on a screen (RapidOCR, the app's TextReader), on this machine.

1. Time for a 1080p and a 4K rendered screen (8 lines), and a dense one (90 lines), cold (a fresh process: import, model load and
   first read) and warm (the median of the next reads). Target: <= 1.0 s warm at 1080p.
2. Word recall on the rendered set (tests/text/screens.py): each font at 10-28 px, dark mode,
   two columns, a dialog; and whether the two columns come out in reading order.

Usage: python bench/ocr.py [--runs 5]   Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.text.screens import dense_screen, dialog, recall, sizes_screen, two_columns  # noqa: E402

COLD = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, {root!r})
from assistant.core.text.reader import RapidTextReader
from tests.text.screens import sizes_screen
image, _ = sizes_screen(width={w}, height={h})
made = time.perf_counter()
RapidTextReader().read(image)
print(time.perf_counter() - start, time.perf_counter() - made)
"""


def cold(width: int, height: int) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", COLD.format(root=str(ROOT), w=width, h=height)], check=True,
                         capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from assistant.core.text.layout import reading_order
    from assistant.core.text.reader import RapidTextReader

    reader = RapidTextReader()
    for label, (w, h) in (("1080p", (1920, 1080)), ("4K", (3840, 2160))):
        total, read_s = cold(w, h)
        image, _ = sizes_screen(width=w, height=h)
        reader.read(image)
        warm = []
        for _ in range(args.runs):
            start = time.perf_counter()
            reader.read(image)
            warm.append(time.perf_counter() - start)
        print(f"{label}: cold {total:.2f} s (process start to text; the read itself {read_s:.2f} s), warm median "
              f"{statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f}, {args.runs} runs)"
              + (" (target <= 1.0 s)" if label == "1080p" else ""))

    image, lines = dense_screen()
    start = time.perf_counter()
    read = [line.text for line in reader.read(image)]
    print(f"1080p dense (90 lines of 14 px text): {time.perf_counter() - start:.2f} s, word recall "
          f"{100 * recall(lines, read):.1f} %")

    rows = []
    for kind in ("sans", "serif", "mono", "bold"):
        image, lines = sizes_screen(sizes=(10, 12, 14, 16, 18, 20, 24, 28), kind=kind)
        read = [line.text for line in reader.read(image)]
        crisp = recall([t for t, size in lines if size >= 12], read)
        tiny = recall([t for t, size in lines if size < 12], read)
        rows.append((f"{kind} 12-28 px", crisp))
        rows.append((f"{kind} 10 px", tiny))
    image, lines = sizes_screen(sizes=(12, 16, 20, 24), dark=True)
    rows.append(("dark mode 12-24 px", recall([t for t, _ in lines], [line.text for line in reader.read(image)])))
    image, expected = two_columns()
    ordered = [line.text for line in reading_order(reader.read(image))]
    rows.append(("two columns", recall(expected, ordered)))
    in_order = [t.lower() for t in ordered] == [t.lower() for t in expected]
    image, expected = dialog()
    rows.append(("dialog with buttons", recall(expected, [line.text for line in reader.read(image)])))
    for label, value in rows:
        print(f"word recall, {label}: {100 * value:.1f} %")
    print(f"two columns in reading order: {in_order}")


if __name__ == "__main__":
    main()
