"""LoRA slots in the memory model against hand-computed figures from vLLM 0.23.0's preallocation
(vllm/lora/layers/*.py create_lora_weights: per slot, A = rank x input and B = output x rank per projection)."""

from __future__ import annotations

import pytest

from rocm_vllm.capacity import LoraSlots, lora_bytes_per_gpu, lora_dtype_bytes, plan_memory
from rocm_vllm.catalog import load_catalog

MIB = 2**20


def _model(hf_id: str):  # type: ignore[no-untyped-def]
    found = load_catalog().checkpoint(hf_id)
    assert found is not None
    return found


def test_llama_3_1_8b_rank_16_one_slot_is_80_mib() -> None:
    """Worked example. Llama 3.1 8B: h 4096, 32 heads, 8 KV heads, head dim 128, MLP 14336, 32 layers, TP 1.
    Per layer and rank: A = 3h (q,k,v slices) + 32x128 (o) + 2h (gate, up) + 14336 (down) = 38,912;
    B = (32 + 2x8)x128 (qkv) + h (o) + 2x14336 (gate_up) + h (down) = 43,008; together 81,920.
    x 32 layers x rank 16 x 1 slot x 2 bytes (bf16) = 83,886,080 bytes = 80 MiB."""
    model, _ = _model("meta-llama/Llama-3.1-8B-Instruct")
    assert (
        lora_bytes_per_gpu(model, LoraSlots(max_loras=1, max_lora_rank=16), tensor=1, pipeline=1) == 80 * MIB
    )


def test_slots_and_rank_scale_linearly() -> None:
    model, _ = _model("meta-llama/Llama-3.1-8B-Instruct")
    assert lora_bytes_per_gpu(model, LoraSlots(4, 64), 1, 1) == 16 * 80 * MIB


def test_tensor_parallel_splits_only_the_sharded_sides() -> None:
    """TP 8: qkv and gate_up keep A whole and split B; o and down split A and keep B whole.
    Per layer and rank: A = 3h + 4096/8 + 2h + 14336/8 = 22,784; B = (4 + 2x1)x128 + h + 28672/8 + h = 12,544
    (8 KV heads / 8 ranks = 1 per rank); 35,328 x 32 x 16 x 2 = 36,175,872 bytes = 34.5 MiB."""
    model, _ = _model("meta-llama/Llama-3.1-8B-Instruct")
    assert lora_bytes_per_gpu(model, LoraSlots(1, 16), tensor=8, pipeline=1) == 36_175_872


def test_pipeline_stages_split_the_layers() -> None:
    model, _ = _model("meta-llama/Llama-3.1-8B-Instruct")
    assert lora_bytes_per_gpu(model, LoraSlots(1, 16), 1, pipeline=2) == 40 * MIB


def test_routed_experts_get_slots_per_local_expert() -> None:
    """Mixtral 8x7B (8 experts of width 14336, no dense MLP): per layer and rank, attention 26,624 and
    8 x (2h + 2x14336 + 14336 + h) = 442,368 for the experts; 468,992 x 32 layers x 16 x 2 = 480,247,808 bytes."""
    model, _ = _model("amd/Mixtral-8x7B-Instruct-v0.1-FP8-KV")
    assert lora_bytes_per_gpu(model, LoraSlots(1, 16), 1, 1) == 480_247_808


def test_expert_parallelism_keeps_only_local_experts() -> None:
    model, _ = _model("amd/Mixtral-8x7B-Instruct-v0.1-FP8-KV")
    one_rank = lora_bytes_per_gpu(model, LoraSlots(1, 16), tensor=1, pipeline=1, data=8, expert=False)
    spread = lora_bytes_per_gpu(model, LoraSlots(1, 16), tensor=1, pipeline=1, data=8, expert=True)
    # 1 local expert of 8: attention 26,624 + 1 x 55,296 per layer and rank
    assert spread == (26_624 + 55_296) * 32 * 16 * 2
    assert spread < one_rank


@pytest.mark.parametrize(
    ("lora_dtype", "dtype", "native", "expected"),
    [
        (None, "auto", "bfloat16", 2),
        ("auto", "float32", "bfloat16", 4),
        ("bfloat16", "float32", "float32", 2),
    ],
)
def test_lora_dtype_auto_follows_the_model(
    lora_dtype: str | None, dtype: str, native: str, expected: int
) -> None:
    assert lora_dtype_bytes(lora_dtype, dtype, native) == expected


def test_lora_slots_come_out_of_the_kv_cache() -> None:
    model, checkpoint = _model("meta-llama/Llama-3.1-8B-Instruct")
    gpu = load_catalog().gpus["MI300X"]
    common = dict(
        tensor=1,
        pipeline=1,
        data=1,
        expert=False,
        dtype="bfloat16",
        quantization=None,
        kv_cache_dtype="auto",
        gpu_memory_utilization=0.9,
        max_model_len=32768,
    )
    plain = plan_memory(model, checkpoint, gpu, **common)  # type: ignore[arg-type]
    with_lora = plan_memory(model, checkpoint, gpu, lora=LoraSlots(8, 64), **common)  # type: ignore[arg-type]
    assert plain.lora_bytes_per_gpu == 0
    assert with_lora.lora_bytes_per_gpu == 8 * 4 * 80 * MIB
    assert plain.kv_budget_bytes_per_gpu - with_lora.kv_budget_bytes_per_gpu == pytest.approx(
        8 * 4 * 80 * MIB
    )
    assert with_lora.kv_tokens < plain.kv_tokens
