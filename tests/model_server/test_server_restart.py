"""The server goes away and comes back: the user hears why, and the next request after it is back works.

Its own file, run after test_remote.py: restarting vLLM takes a minute."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from PIL import Image

from assistant.core.errors import ModelUnavailableError
from tests.model_server.conftest import KEY, NAME


def test_the_cli_gives_the_same_json_through_the_server_as_locally(vllm_server, served_model_dir, tmp_path):
    image = tmp_path / "red.png"
    Image.new("RGB", (64, 48), (220, 20, 20)).save(image)
    common = ["describe", str(image), "--ask", "what colour is it?", "--json", "--no-text", "--no-history",
              "--max-new-tokens", "12", "-q"]
    env = {"BLIP_ASSISTANT_API_KEY": KEY}
    remote = _cli([*common, "--server", vllm_server.url], env)
    local = _cli([*common, "--model", str(served_model_dir), "--device", "cpu", "--cpu-precision", "fp32"], {})
    assert remote.keys() == local.keys()
    assert (remote["model"], remote["device"], remote["weights"]) == (NAME, "server", vllm_server.url)
    assert remote["turns"][0]["answer"] == local["turns"][0]["answer"]  # the same prompt, greedy, fp32


def test_a_stopped_server_is_said_plainly_and_a_restarted_one_works(vllm_server, remote):
    image = Image.new("RGB", (64, 48), (20, 20, 220))
    before = remote.ask(image, "what is it?").text
    vllm_server.stop()
    with pytest.raises(ModelUnavailableError, match=f"Cannot reach the model server at {vllm_server.url}"):
        remote.ask(image, "what is it?")
    vllm_server.start()
    assert remote.ask(image, "what is it?").text == before  # the same client, no reconnect step


def _cli(args: list[str], env: dict) -> dict:
    import os

    done = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
