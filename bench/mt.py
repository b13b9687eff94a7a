"""Benchmark: translation with CTranslate2 int8 against transformers fp32, on a full-size random Marian.

The model has opus-mt-en-de's shape (d_model 512, 6+6 layers, 8 heads, FFN 2048, a 58,101-token
vocabulary) with random weights: real costs, gibberish text. Each engine runs in a process of its own
(so its peak memory is its own), with 2 threads, and decodes exactly 40 tokens per sentence.
Prints: load time, one 20-word sentence (median of 5), a batch of 10, peak memory, disk size.
Targets (issue 26): one sentence <= 0.3 s; <= 200 MB per direction.
Not a test. Usage: python bench/mt.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SENTENCE = ("the button in the settings dialog opens a warning about your files and the red window shows "
            "three items in a long list")  # 20 words
VOCAB = 58101


def build(folder: Path) -> Path:
    """The full-size random Marian, with the tiny model's tokenizer and a vocabulary padded to 58,101 entries."""
    import torch
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    from assistant.devtools.tiny_marian import save_tiny_marian

    save_tiny_marian(folder)
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    vocab.pop("<pad>")
    for i in range(len(vocab), VOCAB - 1):
        vocab[f"\u2581w{i}"] = i
    vocab["<pad>"] = VOCAB - 1
    (folder / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    (folder / "tokenizer_config.json").unlink()  # it names <pad>'s old id: written again for the new vocabulary
    MarianTokenizer(source_spm=str(folder / "source.spm"), target_spm=str(folder / "target.spm"),
                    vocab=str(folder / "vocab.json")).save_pretrained(folder)
    config = MarianConfig(vocab_size=VOCAB, d_model=512, encoder_layers=6, decoder_layers=6, encoder_attention_heads=8,
                          decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048,
                          max_position_embeddings=512, pad_token_id=VOCAB - 1, decoder_start_token_id=VOCAB - 1,
                          eos_token_id=0, share_encoder_decoder_embeddings=True, static_position_embeddings=True)
    torch.manual_seed(0)
    MarianMTModel(config).eval().save_pretrained(folder)
    return folder


def child(engine: str, folder: str, runs: int) -> None:
    """Runs in its own process: load, one sentence ``runs`` times, a batch of 10; prints JSON."""
    import statistics

    started = time.perf_counter()
    if engine == "ct2":
        from assistant.core.translate.engine import CTranslate2Translator

        translator = CTranslate2Translator(Path(folder), "en-de", threads=2, max_length=40)
        translator._load()  # noqa: SLF001 - the load is what is timed here
        loaded = time.perf_counter() - started

        def run(texts):
            import sentencepiece  # noqa: F401 - loaded already

            batch = [translator._source.encode(t, out_type=str) + ["</s>"] for t in texts]  # noqa: SLF001
            translator._model.translate_batch(batch, beam_size=1, max_decoding_length=40,  # noqa: SLF001
                                              min_decoding_length=40)
    else:
        import torch
        from transformers import MarianMTModel, MarianTokenizer

        torch.set_num_threads(2)
        tokenizer = MarianTokenizer.from_pretrained(folder)
        model = MarianMTModel.from_pretrained(folder).eval()
        loaded = time.perf_counter() - started

        def run(texts):
            with torch.no_grad():
                model.generate(**tokenizer(texts, return_tensors="pt", padding=True), num_beams=1, do_sample=False,
                               min_length=41, max_length=41)

    run([SENTENCE])  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        run([SENTENCE])
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    run([SENTENCE] * 10)
    batch = time.perf_counter() - t
    # VmHWM, not ru_maxrss: the latter survives exec, so it would hold the parent's peak (the model it built).
    peak = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
                if line.startswith("VmHWM:")) / 1024
    print(json.dumps({"load": loaded, "one": statistics.median(times), "batch": batch, "peak_mb": peak}))


def size_mb(folder: Path, names: tuple[str, ...]) -> float:
    return sum(p.stat().st_size for p in folder.iterdir() if p.name in names) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.runs)
        return
    from assistant.core.translate.engine import convert

    work = Path(tempfile.mkdtemp(prefix="bench-mt-"))
    try:
        source = build(work / "marian")
        started = time.perf_counter()
        convert(source, work / "ct2")
        converted_s = time.perf_counter() - started
        found = {}
        for engine, folder in (("ct2", work / "ct2"), ("hf", source)):
            out = subprocess.run([sys.executable, __file__, "--runs", str(args.runs), "--child", engine, str(folder)],
                                 capture_output=True, text=True, check=True)
            found[engine] = json.loads(out.stdout.strip().splitlines()[-1])
        disk = {"ct2": size_mb(work / "ct2", ("model.bin",)), "hf": size_mb(source, ("model.safetensors",))}
        print(f"Marian with opus-mt-en-de's shape, random weights, 2 threads, 40 tokens decoded; conversion "
              f"{converted_s:.1f} s")
        print(f"{'':<28}{'CTranslate2 int8':>18}{'transformers fp32':>19}{'ratio':>8}")
        rows = (("load (s)", "load"), ("one 20-word sentence (s)", "one"), ("batch of 10 (s)", "batch"),
                ("peak memory (MB)", "peak_mb"))
        for label, key in rows:
            c, h = found["ct2"][key], found["hf"][key]
            print(f"{label:<28}{c:>18.3f}{h:>19.3f}{c / h:>8.2f}")
        print(f"{'disk (MB)':<28}{disk['ct2']:>18.1f}{disk['hf']:>19.1f}{disk['ct2'] / disk['hf']:>8.2f}")
        print("targets: one sentence <= 0.3 s; peak memory <= 200 MB per direction")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
