"""A real vLLM (the CPU build, in its own venv: it pins other torch and transformers versions) serving a
tiny random BLIP-2 OPT checkpoint on 127.0.0.1, for the remote backend's tests.

The checkpoint is the tests' tiny OPT with ``hidden=128``: vLLM's CPU attention refuses heads
narrower than 64 dimensions (``Unsupported CPU attention configuration: head_dim=8``), so its two
heads are 64 wide. The server is started once per session with ``--api-key`` and vLLM's own BLIP-2
chat template, exactly as the README tells users to.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from pathlib import Path

import pytest

from assistant.config import GenerationSettings, ModelSettings

ROOT = Path(__file__).resolve().parents[2]
KEY = "test-key-not-secret"
NAME = "blip2-tiny"
STARTUP_SECONDS = 420


def vllm_python() -> Path | None:
    """The vLLM venv's python: BLIP_VLLM_PYTHON, else .venv-vllm beside the project (tests/run makes it)."""
    path = Path(os.environ.get("BLIP_VLLM_PYTHON") or ROOT / ".venv-vllm" / "bin" / "python")
    return path if path.exists() else None


class VllmServer:
    """One vLLM API server process; ``stop`` and ``start`` again keep its port and model."""

    def __init__(self, python: Path, model: Path, log: Path):
        self.python, self.model, self.log_path = python, model, log
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        template = subprocess.run(
            [str(self.python), "-c", "import os, vllm; print(os.path.join(os.path.dirname(vllm.__file__), "
             "'transformers_utils', 'chat_templates', 'template_blip2.jinja'))"],
            check=True, capture_output=True, text=True).stdout.strip()
        env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1",
               "VLLM_LOGGING_LEVEL": "WARNING"}
        env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen(
            [str(self.python), "-m", "vllm.entrypoints.openai.api_server", "--model", str(self.model),
             "--served-model-name", NAME, "--chat-template", template, "--host", "127.0.0.1",
             "--port", str(self.port), "--max-model-len", "512", "--dtype", "float32", "--api-key", KEY],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, start_new_session=True)
        ready = threading.Event()
        threading.Thread(target=self._pump, args=(self.proc, ready), daemon=True).start()
        if not ready.wait(STARTUP_SECONDS) or self.proc.poll() is not None:
            self.stop()
            tail = self.log_path.read_text(errors="replace")[-3000:]
            pytest.fail(f"vLLM did not start in {STARTUP_SECONDS} s; its log ends:\n{tail}")

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def served_model_dir(tmp_path_factory) -> Path:
    from assistant.devtools.tiny_model import save_tiny_model

    return save_tiny_model("opt", tmp_path_factory.mktemp("vllm-model") / "blip2-opt-tiny-128", hidden=128)


@pytest.fixture(scope="session")
def vllm_server(served_model_dir, tmp_path_factory):
    python = vllm_python()
    if python is None:
        if os.environ.get("BLIP_REQUIRE_REAL_DEVICES"):
            pytest.fail("vLLM is not installed (.venv-vllm): tests/run installs it")
        pytest.skip("vLLM is not installed: `bash tests/run` makes .venv-vllm")
    server = VllmServer(python, served_model_dir, tmp_path_factory.mktemp("vllm-log") / "server.log")
    server.start()
    yield server
    server.stop()


def server_settings(server: VllmServer, **changes) -> ModelSettings:
    return ModelSettings(**{"backend": "server", "server_url": server.url, **changes})


GENERATION = GenerationSettings(max_new_tokens=12)


@pytest.fixture
def remote(vllm_server):
    from assistant.core.model.remote import RemoteModel

    model = RemoteModel(server_settings(vllm_server), GENERATION, key=KEY)
    model.load()
    yield model
    model.close()


@pytest.fixture(scope="session")
def local_twin(served_model_dir):
    """The same checkpoint in this process, fp32, as a user's local backend would run it."""
    from assistant.core.model.blip2 import Blip2Model

    model = Blip2Model(ModelSettings(model=str(served_model_dir), device="cpu", cpu_precision="fp32"), GENERATION)
    model.load()
    return model

