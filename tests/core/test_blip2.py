"""The real Blip2Model on tiny random checkpoints (OPT and Flan-T5), loaded like a Hub download."""

import threading

import pytest
import torch

from assistant.config import GenerationSettings, ModelSettings
from assistant.core.errors import Cancelled
from assistant.core.model.backend import NO_DESCRIPTION
from assistant.core.model.local.blip2 import Blip2Model
from assistant.core.model.prompts import Turn, chat_prompt, question_prompt


def reference(model: Blip2Model, image, text: str | None, max_new_tokens: int) -> list[int]:
    """The seed post's path: processor(image, text) + model.generate, re-encoding the image."""
    hf, processor = model._model, model._processor
    inputs = processor(images=image, text=text, return_tensors="pt")
    out = hf.generate(**inputs, max_new_tokens=max_new_tokens)
    if model.info.family == "t5":
        return out[0, 1:].tolist()  # the decoder start token
    prompt_len = inputs["input_ids"].shape[1] if text is not None else hf.config.num_query_tokens + 1
    return out[0, prompt_len:].tolist()


def test_loads_a_saved_checkpoint_and_says_how_it_runs(model, family):
    assert model.info.family == family
    assert (model.info.device, model.info.quantization, model.info.precision) == ("cpu", "none", "cpu-fp32")


def test_caption_with_reused_features_is_token_identical_to_generate(model, photo):
    answer = model.caption(photo)
    assert list(answer.tokens) == reference(model, photo, None, 12)
    assert answer.text and answer.text == answer.text.strip()


def test_question_and_chat_are_token_identical_to_generate(model, photo):
    first = model.ask(photo, "what does the red button say?")
    assert list(first.tokens) == reference(model, photo, question_prompt("what does the red button say?"), 12)
    history = [Turn("what does the red button say?", first.text)]
    second = model.ask(photo, "is there a person?", history)
    assert list(second.tokens) == reference(model, photo, chat_prompt(history, "is there a person?"), 12)
    assert second.features_reused


def _prefill_lengths(model: Blip2Model) -> tuple[list[int], object]:
    """How many positions each forward of the language model's first layer ran (a prefill runs more than 1)."""
    lengths = []
    layers = [m for m in model._model.language_model.modules() if isinstance(m, torch.nn.ModuleList)][0]

    def seen(module, args, kwargs):
        hidden = args[0] if args else kwargs["hidden_states"]
        lengths.append(hidden.shape[1])

    return lengths, layers[0].register_forward_pre_hook(seen, with_kwargs=True)


def test_follow_ups_run_only_the_new_tokens_and_stay_token_identical_to_generate(model, photo):
    model.set_generation(GenerationSettings(max_new_tokens=12))
    model.ask(photo.rotate(90, expand=True), "a different image first")  # the cache belongs to one image at a time
    first = model.caption(photo)
    assert first.prompt_tokens_reused == 0
    q1, q2 = "what does the red button say?", "is there a person?"
    lengths, hook = _prefill_lengths(model)
    try:
        second = model.ask(photo, q1)
        history = [Turn(q1, second.text)]
        third = model.ask(photo, q2, history)
    finally:
        hook.remove()
    assert list(second.tokens) == reference(model, photo, question_prompt(q1), 12)
    assert list(third.tokens) == reference(model, photo, chat_prompt(history, q2), 12)
    if model.info.family == "t5":  # the encoder reads the whole prompt both ways: nothing to keep
        assert second.prompt_tokens_reused == third.prompt_tokens_reused == 0
        return
    query = model._model.config.num_query_tokens
    # The caption's prompt was the image tokens and BOS; the question shares them.
    assert second.prompt_tokens_reused == query + 1
    # The chat prompt starts with the first question's whole prompt: "Question: q1 Answer:".
    q1_prompt = query + model._count_tokens(question_prompt(q1))
    assert third.prompt_tokens_reused >= q1_prompt
    # What ran is only what was not kept: the prefill of each request is its new tokens.
    prefills = [n for n in lengths if n > 1]
    whole = [query + model._count_tokens(question_prompt(q1)), query + model._count_tokens(chat_prompt(history, q2))]
    assert prefills == [whole[0] - second.prompt_tokens_reused, whole[1] - third.prompt_tokens_reused]


def test_the_kept_cache_survives_a_cancel_and_another_image_starts_afresh(model, photo):
    other_photo = photo.rotate(180)
    model.set_generation(GenerationSettings(max_new_tokens=40, min_new_tokens=40))
    model.on_step = lambda step: model.cancel() if step == 3 else None
    with pytest.raises(Cancelled):
        model.ask(photo, "describe everything")
    model.on_step = None
    model.set_generation(GenerationSettings(max_new_tokens=10))
    again = model.ask(photo, "describe everything")
    assert list(again.tokens) == reference(model, photo, question_prompt("describe everything"), 10)
    if model.info.family == "opt":
        assert again.prompt_tokens_reused > model._model.config.num_query_tokens
    other = model.ask(other_photo, "describe everything")
    assert other.prompt_tokens_reused == 0
    assert list(other.tokens) == reference(model, other_photo, question_prompt("describe everything"), 10)


