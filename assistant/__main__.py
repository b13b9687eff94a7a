"""``python -m assistant``: the same as the ``blip-assistant`` command."""

import multiprocessing
import sys

from assistant.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a PyInstaller build starts the model process through this entry point
    sys.exit(main())
