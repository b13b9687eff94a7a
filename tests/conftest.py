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
    from assistant.core.blip2 import Blip2Model

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
