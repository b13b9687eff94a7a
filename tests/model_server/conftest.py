"""A real vLLM (the CPU build, in its own venv: it pins other torch and transformers versions) serving a
tiny random BLIP-2 OPT checkpoint on 127.0.0.1, for the remote backend's tests.

The checkpoint is the tests' tiny OPT with ``hidden=128``: vLLM's CPU attention refuses heads
narrower than 64 dimensions (``Unsupported CPU attention configuration: head_dim=8``), so its two
heads are 64 wide. The server is started once per session with ``--api-key`` and vLLM's own BLIP-2
chat template, exactly as the README tells users to.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.config import GenerationSettings, ModelSettings

KEY = "test-key-not-secret"
NAME = "blip2-tiny"


@pytest.fixture(scope="session")
def served_model_dir(tmp_path_factory) -> Path:
    from assistant.devtools.tiny_model import save_tiny_model

    return save_tiny_model("opt", tmp_path_factory.mktemp("vllm-model") / "blip2-opt-tiny-128", hidden=128)


@pytest.fixture(scope="session")
def vllm_server(served_model_dir, tmp_path_factory):
    from assistant.devtools.vllm_server import VllmServer, vllm_python

    python = vllm_python()
    if python is None:
        if os.environ.get("BLIP_REQUIRE_REAL_DEVICES"):
            pytest.fail("vLLM is not installed (.venv-vllm): tests/run installs it")
        pytest.skip("vLLM is not installed: `bash tests/run` makes .venv-vllm")
    server = VllmServer(python, served_model_dir, tmp_path_factory.mktemp("vllm-log") / "server.log", NAME, KEY)
    try:
        server.start()
    except RuntimeError as err:
        pytest.fail(str(err))
    yield server
    server.stop()


def server_settings(server, **changes) -> ModelSettings:
    return ModelSettings(**{"backend": "server", "server_url": server.url, **changes})


GENERATION = GenerationSettings(max_new_tokens=12)


@pytest.fixture
def remote(vllm_server):
    from assistant.core.model.remote.client import RemoteModel

    model = RemoteModel(server_settings(vllm_server), GENERATION, key=KEY)
    model.load()
    yield model
    model.close()


@pytest.fixture(scope="session")
def local_twin(served_model_dir):
    """The same checkpoint in this process, fp32, as a user's local backend would run it."""
    from assistant.core.model.local.blip2 import Blip2Model

    model = Blip2Model(ModelSettings(model=str(served_model_dir), device="cpu", cpu_precision="fp32"), GENERATION)
    model.load()
    return model

