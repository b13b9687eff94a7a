import pytest

from assistant.config import ModelSettings
from assistant.core.errors import ModelLoadError
from assistant.core.model.device import GIB, Hardware, ModelSize, choose_plan

OPT_2_7B = ModelSize(vision=1_100_000_000, language=2_700_000_000)  # ~15 GiB in fp32


def plan(hw, size=OPT_2_7B, **settings):
    return choose_plan(ModelSettings(**settings), hw, size)


def test_cuda_gets_4bit_nf4_with_fp16_compute():
    p = plan(Hardware(cuda=True, cuda_name="RTX 3060"))
    assert (p.device, p.quantization, p.language_dtype, p.label) == ("cuda", "4bit", "float16", "cuda-4bit")
    assert "RTX 3060" in p.reason


@pytest.mark.parametrize("quant", ["8bit", "none"])
def test_cuda_quantization_can_be_overridden(quant):
    assert plan(Hardware(cuda=True), quantization=quant).quantization == quant


def test_cpu_is_never_4bit_by_default():
    for hw in (Hardware(), Hardware(cpu_native_bf16=True), Hardware(available_memory=2 * GIB)):
        assert plan(hw).quantization == "none"


def test_cpu_with_native_bf16_runs_bf16():
    assert plan(Hardware(cpu_native_bf16=True, available_memory=64 * GIB)).label == "cpu-bf16"


def test_cpu_without_native_bf16_runs_fp32_when_memory_allows():
    assert plan(Hardware(available_memory=32 * GIB)).label == "cpu-fp32"


def test_cpu_without_native_bf16_and_little_memory_keeps_vision_fp32_and_language_bf16():
    p = plan(Hardware(available_memory=12 * GIB))
    assert (p.vision_dtype, p.language_dtype, p.label) == ("float32", "bfloat16", "cpu-fp32+bf16")
    assert "GiB" in p.reason


def test_cpu_precision_and_device_can_be_forced():
    hw = Hardware(cuda=True, cpu_native_bf16=True)
    assert plan(hw, device="cpu", cpu_precision="fp32").label == "cpu-fp32"
    assert plan(Hardware(), cpu_precision="bf16").label == "cpu-bf16"
    assert plan(Hardware(), quantization="4bit").label == "cpu-4bit"


def test_asking_for_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(ModelLoadError, match="CUDA"):
        plan(Hardware(), device="cuda")


def test_invalid_settings_are_refused():
    with pytest.raises(ValueError, match="quantization"):
        ModelSettings(quantization="3bit")
