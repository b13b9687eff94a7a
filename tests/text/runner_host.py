"""A stand-in for the app: starts the text reader's process, reads once, prints its pid, then waits to be killed."""

import sys

from PIL import Image

from assistant.core.text.runner import ProcessTextRunner

if __name__ == "__main__":
    runner = ProcessTextRunner()
    runner.submit(Image.new("RGB", (64, 32), "white")).result(120)
    print(next(iter(runner._pool._processes)), flush=True)
    sys.stdin.read()  # until the test kills this process
