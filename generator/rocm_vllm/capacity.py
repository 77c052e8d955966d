"""Memory and bandwidth arithmetic shared by the recipe checks, `plan` and `select`.

All figures are per GPU unless a name says otherwise.  The model follows how vLLM lays a model out:
weights split over tensor x pipeline ranks (experts over tensor x data ranks with expert parallelism),
KV heads split over tensor ranks (replicated when there are fewer KV heads than ranks), MLA's latent
cache replicated on every tensor rank, layers split over pipeline stages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rocm_vllm.catalog import BYTES_PER_WEIGHT, Checkpoint, GpuSpec, ModelSpec

# Memory vLLM needs beyond weights and KV cache at peak: activations of a full scheduler batch,
# HIP graph pools, RCCL buffers and the allocator's slack.  An estimate, deliberately generous so a
# recipe that passes is not rejected at start-up by vLLM's own profiling run.
RUNTIME_RESERVE_BYTES = 4 * 2**30

FP8_QUANTIZATIONS = frozenset({"fp8", "fp8_per_tensor", "fp8_per_block", "fbgemm_fp8", "mxfp8"})
MXFP4_QUANTIZATIONS = frozenset({"mxfp4", "gpt_oss_mxfp4"})


def kv_bytes_per_element(kv_cache_dtype: str, dtype: str, native_dtype: str) -> int:
    """Bytes one cached K or V element takes: fp8 variants 1, else the activation dtype's width."""
    if kv_cache_dtype.startswith("fp8") or kv_cache_dtype in {"int8_per_token_head"}:
        return 1
    if kv_cache_dtype in {"bfloat16", "float16"}:
        return 2
    activation = native_dtype if dtype == "auto" else dtype
    return 4 if activation in {"float32", "float"} else 2


def weight_storage_dtype(checkpoint: Checkpoint, quantization: str | None, dtype: str) -> str:
    """The format the weights take in GPU memory after vLLM loads (and maybe quantizes) them."""
    stored = checkpoint.weight_dtype
    if stored in {"bfloat16", "float16", "float32"}:
        if quantization in FP8_QUANTIZATIONS:
            return "fp8"
        if quantization in MXFP4_QUANTIZATIONS:
            return "mxfp4"
        if dtype in {"float32", "float"}:
            return "float32"
        if dtype in {"float16", "half", "bfloat16"}:
            return dtype if dtype != "half" else "float16"
    return stored


def model_weight_bytes(
    model: ModelSpec, checkpoint: Checkpoint, quantization: str | None, dtype: str
) -> float:
    """Bytes of all the model's weights in GPU memory."""
    storage = weight_storage_dtype(checkpoint, quantization, dtype)
    if checkpoint.weight_bytes and storage == checkpoint.weight_dtype:
        return float(checkpoint.weight_bytes)
    return model.total_params * BYTES_PER_WEIGHT.get(storage, 2.0)


def expert_weight_share(model: ModelSpec) -> float:
    """Fraction of the parameters that sit in routed experts (0 for a dense model).

    total = shared + E*e and active = shared + k*e give e = (total - active)/(E - k).
    """
    if not model.is_moe or not model.experts_per_token or model.num_experts is None:
        return 0.0
    per_expert = (model.total_params - model.active_params) / (model.num_experts - model.experts_per_token)
    return min(1.0, max(0.0, model.num_experts * per_expert / model.total_params))


def weight_bytes_per_gpu(
    total_weight_bytes: float, model: ModelSpec, tensor: int, pipeline: int, data: int, expert: bool
) -> float:
    """Weights on one GPU: everything over tensor x pipeline ranks; with expert parallelism the
    routed experts are instead spread over tensor x data ranks of each pipeline stage."""
    if expert and data > 1:
        share = expert_weight_share(model)
        dense = total_weight_bytes * (1 - share) / (tensor * pipeline)
        experts = total_weight_bytes * share / (tensor * data * pipeline)
        return dense + experts
    return total_weight_bytes / (tensor * pipeline)


