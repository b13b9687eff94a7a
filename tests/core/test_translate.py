"""Translation with CTranslate2, on tiny random Marian models built offline and converted by the users' code path."""

from __future__ import annotations

import pytest

from assistant.core.translate.engine import CTranslate2Translator, FakeTranslator, TranslationError, convert

SENTENCES = ["the button shows the settings.", "ein rotes Fenster öffnet eine Warnung.", "", "el botón abre un aviso."]


@pytest.fixture(scope="module")
def tiny_marian(tmp_path_factory):
    from assistant.devtools.tiny_marian import save_tiny_marian

    root = tmp_path_factory.mktemp("marian")
    return save_tiny_marian(root / "opus-mt-en-de-tiny")


@pytest.fixture(scope="module")
def converted(tiny_marian, tmp_path_factory):
    return convert(tiny_marian, tmp_path_factory.mktemp("ct2") / "en-de")  # int8, as for users


def test_ctranslate2_gives_what_transformers_generates_on_the_same_model(tiny_marian, tmp_path):
    """Same weights in fp32: the same greedy tokens. (int8 moves near-tied logits of a random model.)"""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    tokenizer = MarianTokenizer.from_pretrained(tiny_marian)
    model = MarianMTModel.from_pretrained(tiny_marian).eval()
    texts = [t for t in SENTENCES if t]
    with torch.no_grad():
        generated = model.generate(**tokenizer(texts, return_tensors="pt", padding=True), num_beams=1, do_sample=False,
                                   max_length=40)
    expected = tokenizer.batch_decode(generated, skip_special_tokens=True)
    exact = convert(tiny_marian, tmp_path / "fp32", quantization="float32")
    # transformers' max_length counts the start token and forces the end token at the limit: 38 decoded tokens.
    got = CTranslate2Translator(exact, "en-de", max_length=38).translate(texts)
    assert got == expected


def test_blank_texts_stay_blank_and_order_is_kept(converted):
    translator = CTranslate2Translator(converted, "en-de", max_length=40)
    got = translator.translate(SENTENCES)
    assert got[2] == "" and len(got) == 4 and all(got[i] for i in (0, 1, 3))
    assert got == [translator.translate([t])[0] if t else "" for t in SENTENCES]  # batched as one by one


def test_a_missing_or_broken_model_is_one_sentence(tmp_path, tiny_marian):
    with pytest.raises(TranslationError, match="There is no translation model for en-de in"):
        CTranslate2Translator(tmp_path / "nothing", "en-de").translate(["hello"])
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.bin").write_bytes(b"not a model")
    with pytest.raises(TranslationError, match="could not be loaded"):
        CTranslate2Translator(broken, "en-de").translate(["hello"])
    assert not (tmp_path / "out.partial").exists()


def test_the_fake_marks_the_target_language():
    assert FakeTranslator("en-es").translate(["a", ""]) == ["[es] a", ""]