def test_image_features_are_computed_once_per_image(model, photo, other_photo):
    calls = []
    hook = model._model.vision_model.register_forward_hook(lambda *a: calls.append(1))
    try:
        model.ask(photo.copy(), "new image?")  # a copy: same pixels, same cached features
        before = len(calls)
        for q in ("one?", "two?", "three?"):
            assert model.ask(photo, q).features_reused
        assert len(calls) == before
        assert not model.ask(other_photo, "and this one?").features_reused
        assert len(calls) == before + 1
    finally:
        hook.remove()


def test_prompted_caption_continues_the_prefix(model, photo):
    answer = model.caption(photo, "this is a cartoon of")
    assert answer.text.startswith("this is a cartoon of ")


def test_generation_settings_apply_without_reload(model, photo):
    model.set_generation(GenerationSettings(max_new_tokens=3))
    assert len(model.caption(photo).tokens) <= 3


def test_long_conversations_and_questions_fit_the_context_and_still_answer(model, photo):
    history = [Turn(f"what is in corner number {i}?", "a small grey box with text") for i in range(300)]
    answer = model.ask(photo, "and in the middle?", history)
    assert answer.dropped_turns > 0 and answer.text
    huge = model.ask(photo, "what does it say? " * 400, history[:3])
    assert huge.prompt_shortened and huge.dropped_turns == 3 and huge.text


def test_cancel_stops_within_one_decoding_step(model, photo):
    model.set_generation(GenerationSettings(max_new_tokens=200, min_new_tokens=200))
    model.on_step = lambda step: model.cancel() if step == 5 else None
    with pytest.raises(Cancelled) as err:
        model.ask(photo, "describe everything")
    assert err.value.steps <= 6
    model.on_step = None
    assert model.ask(photo, "still works after a cancel?").text  # the flag is cleared per request


def test_cancel_from_another_thread_stops_a_running_answer(model, photo):
    model.set_generation(GenerationSettings(max_new_tokens=400, min_new_tokens=400))
    started, seen = threading.Event(), []

    def on_step(step):
        seen.append(step)
        if step == 3:
            started.set()

    model.on_step = on_step
    outcome = {}

    def run():
        try:
            outcome["answer"] = model.ask(photo, "describe everything")
        except Cancelled as err:
            outcome["cancelled"] = err

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(60)
    steps_at_cancel = len(seen)
    model.cancel()
    worker.join(60)
    assert "cancelled" in outcome
    assert outcome["cancelled"].steps <= steps_at_cancel + 2 < 400


def test_an_empty_generation_becomes_a_clear_no_description(tiny_model_dirs, family, photo):
    settings = ModelSettings(model=str(tiny_model_dirs[family]), cpu_precision="fp32")
    mute = Blip2Model(settings, GenerationSettings(max_new_tokens=4))
    mute.load()
    with torch.no_grad():  # every logit 0: greedy picks id 0, a special token that decodes to ""
        mute._model.language_model.get_output_embeddings().weight.zero_()
    answer = mute.caption(photo)
    assert answer.empty and answer.text == NO_DESCRIPTION


def test_low_memory_cpu_plan_keeps_vision_fp32_and_matches_generate(tiny_model_dirs, family, photo, monkeypatch):
    from assistant.core.model.local import blip2, loading
    from assistant.core.model.local.device import HEADROOM_BYTES, Hardware, peak_bytes

    # A torch without int8 matmuls (a future one: its quantized tensors are deprecated), and
    # memory for fp32 vision + bf16 language but not for fp32 everywhere.
    monkeypatch.setattr(blip2.int8, "unavailable_reason", lambda: "int8 is not available in this torch")
    size = loading.read_model_size(tiny_model_dirs[family])
    hw = Hardware(cpu_native_bf16=False, available_memory=peak_bytes("fp32+bf16", size) + HEADROOM_BYTES)
    mixed = Blip2Model(ModelSettings(model=str(tiny_model_dirs[family])), GenerationSettings(max_new_tokens=8), hardware=hw)
    info = mixed.load()
    assert info.precision == "cpu-fp32+bf16"
    hf = mixed._model
    assert hf.vision_model.embeddings.patch_embedding.weight.dtype == torch.float32
    assert all(p.dtype == torch.float32 for p in hf.qformer.parameters())
    assert hf.language_model.get_input_embeddings().weight.dtype == torch.bfloat16
    answer = mixed.ask(photo, "what is it?")
    assert list(answer.tokens) == reference(mixed, photo, question_prompt("what is it?"), 8)


def test_4bit_bitsandbytes_path_loads_and_answers_on_the_cpu(tiny_model_dirs, family, photo):
    bnb = pytest.importorskip("bitsandbytes")
    quant = Blip2Model(
        ModelSettings(model=str(tiny_model_dirs[family]), quantization="4bit"), GenerationSettings(max_new_tokens=6)
    )
    info = quant.load()
    assert (info.quantization, info.precision) == ("4bit", "cpu-4bit")
    hf = quant._model
    linears = [m for m in hf.language_model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert linears, "the language model should be quantized"
    assert not isinstance(hf.language_model.get_output_embeddings(), bnb.nn.Linear4bit)  # lm_head stays
    assert not any(isinstance(m, bnb.nn.Linear4bit) for m in hf.qformer.modules())  # Q-Former stays fp32
    answer = quant.ask(photo, "what is it?")
    assert list(answer.tokens) == reference(quant, photo, question_prompt("what is it?"), 6)
