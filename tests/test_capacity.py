"""Memory arithmetic against hand-computed numbers (the worked examples in the issue and platform facts)."""

from __future__ import annotations

import pytest

from rocm_vllm.capacity import (
    RUNTIME_RESERVE_BYTES,
    MemoryPlan,
    expert_weight_share,
    kv_bytes_per_element,
    kv_bytes_per_token,
    kv_bytes_per_token_per_gpu,
    plan_memory,
    weight_bytes_per_gpu,
    weight_storage_dtype,
)
from rocm_vllm.catalog import Checkpoint, GpuSpec, ModelSpec

LLAMA_70B = ModelSpec(
    name="llama-70b",
    num_layers=80,
    hidden_size=8192,
    num_attention_heads=64,
    num_key_value_heads=8,
    head_dim=128,
    max_position_embeddings=131072,
    native_dtype="bfloat16",
    total_params=70.6e9,
    active_params=70.6e9,
)
DEEPSEEK_R1 = ModelSpec(
    name="r1",
    num_layers=61,
    hidden_size=7168,
    num_attention_heads=128,
    num_key_value_heads=128,
    head_dim=128,
    max_position_embeddings=163840,
    native_dtype="bfloat16",
    total_params=671e9,
    active_params=37e9,
    attention="mla",
    kv_lora_rank=512,
    qk_rope_head_dim=64,
    num_experts=256,
    experts_per_token=8,
)
MI300X = GpuSpec(
    name="MI300X",
    arch="gfx942",
    generation=2,
    memory_bytes=192 * 10**9,
    bandwidth_bytes_per_s=5.3e12,
    precisions=("bfloat16", "float16", "fp8"),
    device_ids=("74a1",),
)
BF16 = Checkpoint(hf_id="x/bf16", weight_dtype="bfloat16")


def _plan_70b(**overrides: object) -> MemoryPlan:
    """Llama 3.1 70B in BF16 on MI300X at TP 8, 0.9 utilization, 8192 tokens, unless overridden."""
    settings: dict[str, object] = {
        "tensor": 8,
        "pipeline": 1,
        "data": 1,
        "expert": False,
        "dtype": "bfloat16",
        "quantization": None,
        "kv_cache_dtype": "auto",
        "gpu_memory_utilization": 0.9,
        "max_model_len": 8192,
    }
    settings.update(overrides)
    return plan_memory(LLAMA_70B, BF16, MI300X, **settings)  # type: ignore[arg-type]


def test_llama_70b_bf16_kv_bytes_per_token() -> None:
    assert kv_bytes_per_token(LLAMA_70B, 2) == 327_680  # 2 x 80 x 8 x 128 x 2


def test_deepseek_r1_mla_kv_bytes_per_token() -> None:
    assert kv_bytes_per_token(DEEPSEEK_R1, 2) == 70_272  # 61 x (512 + 64) x 2


def test_kv_split_over_tensor_ranks_and_replicated_past_kv_heads() -> None:
    assert kv_bytes_per_token_per_gpu(LLAMA_70B, 2, tensor=8, pipeline=1) == 327_680 / 8
    # 16 ranks, 8 KV heads: each rank keeps one (replicated) head, so no further saving.
    assert kv_bytes_per_token_per_gpu(LLAMA_70B, 2, tensor=16, pipeline=1) == 327_680 / 8
    assert kv_bytes_per_token_per_gpu(LLAMA_70B, 2, tensor=8, pipeline=2) == 327_680 / 16


def test_mla_latent_cache_is_not_split_by_tensor_ranks() -> None:
    assert kv_bytes_per_token_per_gpu(DEEPSEEK_R1, 2, tensor=8, pipeline=1) == 70_272
    assert kv_bytes_per_token_per_gpu(DEEPSEEK_R1, 2, tensor=8, pipeline=2) == 31 * 576 * 2


def test_kv_element_bytes() -> None:
    assert kv_bytes_per_element("auto", "auto", "bfloat16") == 2
    assert kv_bytes_per_element("fp8", "bfloat16", "bfloat16") == 1
    assert kv_bytes_per_element("auto", "float32", "bfloat16") == 4


def test_weight_storage_follows_online_quantization() -> None:
    assert weight_storage_dtype(BF16, "fp8", "auto") == "fp8"
    assert weight_storage_dtype(BF16, None, "float16") == "float16"
    assert weight_storage_dtype(Checkpoint("x/fp8", "fp8"), None, "auto") == "fp8"


def test_expert_share_from_total_and_active() -> None:
    # 256 experts, 8 active: per expert = (671 - 37) / 248; experts hold 256 x that of 671.
    assert expert_weight_share(DEEPSEEK_R1) == pytest.approx(256 * (634 / 248) / 671)
    assert expert_weight_share(LLAMA_70B) == 0.0


def test_expert_parallel_spreads_experts_over_data_ranks() -> None:
    total = 671e9
    plain = weight_bytes_per_gpu(total, DEEPSEEK_R1, tensor=1, pipeline=1, data=8, expert=False)
    spread = weight_bytes_per_gpu(total, DEEPSEEK_R1, tensor=1, pipeline=1, data=8, expert=True)
    assert plain == total and spread < total / 4


def test_llama_70b_plan_on_mi300x_by_hand() -> None:
    plan = _plan_70b()
    weights = 70.6e9 * 2 / 8
    budget = 192e9 * 0.9
    assert plan.weight_bytes_per_gpu == pytest.approx(weights)
    assert plan.kv_budget_bytes_per_gpu == pytest.approx(budget - weights - RUNTIME_RESERVE_BYTES)
    assert plan.kv_tokens == int((budget - weights - RUNTIME_RESERVE_BYTES) // 40_960)
    assert plan.max_length_sequences == plan.kv_tokens // 8192
    # Decode bound: 8 x 5.3 TB/s over (141.2 GB weights + 8192 x 327,680 B of KV).
    assert plan.decode_tokens_per_s_bound == pytest.approx(8 * 5.3e12 / (141.2e9 + 8192 * 327_680))
    assert plan.weights_fit


def test_weights_that_do_not_fit() -> None:
    # 141.2 GB of bf16 weights on one GPU fit 0.9 x 192 GB, but not 0.7 x 192 GB = 134.4 GB.
    fits = _plan_70b(tensor=1, dtype="auto")
    assert fits.weights_fit
    plan = _plan_70b(tensor=1, dtype="auto", gpu_memory_utilization=0.7)
    assert not plan.weights_fit and plan.kv_tokens == 0
