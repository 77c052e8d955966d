"""Memory arithmetic against hand-computed numbers, following vLLM 0.23.0's own accounting
(docs/research/issue-12-facts.md section 2)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from rocm_vllm.capacity import (
    NON_TORCH_BYTES,
    MemoryPlan,
    activation_peak_bytes,
    expert_weight_share,
    kv_bytes_per_element,
    kv_bytes_per_token,
    kv_bytes_per_token_per_gpu,
    kv_layout,
    plan_memory,
    scheduler_batch,
    serve_batch_defaults,
    weight_bytes,
    weight_bytes_per_gpu,
    weight_storage_dtype,
)
from rocm_vllm.catalog import Checkpoint, GpuSpec, ModelSpec, load_catalog

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
    vocab_size=128256,
    intermediate_size=28672,
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
    memory_bytes=206_141_652_992,
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


def test_catalog_hbm_is_the_runtime_byte_count() -> None:
    gpus = load_catalog().gpus
    # rocm-smi "VRAM Total Memory (B)" on bare-metal MI300X; 192 GiB - 16 MiB
    assert gpus["MI300X"].memory_bytes == 206_141_652_992 == 192 * 2**30 - 16 * 2**20
    assert gpus["MI355X"].memory_bytes == 309_220_868_096 == 288 * 2**30 - 16 * 2**20
    assert gpus["MI250X"].memory_bytes == gpus["MI250"].memory_bytes == 68_702_699_520


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


def test_gpt_oss_counts_only_the_experts_as_mxfp4() -> None:
    model = load_catalog().models["gpt-oss-120b"]
    checkpoint = model.checkpoints[0]
    weights = weight_bytes(model, checkpoint, None, "auto")
    # 36 MoE layers x 128 experts x 3 x 2880 x 2880 = 114,661,785,600 params at 4.25 bits, the other
    # 116,788,838,400 - that = 2,127,052,800 params (computed from the shapes) in BF16.
    experts = 36 * 128 * 3 * 2880 * 2880
    assert model.total_params == 116_788_838_400
    assert weights.routed_experts == pytest.approx(experts * 4.25 / 8)
    assert weights.total == pytest.approx(experts * 4.25 / 8 + (116_788_838_400 - experts) * 2)
    # 60.7 GiB (docs/research/issue-12-facts.md: "≈ 65.2 GB = 60.8 GiB"): 5% more than counting every
    # parameter as MXFP4 (57.8 GiB), the "~5% low"
    assert weights.total / 2**30 == pytest.approx(60.69, abs=0.01)
    assert weights.total / (model.total_params * 4.25 / 8) == pytest.approx(1.0503, abs=1e-3)


def test_quantized_checkpoints_keep_the_embedding_table_and_lm_head_in_bf16() -> None:
    """FP8 (and every other quantized format) covers linear layers only: Llama 3.1 70B's 2 x 128,256 x 8192
    embedding and LM-head parameters stay 2 bytes, the rest take one; tied, the table counts once."""
    tables = 2 * 128_256 * 8192
    fp8 = weight_bytes(LLAMA_70B, Checkpoint("x/fp8", "fp8"), None, "auto")
    assert fp8.total == pytest.approx((70.6e9 - tables) * 1 + tables * 2)
    assert fp8.embedding == pytest.approx(tables / 2 * 2)  # one table row per token, read in BF16
    online = weight_bytes(LLAMA_70B, BF16, "fp8", "auto")  # --quantization fp8 on a BF16 checkpoint
    assert online.total == pytest.approx(fp8.total)
    assert weight_bytes(LLAMA_70B, BF16, None, "auto").total == pytest.approx(70.6e9 * 2)
    tied = replace(LLAMA_70B, tied_embeddings=True, total_params=70.6e9 - tables / 2)
    assert weight_bytes(tied, Checkpoint("x/fp8", "fp8"), None, "auto").total == pytest.approx(
        (70.6e9 - tables) * 1 + tables / 2 * 2
    )


def test_expert_parallel_spreads_experts_over_data_ranks() -> None:
    total = 671e9
    plain = weight_bytes_per_gpu(total, DEEPSEEK_R1, tensor=1, pipeline=1, data=8, expert=False)
    spread = weight_bytes_per_gpu(total, DEEPSEEK_R1, tensor=1, pipeline=1, data=8, expert=True)
    assert plain == total and spread < total / 4


def test_wide_ep_shards_experts_and_replicates_the_dense_part_per_data_rank() -> None:
    total, share = 600e9, 0.9
    experts = DEEPSEEK_R1.num_experts or 0
    per_gpu = weight_bytes_per_gpu(total, DEEPSEEK_R1, 1, 1, 16, True, expert_share=share)
    # dense 10% whole on every one of the 16 DP ranks (TP 1), routed experts 256 / 16 = 16 per GPU
    assert per_gpu == pytest.approx(total * 0.1 + total * share * (16 / experts))
    # TP 2 x DP 8: the same 16 expert ranks, the dense part split over the 2 tensor ranks
    assert weight_bytes_per_gpu(total, DEEPSEEK_R1, 2, 1, 8, True, expert_share=share) == pytest.approx(
        total * 0.1 / 2 + total * share * (16 / experts)
    )


def test_eplb_redundant_experts_add_copies_per_rank() -> None:
    total, share = 600e9, 0.9
    experts = DEEPSEEK_R1.num_experts or 0
    plain = weight_bytes_per_gpu(total, DEEPSEEK_R1, 1, 1, 16, True, expert_share=share)
    redundant = weight_bytes_per_gpu(
        total, DEEPSEEK_R1, 1, 1, 16, True, expert_share=share, redundant_experts=32
    )
    # (256 + 32) / 16 = 18 experts per GPU instead of 16
    assert redundant - plain == pytest.approx(total * share * 2 / experts)


def test_serve_defaults_follow_the_gpu_size() -> None:
    assert serve_batch_defaults(MI300X) == (8192, 1024)
    assert serve_batch_defaults(load_catalog().gpus["MI210"]) == (2048, 256)


def test_serve_defaults_follow_the_release_the_image_carries() -> None:
    """vLLM 0.29.0 adds a 160 GiB tier (16384 batched tokens) that MI300-class GPUs reach; MI210 keeps 2048."""
    catalog = load_catalog()
    mi300x, mi355x, mi210 = (catalog.gpus[name] for name in ("MI300X", "MI355X", "MI210"))
    assert serve_batch_defaults(mi300x, "0.23.0") == serve_batch_defaults(mi355x, "0.23.0") == (8192, 1024)
    assert serve_batch_defaults(mi300x, "0.29.0") == serve_batch_defaults(mi355x, "0.29.0") == (16384, 1024)
    assert serve_batch_defaults(mi210, "0.29.0") == (2048, 256)
    assert serve_batch_defaults(mi300x, "0.26.1") == (8192, 1024)  # between two listed releases: the older
    late = _plan_70b(release="0.29.0")
    assert late.max_num_batched_tokens == 16384
    assert late.activation_bytes == 2 * _plan_70b().activation_bytes  # twice the tokens in the profile batch


def test_activation_peak_is_the_larger_of_forward_and_sampler() -> None:
    # forward: 8192 tokens x 2 B x (4 x 8192 + 3 x 28672 / 8); sampler: 1024 x 128,256 x 4 B
    assert activation_peak_bytes(LLAMA_70B, 8, 8192, 1024) == 8192 * 2 * (4 * 8192 + 3 * 3584) == 713_031_680
    # at 2048 batched tokens the sampler's logits are the peak
    assert activation_peak_bytes(LLAMA_70B, 8, 2048, 1024) == 1024 * 128_256 * 4
    # more batched tokens, more activation memory
    assert activation_peak_bytes(LLAMA_70B, 8, 32768, 1024) == 4 * 713_031_680


def test_llama_70b_plan_on_mi300x_by_hand() -> None:
    plan = _plan_70b()
    weights = 70.6e9 * 2 / 8
    budget = math.ceil(206_141_652_992 * 0.9)  # vLLM requests ceil(total x utilization)
    assert plan.budget_bytes == budget == 185_527_487_693
    assert plan.weight_bytes_per_gpu == pytest.approx(weights)
    # torch's RCCL communicator for the 8-rank tensor-parallel group: 189 connections x 8 MiB (tp_buffers.py)
    assert plan.communication_bytes == 189 * 8 * 2**20
    kv = budget - weights - 713_031_680 - NON_TORCH_BYTES - 189 * 8 * 2**20
    assert plan.kv_budget_bytes_per_gpu == pytest.approx(kv)
    # blocks = kv // (16 x 1 head x 128 x 2 x 2 B) // 80 layers; tokens = blocks x 16
    assert plan.kv_tokens == int(kv) // 8192 // 80 * 16 == 4_039_824
    assert plan.max_length_sequences == plan.kv_tokens // 8192
    # Decode: (141.2e9 B weights - 128,256 x 8192 x 2 B embedding table) / 8 + 8192 x 40,960 B KV per GPU
    per_gpu = (141.2e9 - 128_256 * 8192 * 2) / 8 + 8192 * 40_960
    assert plan.decode_tokens_per_s_bound == pytest.approx(5.3e12 / per_gpu)
    assert plan.decode_tokens_per_s_bound == pytest.approx(299.05, abs=0.01)
    assert plan.weights_fit and plan.fits_one_sequence


def test_more_batched_tokens_leave_less_kv() -> None:
    assert _plan_70b(max_num_batched_tokens=32768).kv_tokens < _plan_70b().kv_tokens


def test_weights_that_do_not_fit() -> None:
    # 141.2 GB of bf16 weights on one GPU fit 0.9 x 191.98 GiB, but not 0.68 x that = 140.2 GB.
    fits = _plan_70b(tensor=1, dtype="auto")
    assert fits.weights_fit
    plan = _plan_70b(tensor=1, dtype="auto", gpu_memory_utilization=0.68)
    assert not plan.weights_fit and plan.kv_tokens == 0 and plan.fitted_max_model_len == 0


def test_fit_to_memory_picks_the_longest_length_that_fits() -> None:
    plan = _plan_70b(tensor=1, max_model_len=-1)
    # TP1: 327,680 B per token; the fitted length is the block count's tokens (a whole number of blocks)
    kv = plan.kv_budget_bytes_per_gpu
    blocks = int(kv) // (16 * 2 * 8 * 128 * 2) // 80
    assert plan.max_model_len == plan.fitted_max_model_len == blocks * 16
    assert plan.fits_one_sequence
    assert not _plan_70b(tensor=1, max_model_len=blocks * 16 + 1).fits_one_sequence
    # enough memory for the whole context: the model's positions
    assert _plan_70b(max_model_len=-1).max_model_len == 131072


def test_sliding_window_layers_are_sized_as_vllm_sizes_them() -> None:
    gpt_oss = load_catalog().models["gpt-oss-120b"]
    layout = kv_layout(gpt_oss, 2, tensor=1, pipeline=1)
    # 18 full + 18 sliding layers: one group of 18 each; page = 16 x 8 heads x 64 x 2 x 2 B
    assert (layout.group_size, layout.full_groups, layout.sliding_groups) == (18, 1, 1)
    assert layout.page_bytes == 32_768
    # per request at 131,072 tokens: full cdiv(131072, 16) = 8192 blocks; sliding
    # cdiv(min(127 + 8192, 131072), 16) + 1 = 521
    assert layout.blocks_per_request(131_072, 8192) == 8192 + 521
    # short contexts: the window plus a batch covers the whole length, sliding costs as much as full
    assert layout.blocks_per_request(4096, 8192) == 256 + 257


def test_scheduler_batch_follows_vllm_defaults() -> None:
    # unset: the GPU's default, capped at max_num_seqs x max_model_len
    assert scheduler_batch(MI300X, 32768, None, None) == (8192, 1024)
    assert scheduler_batch(MI300X, 4, None, None) == (4096, 1024)
    # chunked prefill off: at least max_model_len
    assert scheduler_batch(MI300X, 32768, None, None, chunked_prefill=False) == (32768, 1024)
    # given batched tokens: the sequences default to at most that many
    assert scheduler_batch(MI300X, 8192, 512, None) == (512, 512)
    assert scheduler_batch(load_catalog().gpus["MI250"], 8192, None, None) == (2048, 256)
    # the profile run then sizes activations for the settled batch
    assert _plan_70b(max_model_len=32768, chunked_prefill=False).max_num_batched_tokens == 32768


def test_chunked_local_layers_are_sized_as_vllm_sizes_them() -> None:
    scout = load_catalog().models["llama-4-scout-17b-16e-instruct"]
    layout = kv_layout(scout, 2, tensor=1, pipeline=1)
    # 12 global + 36 chunked layers: 36 >= 1.5 x 12, so groups of 12: one full, three chunked
    assert (layout.group_size, layout.full_groups, layout.chunked_groups) == (12, 1, 3)
    # at 131,072 tokens: cdiv(131072, 16) + 3 x cdiv(min(8192 + 8192, 131072), 16)
    assert layout.blocks_per_request(131_072, 8192) == 8192 + 3 * 1024
