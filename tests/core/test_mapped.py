"""The converted weights' file format: written aligned, read back by safetensors and by our map."""

from __future__ import annotations

import torch
from safetensors import safe_open

from assistant.core.model.local import int8, mapped


def test_written_files_are_valid_safetensors_with_every_whole_tensor_64_byte_aligned(tmp_path):
    tensors = {
        "odd.f32": torch.randn(3, 5),  # 60 bytes: written after the aligned ones
        "layer.qweight": torch.randint(-127, 127, (96, 64), dtype=torch.int8),
        "layer.scale": torch.rand(96),
        "norm.bf16": torch.randn(7, 32).to(torch.bfloat16),  # 448 bytes
        "flag": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.empty(0, 4),
        "other.qweight": torch.randint(-127, 127, (40, 32), dtype=torch.int8),
    }
    path = tmp_path / "shard.safetensors"
    mapped.write_aligned(path, tensors, metadata={"format": "pt"})
    with safe_open(str(path), framework="pt") as f:  # what safetensors itself reads
        assert f.metadata() == {"format": "pt"} and set(f.keys()) == set(tensors)
        for name, tensor in tensors.items():
            assert torch.equal(f.get_tensor(name), tensor), name
    views = dict(mapped.MappedFile(path).tensors())
    for name, tensor in tensors.items():
        assert torch.equal(views[name], tensor), name
        if tensor.numel() and tensor.numel() * tensor.element_size() % mapped.ALIGN == 0:
            assert views[name].data_ptr() % mapped.ALIGN == 0, name
    mapped.forget_maps()


def test_an_unaligned_int8_weight_is_copied_before_the_unpacked_kernel_uses_it():
    """aten._weight_int8pack_mm loads weights with aligned vector loads: at an odd multiple of 8 it crashed."""
    out_features, in_features = 48, 64
    q, scale = int8.quantize_weight(torch.randn(out_features, in_features))
    buffer = torch.zeros(out_features * in_features + 64, dtype=torch.int8)  # at a multiple of 64 (torch's allocator)
    unaligned = buffer[8:8 + out_features * in_features].view(out_features, in_features)
    unaligned.copy_(q)
    assert unaligned.data_ptr() % 16 != 0
    released = []
    layer = int8.make_linear(unaligned, scale, None, packed=False, release=released.append)
    assert layer.packed is None and released and released[0] is unaligned  # copied; the mapped pages can go
    x = torch.randn(5, in_features)
    expected = x @ (q.float() * scale[:, None]).T
    assert torch.allclose(layer(x), expected, rtol=0.05, atol=0.05)
