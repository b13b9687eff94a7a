"""The model in its own process, for real: a spawned child with the tiny model, killed and unloaded."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import ModelCrashedError, ModelUnavailableError
from assistant.core.model.process import ModelProcess


@pytest.fixture
def process(tiny_model_dirs):
    client = ModelProcess(ModelSettings(model=str(tiny_model_dirs["opt"]), cpu_precision="fp32"),
                          GenerationSettings(max_new_tokens=8))
    yield client
    client.close()


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


def test_answers_match_the_model_in_process_and_an_image_crosses_once(process, fp32_models, photo):
    progress = []
    info = process.load(progress.append)
    assert info.precision == "cpu-fp32" and any(p.stage == "loading weights" for p in progress)
    local = fp32_models["opt"]
    local.set_generation(GenerationSettings(max_new_tokens=8))
    assert process.caption(photo).text == local.caption(photo).text
    answer = process.ask(photo, "what is it?")
    assert answer.text == local.ask(photo, "what is it?").text
    assert answer.features_reused  # the server kept the image and its features: it was not sent again


def test_the_app_process_never_imports_torch(tiny_model_dirs, tmp_path):
    script = f"""
import sys
from PIL import Image
from assistant.config import GenerationSettings, ModelSettings
from assistant.core.model.process import ModelProcess
m = ModelProcess(ModelSettings(model={str(tiny_model_dirs["opt"])!r}), GenerationSettings(max_new_tokens=4))
m.load()
print(bool(m.caption(Image.new("RGB", (40, 30), "red")).text), "torch" in sys.modules)
m.close()
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]


def test_a_killed_model_process_is_a_clear_message_and_the_next_load_works(process, photo):
    process.load()
    pid = process.pid
    errors = []

    def ask():
        try:
            for _ in range(200):  # questions until the process is killed under one of them
                process.ask(photo, "what is it?")
        except ModelCrashedError as err:
            errors.append(str(err))

    asking = threading.Thread(target=ask)
    asking.start()
    os.kill(pid, 9)
    asking.join(60)
    assert errors and errors[0].startswith("The model stopped unexpectedly") and "next request" in errors[0]
    assert not process.loaded
    with pytest.raises(ModelCrashedError):  # told again, never a hang or a traceback
        process.caption(photo)
    process.load()
    assert process.caption(photo).text and process.pid != pid


def test_unload_ends_the_process_and_frees_its_memory(process, photo):
    process.load()
    pid = process.pid
    rss_kb = int(next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if line.startswith("VmRSS")).split()[1])
    assert rss_kb > 100_000  # torch and the model live there, not in the app
    # It yields the CPU to the window and the screen reader (niceness 5 above the app's own).
    assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) + 5
    process.unload()
    assert not alive(pid) and not process.loaded


def test_a_missing_model_comes_back_as_the_same_error(tmp_path):
    client = ModelProcess(ModelSettings(model=str(tmp_path / "nothing here")), GenerationSettings())
    try:
        with pytest.raises(ModelUnavailableError):
            client.load()
    finally:
        client.close()
