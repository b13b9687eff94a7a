"""The CUDA path, where a GPU is lent: 4-bit NF4 (the app's default on CUDA), 8-bit and fp16.

Skipped without CUDA (this project's CI machine has none). bench/gpu_check.py measures the
full-size model; these check behaviour on the tiny checkpoints: the plan, where the weights
are, and that the reused-feature, reused-cache answers equal ``model.generate``.
"""

from __future__ import annotations

import pytest
import torch

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.model.local.blip2 import Blip2Model
from assistant.core.model.prompts import Turn, chat_prompt, question_prompt

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def reference(model: Blip2Model, image, text: str | None, new_tokens: int) -> list[int]:
    hf, processor = model._model, model._processor
    inputs = processor(images=image, text=text, return_tensors="pt").to("cuda")
    inputs["pixel_values"] = inputs["pixel_values"].to(hf.vision_model.embeddings.patch_embedding.weight.dtype)
    out = hf.generate(**inputs, max_new_tokens=new_tokens)
    if model.info.family == "t5":
        return out[0, 1:].tolist()
    start = inputs["input_ids"].shape[1] if text is not None else hf.config.num_query_tokens + 1
    return out[0, start:].tolist()


@pytest.mark.parametrize("quantization", ["4bit", "8bit", "none"])
def test_cuda_plans_load_on_the_gpu_and_answer_like_generate(tiny_model_dirs, family, photo, quantization):
    pytest.importorskip("bitsandbytes")
    model = Blip2Model(ModelSettings(model=str(tiny_model_dirs[family]), quantization=quantization),
                       GenerationSettings(max_new_tokens=8))
    info = model.load()
    assert (info.device, info.quantization) == ("cuda", quantization)
    assert model._model.device.type == "cuda"
    first = model.caption(photo)
    assert list(first.tokens) == reference(model, photo, None, 8)
    q1, q2 = "what does the red button say?", "is there a person?"
    second = model.ask(photo, q1)
    third = model.ask(photo, q2, [Turn(q1, second.text)])
    assert second.features_reused and third.features_reused
    assert list(second.tokens) == reference(model, photo, question_prompt(q1), 8)
    assert list(third.tokens) == reference(model, photo, chat_prompt([Turn(q1, second.text)], q2), 8)
    if family == "opt":
        assert third.prompt_tokens_reused > 0


def test_4bit_keeps_the_qformer_and_output_layer_unquantized(tiny_model_dirs, photo):
    bnb = pytest.importorskip("bitsandbytes")
    model = Blip2Model(ModelSettings(model=str(tiny_model_dirs["opt"])), GenerationSettings(max_new_tokens=4))
    assert model.load().precision == "cuda-4bit"
    hf = model._model
    assert any(isinstance(m, bnb.nn.Linear4bit) for m in hf.language_model.modules())
    assert not any(isinstance(m, bnb.nn.Linear4bit) for m in hf.qformer.modules())
    assert not isinstance(hf.language_model.get_output_embeddings(), bnb.nn.Linear4bit)
    assert model.caption(photo).text
