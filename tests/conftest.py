"""Test set-up: never touch the network, never write outside temp dirs, build tiny models once."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Before anything imports huggingface_hub or Qt: these are read at import time.
_HOME = Path(tempfile.mkdtemp(prefix="blip-assistant-tests-"))
os.environ["HF_HOME"] = str(_HOME / "hf")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["BLIP_ASSISTANT_DATA"] = str(_HOME / "data")  # history never lands in the real user folder
os.environ["BLIP_ASSISTANT_CONFIG"] = str(_HOME / "settings.json")
os.environ["BLIP_ASSISTANT_CACHE"] = str(_HOME / "cache")  # converted weights
os.environ["BLIP_ASSISTANT_INSTANCE"] = str(_HOME / "instance.socket")  # never the user's running app

import pytest  # noqa: E402

from assistant.config import GenerationSettings, ModelSettings  # noqa: E402

FAMILIES = ("opt", "t5")


@pytest.fixture(scope="session")
def hf_home() -> Path:
    return Path(os.environ["HF_HOME"])


@pytest.fixture(scope="session")
def tiny_model_dirs(tmp_path_factory) -> dict[str, Path]:
    """Tiny random BLIP-2 checkpoints saved with save_pretrained, like a real download."""
    from assistant.devtools.tiny_model import save_tiny_model

    root = tmp_path_factory.mktemp("tiny-models")
    return {family: save_tiny_model(family, root / f"blip2-{family}-tiny") for family in FAMILIES}


@pytest.fixture(scope="session")
def fp32_models(tiny_model_dirs):
    """One loaded fp32 model per family, shared by tests that do not change it."""
    from assistant.core.model.local.blip2 import Blip2Model

    models = {}
    for family, path in tiny_model_dirs.items():
        model = Blip2Model(ModelSettings(model=str(path), cpu_precision="fp32"), GenerationSettings(max_new_tokens=12))
        model.load()
        models[family] = model
    return models


@pytest.fixture(params=FAMILIES)
def family(request) -> str:
    return request.param


@pytest.fixture
def model(fp32_models, family):
    m = fp32_models[family]
    m.set_generation(GenerationSettings(max_new_tokens=12))
    m.on_step = None
    yield m
    m.on_step = None


@pytest.fixture
def photo():
    import numpy as np
    from PIL import Image

    return Image.fromarray(np.random.default_rng(7).integers(0, 255, (48, 64, 3), dtype=np.uint8))


@pytest.fixture
def other_photo():
    import numpy as np
    from PIL import Image

    return Image.fromarray(np.random.default_rng(8).integers(0, 255, (60, 40, 3), dtype=np.uint8))


@pytest.fixture
def fake_hub(tiny_model_dirs, tmp_path, monkeypatch):
    """The tiny OPT model served as "tiny-hub/blip2-opt" by a Hub on loopback (tests/fake_hub.py).

    Downloads land in a fresh data folder. Chunks are 64 kB instead of 10 MB, so a 1.2 MB
    model reports progress the way a 15 GB one does.
    """
    import huggingface_hub.constants as constants
    from fake_hub import FakeHub

    with FakeHub("tiny-hub/blip2-opt", tiny_model_dirs["opt"]) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 64 * 1024)
        monkeypatch.setenv("BLIP_ASSISTANT_DATA", str(tmp_path / "data"))
        yield hub


@pytest.fixture
def no_network(monkeypatch, tmp_path):
    """Online mode, but the Hub address refuses connections: what a machine with no internet sees."""
    import socket

    import huggingface_hub.constants as constants

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("BLIP_ASSISTANT_DATA", str(tmp_path / "data"))


@pytest.fixture
def real_keyring(tmp_path, monkeypatch):
    """keyring pointed at a real Secret Service: GNOME Keyring on a private D-Bus (tests/secret_service.py)."""
    import keyring
    from keyring.backends import SecretService
    from secret_service import secret_service

    from assistant.core.model.remote.secrets import ENV_KEY

    with secret_service(tmp_path) as address:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        monkeypatch.delenv(ENV_KEY, raising=False)
        previous = keyring.get_keyring()
        keyring.set_keyring(SecretService.Keyring())
        yield address
        keyring.set_keyring(previous)


@pytest.fixture(scope="session")
def tiny_mt(tmp_path_factory) -> Path:
    """A folder of converted tiny random OPUS-MT models, ``de-en/`` and ``en-de/`` (what ``--mt-model`` names).

    Built offline and converted through the users' code path (``translate.engine.convert``, int8).
    """
    from assistant.core.translate.engine import convert
    from assistant.devtools.tiny_marian import save_tiny_marian

    root = tmp_path_factory.mktemp("tiny-mt")
    for seed, pair in enumerate(("de-en", "en-de")):
        convert(save_tiny_marian(root / f"hf-{pair}", seed=seed + 1), root / "converted" / pair)
    return root / "converted"
