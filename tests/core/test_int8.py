"""The int8 CPU plan on tiny random checkpoints: real int8 matmuls, the converted copy on disk."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors import safe_open

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.model.local import int8
from assistant.core.model.local.blip2 import Blip2Model
from assistant.core.model.local.converted import ConvertedWeights
from assistant.core.model.prompts import question_prompt


def load(path, **settings) -> Blip2Model:
    model = Blip2Model(ModelSettings(model=str(path), cpu_precision="int8", **settings), GenerationSettings(max_new_tokens=8))
    model.load()
    return model


def next_token_logits(model: Blip2Model, image, question: str) -> torch.Tensor:
    hf, processor = model._model, model._processor
    inputs = processor(images=image, text=question_prompt(question), return_tensors="pt")
    with torch.inference_mode():
        if model.info.family == "t5":
            start = torch.tensor([[hf.config.text_config.decoder_start_token_id]])
            return hf(**inputs, decoder_input_ids=start).logits[0, -1].float()
        return hf(**inputs).logits[0, -1].float()


@pytest.fixture
def int8_model(tiny_model_dirs, family, tmp_path, monkeypatch):
    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    return load(tiny_model_dirs[family])


def test_int8_matmuls_work_in_this_torch():
    assert int8.unavailable_reason() is None


def test_int8_plan_quantizes_the_vision_encoder_and_language_model_and_keeps_the_qformer_fp32(int8_model, photo):
    info, hf = int8_model.info, int8_model._model
    assert (info.precision, info.quantization) == ("cpu-int8", "int8")
    assert info.weights == "converted now and saved for the next start"
    lm_layers = [m for m in hf.language_model.modules() if int8.is_int8(m)]
    vision_layers = [m for m in hf.vision_model.modules() if int8.is_int8(m)]
    assert lm_layers and vision_layers
    assert int8.is_int8(hf.language_model.get_output_embeddings())  # the output layer too
    assert not any(isinstance(m, torch.nn.Linear) for m in hf.language_model.modules())
    assert all(p.dtype == torch.float32 for p in hf.qformer.parameters())
    assert not any(int8.is_int8(m) for m in hf.qformer.modules())
    assert not [n for n, p in hf.named_parameters() if p.device.type == "meta"]
    answer = int8_model.ask(photo, "what is it?")
    assert answer.text and len(answer.tokens) <= 8


@pytest.mark.parametrize("family", ["opt"])
def test_int8_logits_stay_close_to_fp32(int8_model, fp32_models, family, photo):
    """The quality guard on the tiny OPT model (bench/int8_quality.py measures the full-size one).

    Flan-T5 is left out on purpose: its tiny random checkpoint's unscaled attention logits
    (std 32) make softmax nearly one-hot, so int8 drifts far (relative error ~0.7); the
    automatic plan therefore never picks int8 for T5 (test below).
    """
    fp32 = fp32_models[family]
    errors = []
    for question in ("what is it?", "what does the red button say?", "is there a person?", "what colour is the sky?"):
        ref, got = next_token_logits(fp32, photo, question), next_token_logits(int8_model, photo, question)
        errors.append(((got - ref).norm() / ref.norm()).item())
    assert max(errors) < 0.1, errors


def test_the_converted_copy_is_safetensors_and_the_next_start_reads_it(tiny_model_dirs, family, tmp_path, monkeypatch,
                                                                      photo):
    from assistant.core.model.local import converted as converted_module

    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(converted_module, "SHARD_BYTES", 64 * 1024)  # many shards, as a full-size model writes
    cold = load(tiny_model_dirs[family])
    converted = ConvertedWeights(tiny_model_dirs[family], "cpu-int8")
    assert converted.complete()
    files = sorted(p.name for p in converted.dir.iterdir())
    assert files[0] == "complete.json" and all(f.endswith(".safetensors") for f in files[1:])
    assert len(files) > 3 and files[1:] == [f"shard-{i:05d}.safetensors" for i in range(1, len(files))]
    names = set()
    for shard in files[1:]:
        with safe_open(str(converted.dir / shard), framework="pt") as f:
            names.update(f.keys())
            for name in f.keys():
                if name.endswith(".qweight"):
                    assert f.get_tensor(name).dtype == torch.int8
    assert "language_model.lm_head.qweight" in names and "qformer.layernorm.weight" in names

    warm = load(tiny_model_dirs[family])
    assert warm.info.weights == "converted weights read from the cache"
    assert warm.ask(photo, "what is it?").tokens == cold.ask(photo, "what is it?").tokens
    for (name, a), (_, b) in zip(cold._model.state_dict().items(), warm._model.state_dict().items()):
        assert torch.equal(a, b), name
    cold_layers = {n: m for n, m in cold._model.named_modules() if int8.is_int8(m)}
    for name, layer in warm._model.named_modules():
        if int8.is_int8(layer):
            (a, _), (b, _) = (torch.ops.quantized.linear_unpack(x.packed) for x in (cold_layers[name], layer))
            assert torch.equal(a.int_repr(), b.int_repr()) and torch.equal(a.q_per_channel_scales(), b.q_per_channel_scales())


def test_a_changed_checkpoint_or_a_damaged_copy_is_converted_again(tiny_model_dirs, family, tmp_path, monkeypatch):
    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    import shutil

    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model_dirs[family], model_dir)
    load(model_dir)
    first = ConvertedWeights(model_dir, "cpu-int8")
    shard = next(first.dir.glob("*.safetensors"))
    shard.write_bytes(shard.read_bytes()[:100])  # a crash or a full disk cut it short
    assert not first.complete()
    assert load(model_dir).info.weights == "converted now and saved for the next start"
    assert first.complete()

    weights = next(model_dir.glob("*.safetensors"))
    weights.touch()  # the model was updated: its files changed
    second = ConvertedWeights(model_dir, "cpu-int8")
    assert second.key != first.key and not second.complete()
    assert load(model_dir).info.weights == "converted now and saved for the next start"
    assert second.complete()
    assert [p.name for p in second.model_dir.iterdir()] == [second.dir.name]  # the old copy is gone
    assert json.loads((second.dir / "complete.json").read_text())["key"] == second.key


def test_a_cache_folder_that_cannot_be_written_still_loads(tiny_model_dirs, family, tmp_path, monkeypatch, photo):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the folder should be")
    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(blocked))
    model = load(tiny_model_dirs[family])
    assert model.info.weights == "converted now (not saved)"
    assert model.ask(photo, "what is it?").text


def test_the_automatic_plan_picks_int8_for_opt_but_not_for_t5(tiny_model_dirs, family, tmp_path, monkeypatch):
    from assistant.core.model.local.device import Hardware

    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    hw = Hardware(cpu_native_bf16=False, available_memory=64 * 1024**3)
    model = Blip2Model(ModelSettings(model=str(tiny_model_dirs[family])), GenerationSettings(max_new_tokens=4), hardware=hw)
    assert model.load().precision == {"opt": "cpu-int8", "t5": "cpu-fp32"}[family]


def test_a_warm_start_answers_before_packing_and_the_same_after_it(tiny_model_dirs, tmp_path, monkeypatch, photo):
    """Packing runs after "ready": layers not yet packed answer with the kernel that needs no packing."""
    from assistant.core.model.local import packing

    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    load(tiny_model_dirs["opt"]).unload()  # the first start converts and saves
    monkeypatch.setattr(packing.BackgroundPacker, "start", lambda self: self)  # the packer has not got to them yet
    model = load(tiny_model_dirs["opt"])
    assert model.info.weights == "converted weights read from the cache"
    layers = [m for m in model._model.modules() if int8.is_int8(m)]
    assert layers and all(m.packed is None for m in layers)  # ready, nothing packed yet
    before = next_token_logits(model, photo, "what is it?")
    answer = model.ask(photo, "what is it?")
    for layer in layers:
        layer.pack()
    assert all(m.packed is not None for m in layers)
    after = next_token_logits(model, photo, "what is it?")
    assert torch.nn.functional.cosine_similarity(before, after, dim=0) > 0.99
    assert answer.text and model.ask(photo, "what is it?").text


def test_the_background_packer_packs_every_layer_in_forward_order_and_releases_the_mapped_weights(
        tiny_model_dirs, tmp_path, monkeypatch):
    from assistant.core.model.local import mapped, packing

    monkeypatch.setenv("BLIP_ASSISTANT_CACHE", str(tmp_path / "cache"))
    load(tiny_model_dirs["opt"]).unload()
    monkeypatch.setattr(packing, "EAGER_BELOW", 0)
    released, real_release = [], mapped.release
    monkeypatch.setattr(mapped, "release", lambda t: (released.append(t), real_release(t)))
    order = []
    real_pack = int8.Int8Linear.pack
    monkeypatch.setattr(int8.Int8Linear, "pack", lambda self: (order.append(self), real_pack(self)))
    model = load(tiny_model_dirs["opt"])
    assert model._packer.wait(60)
    layers = [m for m in model._model.modules() if int8.is_int8(m)]
    assert all(m.packed is not None for m in layers) and {id(m) for m in order} == {id(m) for m in layers}
    names = {id(m): n for n, m in model._model.named_modules()}
    assert names[id(order[0])].startswith("vision_model.")  # the first part a request uses
    assert all(m._form[0] is None for m in layers)  # the int8 weights as stored were let go
    assert sum(1 for t in released if t is not None and t.dtype == torch.int8) >= len(layers)
