"""Finding models: local folders, the Hugging Face cache with no network, and clear refusals."""

import json
import shutil

import pytest

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import ModelLoadError, ModelUnavailableError
from assistant.core.model.local.blip2 import Blip2Model
from assistant.core.model.local.loading import read_model_size, resolve_model


def _put_in_hf_cache(hf_home, repo: str, source) -> None:
    """Lay out files the way `hf download` leaves them: snapshots/<commit>/ + refs/main."""
    repo_dir = hf_home / "hub" / ("models--" + repo.replace("/", "--"))
    commit = "0123456789abcdef0123456789abcdef01234567"
    shutil.copytree(source, repo_dir / "snapshots" / commit, dirs_exist_ok=True)
    (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
    (repo_dir / "refs" / "main").write_text(commit)


def test_a_hub_id_in_the_cache_loads_with_no_network(tiny_model_dirs, hf_home, photo):
    _put_in_hf_cache(hf_home, "tiny-org/blip2-opt-tiny", tiny_model_dirs["opt"])
    stages = []
    model = Blip2Model(ModelSettings(model="tiny-org/blip2-opt-tiny"), GenerationSettings(max_new_tokens=4))
    info = model.load(stages.append)
    assert info.model == "tiny-org/blip2-opt-tiny" and info.family == "opt"
    assert model.caption(photo).text
    names = [p.stage for p in stages]
    assert names[0] == "finding model" and "found in cache" in names and "loading weights" in names
    percents = [p.percent for p in stages]
    assert percents == sorted(percents) and percents[-1] == 100 and stages[-1].stage == "ready"


def test_a_missing_hub_model_offline_says_how_to_get_it():
    with pytest.raises(ModelUnavailableError) as err:
        resolve_model("Salesforce/blip2-opt-2.7b")
    message = str(err.value)
    assert "hf download Salesforce/blip2-opt-2.7b" in message and "--model PATH" in message
    assert "\n" not in message


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(ModelUnavailableError, match="No BLIP-2 model folder"):
        resolve_model(str(tmp_path / "models" / "blip2"))


def test_pickled_weights_are_never_loaded(tiny_model_dirs, tmp_path):
    folder = tmp_path / "bin-only"
    shutil.copytree(tiny_model_dirs["opt"], folder)
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    with pytest.raises(ModelUnavailableError, match="safetensors"):
        resolve_model(str(folder))


def test_a_folder_with_another_kind_of_model_is_refused(tiny_model_dirs, tmp_path):
    folder = tmp_path / "not-blip"
    shutil.copytree(tiny_model_dirs["t5"], folder)
    config = json.loads((folder / "config.json").read_text())
    config["model_type"] = "llava"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="not a BLIP-2 model"):
        Blip2Model(ModelSettings(model=str(folder)), GenerationSettings()).load()


def test_model_size_is_read_from_headers_by_part(tiny_model_dirs, fp32_models):
    size = read_model_size(tiny_model_dirs["opt"])
    hf = fp32_models["opt"]._model
    assert size.language == sum(p.numel() for p in hf.language_model.parameters())
    assert size.vision + size.language == sum(p.numel() for p in hf.parameters())
