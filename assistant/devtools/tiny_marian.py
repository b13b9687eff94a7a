"""A tiny random Marian (OPUS-MT layout) built offline: for tests and benches of translation, like tiny_model.py.

A sentencepiece model is trained on a few hundred sentences written here, saved as ``source.spm`` and
``target.spm`` with an OPUS-MT ``vocab.json``; the model is ``MarianMTModel`` with d_model 64 and 2+2 layers.
Its output is gibberish, but it runs every step a real OPUS-MT model runs: tokenize, generate, detokenize.
"""

from __future__ import annotations

import json
from pathlib import Path

SUBJECTS = ["the button", "a red window", "the menu", "this dialog", "the green icon", "a long list", "the field",
            "der Knopf", "ein rotes Fenster", "das Menü", "dieser Dialog", "el botón", "una ventana roja"]
VERBS = ["shows", "opens", "closes", "says", "hides", "zeigt", "öffnet", "schließt", "muestra", "abre"]
OBJECTS = ["the settings", "a warning", "your files", "the text", "three items", "die Einstellungen", "eine Warnung",
           "los archivos", "un aviso", "42 percent", "the time 10:15"]


def sentences() -> list[str]:
    """A few hundred short sentences in English, German and Spanish, to train the tokenizer on."""
    return [f"{s} {v} {o}." for s in SUBJECTS for v in VERBS for o in OBJECTS][:600]


def save_tiny_marian(folder: Path, d_model: int = 64, layers: int = 2, seed: int = 0) -> Path:
    """Write a tiny random Marian model with its tokenizer files to ``folder`` (as a Hub download would be)."""
    import sentencepiece as spm
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(sentences()), encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(folder / "sp"), vocab_size=400,
                                   model_type="unigram", character_coverage=1.0, hard_vocab_limit=False,
                                   unk_id=0, eos_id=1, bos_id=-1, pad_id=-1, minloglevel=2)
    model_bytes = (folder / "sp.model").read_bytes()
    for name in ("source.spm", "target.spm"):
        (folder / name).write_bytes(model_bytes)
    processor = spm.SentencePieceProcessor(model_file=str(folder / "sp.model"))
    pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
    vocab = {"</s>": 0, "<unk>": 1}
    for piece in pieces:
        if piece not in vocab and piece not in ("<unk>", "</s>"):
            vocab[piece] = len(vocab)
    vocab["<pad>"] = len(vocab)
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    for leftover in ("corpus.txt", "sp.model", "sp.vocab"):
        (folder / leftover).unlink()
    tokenizer = MarianTokenizer(source_spm=str(folder / "source.spm"), target_spm=str(folder / "target.spm"),
                                vocab=str(folder / "vocab.json"))
    pad = vocab["<pad>"]
    config = MarianConfig(vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
                          encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=2 * d_model,
                          decoder_ffn_dim=2 * d_model, max_position_embeddings=512, pad_token_id=pad,
                          decoder_start_token_id=pad, eos_token_id=0, share_encoder_decoder_embeddings=True,
                          static_position_embeddings=True)
    torch.manual_seed(seed)
    model = MarianMTModel(config).eval()
    model.generation_config.max_length = 40
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