def kv_bytes_per_token(model: ModelSpec, element_bytes: int) -> int:
    """KV cache bytes one token takes across the whole model (all layers, all KV heads).

    Standard attention: 2 (K and V) x layers x KV heads x head dim x bytes.
    MLA: layers x (kv_lora_rank + qk_rope_head_dim) x bytes (one compressed latent, no separate V).
    """
    if model.is_mla and model.kv_lora_rank is not None and model.qk_rope_head_dim is not None:
        return model.num_layers * (model.kv_lora_rank + model.qk_rope_head_dim) * element_bytes
    return 2 * model.num_layers * model.num_key_value_heads * model.head_dim * element_bytes


def kv_bytes_per_token_per_gpu(model: ModelSpec, element_bytes: int, tensor: int, pipeline: int) -> float:
    """KV cache bytes per token on one GPU of the busiest pipeline stage."""
    layers = math.ceil(model.num_layers / pipeline)
    if model.is_mla and model.kv_lora_rank is not None and model.qk_rope_head_dim is not None:
        # The latent cache is not sharded by head: every tensor rank keeps all of it.
        return float(layers * (model.kv_lora_rank + model.qk_rope_head_dim) * element_bytes)
    heads_per_gpu = max(1, math.ceil(model.num_key_value_heads / tensor))
    return float(2 * layers * heads_per_gpu * model.head_dim * element_bytes)


@dataclass(frozen=True)
class MemoryPlan:
    """How one GPU's memory divides for a layout, and what the KV cache can hold."""

    gpu_memory_bytes: int
    budget_bytes: float  # memory x gpu_memory_utilization
    weight_bytes_per_gpu: float
    reserve_bytes: float
    kv_budget_bytes_per_gpu: float
    kv_bytes_per_token: int  # whole model, one token
    kv_bytes_per_token_per_gpu: float
    kv_tokens: int  # tokens the replica's KV cache holds
    max_model_len: int
    decode_tokens_per_s_bound: float  # batch 1, one max-length context, per engine replica

    @property
    def weights_fit(self) -> bool:
        return self.weight_bytes_per_gpu + self.reserve_bytes < self.budget_bytes

    @property
    def max_length_sequences(self) -> int:
        return self.kv_tokens // self.max_model_len if self.max_model_len else 0


def plan_memory(
    model: ModelSpec,
    checkpoint: Checkpoint,
    gpu: GpuSpec,
    *,
    tensor: int,
    pipeline: int,
    data: int,
    expert: bool,
    dtype: str,
    quantization: str | None,
    kv_cache_dtype: str,
    gpu_memory_utilization: float,
    max_model_len: int,
) -> MemoryPlan:
    total_weights = model_weight_bytes(model, checkpoint, quantization, dtype)
    per_gpu_weights = weight_bytes_per_gpu(total_weights, model, tensor, pipeline, data, expert)
    element = kv_bytes_per_element(kv_cache_dtype, dtype, model.native_dtype)
    per_token = kv_bytes_per_token(model, element)
    per_token_gpu = kv_bytes_per_token_per_gpu(model, element, tensor, pipeline)
    budget = gpu.memory_bytes * gpu_memory_utilization
    kv_budget = max(0.0, budget - per_gpu_weights - RUNTIME_RESERVE_BYTES)
    kv_tokens = int(kv_budget // per_token_gpu) if per_token_gpu else 0
    # Decode reads every active weight once per token; tensor ranks read their shards in parallel,
    # pipeline stages one after another, so one sequence sees `tensor` GPUs' bandwidth.
    active_bytes = total_weights * (model.active_params / model.total_params)
    bytes_per_step = active_bytes + per_token * max_model_len
    bound = tensor * gpu.bandwidth_bytes_per_s / bytes_per_step if bytes_per_step else 0.0
    return MemoryPlan(
        gpu_memory_bytes=gpu.memory_bytes,
        budget_bytes=budget,
        weight_bytes_per_gpu=per_gpu_weights,
        reserve_bytes=float(RUNTIME_RESERVE_BYTES),
        kv_budget_bytes_per_gpu=kv_budget,
        kv_bytes_per_token=per_token,
        kv_bytes_per_token_per_gpu=per_token_gpu,
        kv_tokens=kv_tokens,
        max_model_len=max_model_len,
        decode_tokens_per_s_bound=bound,
    )


def gib(value: float) -> str:
    return f"{value / 2**30:.1f} GiB"
