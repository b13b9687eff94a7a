"""Start a real vLLM API server (the CPU build, in a venv of its own) on 127.0.0.1, for tests and benchmarks.

It serves a checkpoint with vLLM's own BLIP-2 chat template, as the README tells users to. vLLM
pins other torch and transformers versions than the app, so it runs from its own interpreter:
``BLIP_VLLM_PYTHON``, else ``.venv-vllm/bin/python`` in the project (``tests/run`` makes it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 420


def vllm_python() -> Path | None:
    """The Python of the vLLM virtual environment, if it is installed."""
    path = Path(os.environ.get("BLIP_VLLM_PYTHON") or ROOT / ".venv-vllm" / "bin" / "python")
    return path if path.exists() else None


class VllmServer:
    """One vLLM API server process; ``stop`` and ``start`` again keep its port and model."""

    def __init__(self, python: Path, model: Path, log: Path, name: str, api_key: str = ""):
        self.python, self.model, self.log_path, self.name, self.api_key = python, model, log, name, api_key
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it and wait until it serves; RuntimeError with the end of its log if it does not."""
        template = subprocess.run(
            [str(self.python), "-c", "import os, vllm; print(os.path.join(os.path.dirname(vllm.__file__), "
             "'transformers_utils', 'chat_templates', 'template_blip2.jinja'))"],
            check=True, capture_output=True, text=True).stdout.strip()
        env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1",
               "VLLM_LOGGING_LEVEL": "WARNING"}
        env.pop("PYTHONPATH", None)
        command = [str(self.python), "-m", "vllm.entrypoints.openai.api_server", "--model", str(self.model),
                   "--served-model-name", self.name, "--chat-template", template, "--host", "127.0.0.1",
                   "--port", str(self.port), "--max-model-len", "512", "--dtype", "float32"]
        if self.api_key:
            command += ["--api-key", self.api_key]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     start_new_session=True)
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(self.proc, ready), daemon=True).start()
        if not ready.wait(STARTUP_SECONDS) or self.proc.poll() is not None:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"vLLM did not start in {STARTUP_SECONDS} s; its log ends:\n{tail}")

    def _pump(self, proc: subprocess.Popen, ready: threading.Event) -> None:
        with self.log_path.open("a", encoding="utf-8") as log:
            for line in proc.stdout:
                log.write(line)
                log.flush()
                if "Application startup complete" in line:
                    ready.set()
        ready.set()  # it ended: start() sees poll() is not None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait()
        self.proc = None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
