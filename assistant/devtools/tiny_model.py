"""Build tiny, randomly initialised BLIP-2 checkpoints offline.

They have the real architecture (ViT + Q-Former + OPT or Flan-T5) and are saved
with ``save_pretrained`` so that tests load them through the same code path users
run for Hub checkpoints. Nothing here touches the network.
"""

from __future__ import annotations

from pathlib import Path

_CORPUS = [
    "a photo of a cat sitting on a red sofa next to a window",
    "Question: what does the button say? Answer: ok.",
    "the screen shows a web browser with a search box and two buttons",
    "this is a cartoon of two monsters sitting around a campfire",
    "a person is holding a torch in the woods at night",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 .,:;?!'\"()-",
]


def build_tokenizer(family: str, vocab_size: int = 400):
    """Train a byte-level BPE tokenizer whose special tokens sit where the real ones do.

    OPT: ``<pad>``=1, ``</s>``=2 (BOS and EOS), BOS prepended.
    Flan-T5: ``<pad>``=0, ``</s>``=1, ``<unk>``=2, EOS appended.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    if family == "opt":
        specials = ["<s>", "<pad>", "</s>", "<unk>", "<image>"]
    else:
        specials = ["<pad>", "</s>", "<unk>", "<image>"]
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_CORPUS * 4, trainer=trainer)
    eos_id = tok.token_to_id("</s>")
    if family == "opt":
        tok.post_processor = processors.TemplateProcessing(
            single="</s> $A", pair="</s> $A </s> $B", special_tokens=[("</s>", eos_id)]
        )
        extra = {"bos_token": "</s>"}
    else:
        tok.post_processor = processors.TemplateProcessing(
            single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos_id)]
        )
        extra = {}
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        **extra,
    )
    return fast


def build_config(family: str, tokenizer, *, hidden: int = 64, query_tokens: int = 4, image_size: int = 32):
    """A tiny ``Blip2Config`` shaped like the real OPT or Flan-T5 ones.

    Every linear layer is at least 64 wide: bitsandbytes 4-bit on the CPU quantizes in
    blocks of 64 input features.
    """
    from transformers import Blip2Config, Blip2QFormerConfig, Blip2VisionConfig, OPTConfig, T5Config

    vocab = len(tokenizer)
    vision = Blip2VisionConfig(
        hidden_size=hidden, intermediate_size=hidden * 2, num_hidden_layers=2,
        num_attention_heads=2, image_size=image_size, patch_size=8,
    )
    qformer = Blip2QFormerConfig(
        hidden_size=hidden, intermediate_size=hidden * 2, num_hidden_layers=2,
        num_attention_heads=2, encoder_hidden_size=hidden, vocab_size=vocab,
    )
    pad = tokenizer.pad_token_id
    eos = tokenizer.eos_token_id
    if family == "opt":
        text = OPTConfig(
            vocab_size=vocab, hidden_size=hidden, ffn_dim=hidden * 2, num_hidden_layers=2,
            num_attention_heads=2, word_embed_proj_dim=hidden, max_position_embeddings=512,
            pad_token_id=pad, bos_token_id=eos, eos_token_id=eos,
        )
    else:
        text = T5Config(
            vocab_size=vocab, d_model=hidden, d_kv=hidden // 2, d_ff=hidden * 2, num_layers=2,
            num_decoder_layers=2, num_heads=2, feed_forward_proj="gated-gelu",
            is_encoder_decoder=True, tie_word_embeddings=False,
            pad_token_id=pad, eos_token_id=eos, decoder_start_token_id=pad,
        )
        text.bos_token_id = eos  # real blip2-flan-t5 configs carry "bos_token_id": 1
    return Blip2Config(
        vision_config=vision.to_dict(),
        qformer_config=qformer.to_dict(),
        text_config=text.to_dict(),
        num_query_tokens=query_tokens,
        image_token_index=tokenizer.convert_tokens_to_ids("<image>"),
    )


def build_processor(tokenizer, *, query_tokens: int, image_size: int):
    """A BLIP-2 processor for the tiny model's tokenizer and image size."""
    from transformers import Blip2Processor
    from transformers.models.blip.image_processing_pil_blip import BlipImageProcessorPil

    image_processor = BlipImageProcessorPil(size={"height": image_size, "width": image_size})
    return Blip2Processor(image_processor, tokenizer, num_query_tokens=query_tokens)


def save_tiny_model(family: str, out: str | Path, *, seed: int = 0, image_size: int = 32, hidden: int = 64) -> Path:
    """Build and save a tiny BLIP-2 checkpoint (``family`` is "opt" or "t5") to ``out``.

    ``hidden=128`` gives attention heads of 64 dimensions, the smallest vLLM's CPU attention serves.
    """
    import torch
    from transformers import Blip2ForConditionalGeneration

    if family not in ("opt", "t5"):
        raise ValueError(f"unknown family {family!r}: use 'opt' or 't5'")
    out = Path(out)
    tokenizer = build_tokenizer(family)
    config = build_config(family, tokenizer, image_size=image_size, hidden=hidden)
    torch.manual_seed(seed)
    model = Blip2ForConditionalGeneration(config).eval()
    # The default init is so small that every prompt yields the same token. Wider
    # weights make the output depend on the image and the prompt, as in a real model.
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in model.parameters():
            if param.dim() >= 2:
                param.normal_(0.0, 2.0 / param.shape[-1] ** 0.5, generator=gen)
    processor = build_processor(tokenizer, query_tokens=config.num_query_tokens, image_size=image_size)
    model.save_pretrained(out, safe_serialization=True)
    processor.save_pretrained(out)
    return out
