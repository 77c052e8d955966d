"""Memory and bandwidth arithmetic shared by the recipe checks, `plan` and `select`.

All figures are per GPU unless a name says otherwise.  The model follows how vLLM lays a model out:
weights split over tensor x pipeline ranks (with expert parallelism the routed experts over tensor x data
ranks, plus EPLB's redundant copies, while attention and dense layers are replicated on every data-parallel
rank), each data-parallel rank an engine with its own KV cache,
KV heads split over tensor ranks (replicated when there are fewer KV heads than ranks), MLA's latent
cache replicated on every tensor rank, layers split over pipeline stages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rocm_vllm import VLLM_VERSION
from rocm_vllm.catalog import BYTES_PER_WEIGHT, Checkpoint, GpuSpec, ModelSpec
from rocm_vllm.tp_buffers import communication_bytes
from rocm_vllm.vllm_facts import release_key

# vLLM 0.23.0 sizes the KV cache as (docs/research/issue-12-facts.md section 2.1, vllm/v1/worker/gpu_worker.py):
#   requested = ceil(total HBM x gpu_memory_utilization)
#   KV = requested - weights - torch activation peak of the profile run - non-torch memory
# On ROCm the CUDA-graph estimate is not subtracted (it is only computed on CUDA); graphs are captured after
# the KV cache is allocated and live in the 1 - gpu_memory_utilization headroom.
#
# The profile run is one forward pass of max_num_batched_tokens tokens followed by the sampler on up to
# max_num_seqs rows of float32 logits (gpu_model_runner.profile_run/_dummy_sampler_run); the forward's
# tensors are freed before the sampler runs, so the peak is the larger of the two.  Non-torch memory (HIP
# runtime, allocator pools, communication buffers allocated outside PyTorch) is the residual of the one tight
# public calibration point (C1: Gemma-3-4B on one MI300X, vLLM 0.23.0: 172.52 GiB requested - 162.84 GiB KV -
# 8.58 GiB weights = 1.10 GiB, of which this model's activation estimate is 1.00 GiB).  Tensor parallelism adds
# the communication buffers the profile run creates (tp_buffers.py: torch's RCCL communicator, and AITER's
# custom all-reduce when AITER is on).
NON_TORCH_BYTES = int(0.10 * 2**30)
BLOCK_SIZE = 16  # vLLM's default KV block size; capacities are whole blocks
# EngineArgs.get_batch_defaults: `vllm serve`'s (batched tokens, sequences) by GPU memory, first tier the GPU
# reaches; below every tier (MI210, an MI250 GCD) 2048 and 256.  0.23.0 (vllm/engine/arg_utils.py:2287-2335): 8192
# and 1024 from 70 GiB.  0.29.0 (arg_utils.py:2668-2720, PR #51726) adds 16384 and 1024 from 160 GiB, which
# MI300X, MI325X and MI355X reach.  A release between two listed ones takes the older one's tiers.
SERVE_BATCH_TIERS: dict[tuple[int, ...], tuple[tuple[int, int, int], ...]] = {
    (0, 23, 0): ((70 * 2**30, 8192, 1024),),
    (0, 29, 0): ((160 * 2**30, 16384, 1024), (70 * 2**30, 8192, 1024)),
}
SMALL_GPU_BATCH = (2048, 256)
DEFAULT_RELEASE = VLLM_VERSION  # the pinned release, whose accounting the rest of this module follows
ACTIVATION_BYTES = 2  # bf16/fp16 activations
LOGIT_BYTES = 4  # the sampler works on float32 logits

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


def routed_expert_params(model: ModelSpec) -> float:
    """Parameters in the routed experts: from the shapes when the expert width is known
    (MoE layers x experts x gate, up and down projections), else from total and active counts
    (total = shared + E*e and active = shared + k*e give e = (total - active)/(E - k))."""
    if not model.is_moe or model.num_experts is None:
        return 0.0
    if model.moe_intermediate_size:
        per_expert = 3 * model.hidden_size * model.moe_intermediate_size
        return float(min(model.total_params, model.num_moe_layers * model.num_experts * per_expert))
    if not model.experts_per_token or model.num_experts <= model.experts_per_token:
        return 0.0
    per_expert_total = (model.total_params - model.active_params) / (
        model.num_experts - model.experts_per_token
    )
    return min(model.total_params, max(0.0, model.num_experts * per_expert_total))


@dataclass(frozen=True)
class WeightBytes:
    """A model's weights in GPU memory, split the way layouts and decode steps need them."""

    total: float
    routed_experts: float  # all routed experts' bytes (spread by expert parallelism)
    active: float  # bytes one token's forward pass touches (dense part + k of E experts)
    embedding: float  # the input embedding table: a decode step reads one row of it

    @property
    def expert_share(self) -> float:
        return self.routed_experts / self.total if self.total else 0.0


def embedding_params(model: ModelSpec) -> float:
    """The input embedding table and, unless tied to it, the LM head: vocab x hidden each."""
    return float((model.vocab_size or 0) * model.hidden_size * (1 if model.tied_embeddings else 2))


def weight_bytes(
    model: ModelSpec, checkpoint: Checkpoint, quantization: str | None, dtype: str
) -> WeightBytes:
    """Exact bytes per part: routed experts in the checkpoint's expert format, the rest in its own
    (mixed-precision checkpoints such as gpt-oss keep attention, router and embeddings in BF16).  A quantized
    format never covers the embedding table and LM head: vLLM's FP8, MXFP4/Quark, AWQ/GPTQ and compressed-tensors
    methods quantize linear layers only (VocabParallelEmbedding/ParallelLMHead stay unquantized unless a method
    opts in), so they are counted in the activation dtype."""
    storage = weight_storage_dtype(checkpoint, quantization, dtype)
    other = storage
    if storage == checkpoint.weight_dtype and checkpoint.other_weight_dtype:
        other = checkpoint.other_weight_dtype
    float_bytes = 4.0 if (model.native_dtype if dtype == "auto" else dtype) in {"float32", "float"} else 2.0
    expert_params = routed_expert_params(model)
    table_params = min(embedding_params(model), model.total_params - expert_params)
    other_params = model.total_params - expert_params - table_params
    experts = expert_params * BYTES_PER_WEIGHT.get(storage, 2.0)
    tables = table_params * max(BYTES_PER_WEIGHT.get(other, 2.0), float_bytes)
    rest = other_params * BYTES_PER_WEIGHT.get(other, 2.0) + tables
    total = experts + rest
    if checkpoint.weight_bytes and storage == checkpoint.weight_dtype:
        scale = checkpoint.weight_bytes / total if total else 1.0
        experts, rest, tables, total = (
            experts * scale,
            rest * scale,
            tables * scale,
            float(checkpoint.weight_bytes),
        )
    active_share = (
        (model.experts_per_token or 0) / model.num_experts if model.is_moe and model.num_experts else 0.0
    )
    active = (
        rest + experts * active_share if expert_params else total * (model.active_params / model.total_params)
    )
    table = tables / (1 if model.tied_embeddings else 2) if table_params else 0.0
    return WeightBytes(total=total, routed_experts=experts, active=active, embedding=min(table, active))


def model_weight_bytes(
    model: ModelSpec, checkpoint: Checkpoint, quantization: str | None, dtype: str
) -> float:
    """Bytes of all the model's weights in GPU memory."""
    return weight_bytes(model, checkpoint, quantization, dtype).total


def expert_weight_share(model: ModelSpec) -> float:
    """Fraction of the parameters that sit in routed experts (0 for a dense model)."""
    return routed_expert_params(model) / model.total_params if model.total_params else 0.0


def weight_bytes_per_gpu(
    total_weight_bytes: float,
    model: ModelSpec,
    tensor: int,
    pipeline: int,
    data: int,
    expert: bool,
    expert_share: float | None = None,
    redundant_experts: int = 0,
) -> float:
    """Weights on the busiest GPU: everything over tensor x pipeline ranks; with expert parallelism the
    routed experts are instead spread over the tensor x data ranks (the expert-parallel size) of each pipeline
    stage, while attention and the dense layers stay replicated on every data-parallel rank (split by tensor
    only). The first `E mod ranks` ranks hold one expert more (vLLM allows an uneven split: base = E // ep,
    remainder = E % ep, vllm/model_executor/layers/fused_moe/expert_map_manager.py:67-76 in 0.23.0). EPLB's
    redundant experts add copies: (E + R) / ep experts per rank (FusedMoE.global_num_experts = E + R,
    fused_moe/layer.py:182)."""
    ranks = tensor * data
    if expert and model.is_moe and ranks > 1:
        share = expert_weight_share(model) if expert_share is None else expert_share
        experts = model.num_experts or ranks
        dense = total_weight_bytes * (1 - share) / (tensor * pipeline)
        busiest = math.ceil((experts + redundant_experts) / ranks) / experts
        return dense + total_weight_bytes * share * busiest / pipeline
    return total_weight_bytes / (tensor * pipeline)


def kv_bytes_per_token(model: ModelSpec, element_bytes: int) -> int:
    """KV cache bytes one token takes across the whole model (all layers, all KV heads).

    Standard attention: 2 (K and V) x layers x KV heads x head dim x bytes.
    MLA: layers x (kv_lora_rank + qk_rope_head_dim) x bytes (one compressed latent, no separate V).
    """
    return model.num_layers * _layer_bytes_per_token(model, element_bytes, model.num_key_value_heads)


def _layer_bytes_per_token(model: ModelSpec, element_bytes: int, kv_heads: int) -> int:
    """One layer's KV bytes per token (vLLM's page size / block size)."""
    if model.is_mla and model.kv_lora_rank is not None and model.qk_rope_head_dim is not None:
        return (model.kv_lora_rank + model.qk_rope_head_dim) * element_bytes
    return 2 * kv_heads * model.head_dim * element_bytes


def _kv_heads_per_rank(model: ModelSpec, tensor: int) -> int:
    # vLLM: max(1, total_kv_heads // tp) (replicated past the head count); MLA is one latent head on
    # every rank regardless of TP (ModelConfig.get_num_kv_heads, vllm/config/model.py:1284-1295).
    return 1 if model.is_mla else max(1, model.num_key_value_heads // tensor)


def kv_bytes_per_token_per_gpu(model: ModelSpec, element_bytes: int, tensor: int, pipeline: int) -> float:
    """KV cache bytes per token on one GPU of the busiest pipeline stage, every layer sized as full attention."""
    layers = math.ceil(model.num_layers / pipeline)
    return float(layers * _layer_bytes_per_token(model, element_bytes, _kv_heads_per_rank(model, tensor)))


@dataclass(frozen=True)
class KvLayout:
    """vLLM's KV cache groups on one GPU: layers of one attention kind share a group of `group_size` layers
    (`_get_kv_cache_groups_uniform_page_size`, vllm/v1/core/kv_cache_utils.py:1074-1193)."""

    page_bytes: int  # one layer's block
    group_size: int
    full_groups: int
    sliding_groups: int
    sliding_window: int
    chunked_groups: int = 0
    attention_chunk_size: int = 0

    def blocks_per_request(self, max_model_len: int, max_num_batched_tokens: int) -> int:
        """Blocks one max-length request needs: full attention cdiv(L, block); sliding window
        cdiv(min(window - 1 + batched tokens, L), block) + 1 (SlidingWindowSpec.max_admission_blocks_per_request);
        chunked local attention cdiv(min(chunk + batched tokens, L), block) (ChunkedLocalAttentionSpec,
        vllm/v1/kv_cache_interface.py:426-439)."""
        full = math.ceil(max_model_len / BLOCK_SIZE)
        sliding = chunked = 0
        if self.sliding_groups:
            span = min(self.sliding_window - 1 + max_num_batched_tokens, max_model_len)
            sliding = math.ceil(span / BLOCK_SIZE) + 1
        if self.chunked_groups:
            chunked = math.ceil(
                min(self.attention_chunk_size + max_num_batched_tokens, max_model_len) / BLOCK_SIZE
            )
        return self.full_groups * full + self.sliding_groups * sliding + self.chunked_groups * chunked

    def num_blocks(self, kv_budget_bytes: float) -> int:
        # get_num_blocks: available // page_size // group_size
        return int(max(0.0, kv_budget_bytes) // self.page_bytes // self.group_size)

    def tokens(self, kv_budget_bytes: float, max_model_len: int, max_num_batched_tokens: int) -> int:
        """vLLM's logged "GPU KV cache size": int(blocks / blocks per request x max_model_len)."""
        need = self.blocks_per_request(max_model_len, max_num_batched_tokens)
        return int(self.num_blocks(kv_budget_bytes) / need * max_model_len) if need else 0

    def fits(self, kv_budget_bytes: float, max_model_len: int, max_num_batched_tokens: int) -> bool:
        return self.num_blocks(kv_budget_bytes) >= self.blocks_per_request(
            max_model_len, max_num_batched_tokens
        )


def kv_layout(model: ModelSpec, element_bytes: int, tensor: int, pipeline: int) -> KvLayout:
    """Hybrid models (sliding window, chunked local attention) get one group per kind in vLLM 0.23.0: the
    hybrid KV cache manager is on for ROCm (RocmPlatform.support_hybrid_kv_cache) and, by default
    (VLLM_ALLOW_CHUNKED_LOCAL_ATTN_WITH_HYBRID_KV_CACHE=1), for chunked local attention too."""
    page = BLOCK_SIZE * _layer_bytes_per_token(model, element_bytes, _kv_heads_per_rank(model, tensor))
    sliding = math.ceil(model.num_sliding_layers / pipeline) if model.sliding_window else 0
    chunked = math.ceil(model.num_chunked_layers / pipeline) if model.attention_chunk_size else 0
    full = math.ceil(model.num_full_attention_layers / pipeline) if sliding or chunked else 0
    if not (sliding or chunked):
        full = math.ceil(model.num_layers / pipeline)
    buckets = [n for n in (full, sliding, chunked) if n]
    low, high = min(buckets), max(buckets)
    group = high if high < 1.5 * low else low
    return KvLayout(
        page_bytes=page,
        group_size=group,
        full_groups=math.ceil(full / group) if full else 0,
        sliding_groups=math.ceil(sliding / group) if sliding else 0,
        sliding_window=model.sliding_window or 0,
        chunked_groups=math.ceil(chunked / group) if chunked else 0,
        attention_chunk_size=model.attention_chunk_size or 0,
    )


def serve_batch_defaults(gpu: GpuSpec, release: str = DEFAULT_RELEASE) -> tuple[int, int]:
    """`vllm serve`'s default (max_num_batched_tokens, max_num_seqs) on this GPU in a vLLM release."""
    key = release_key(release)
    known = [k for k in sorted(SERVE_BATCH_TIERS) if k <= key] or [min(SERVE_BATCH_TIERS)]
    for minimum, tokens, seqs in SERVE_BATCH_TIERS[known[-1]]:
        if gpu.memory_bytes >= minimum:
            return tokens, seqs
    return SMALL_GPU_BATCH


def scheduler_batch(
    gpu: GpuSpec,
    max_model_len: int,
    max_num_batched_tokens: int | None,
    max_num_seqs: int | None,
    *,
    chunked_prefill: bool = True,
    release: str = DEFAULT_RELEASE,
) -> tuple[int, int]:
    """(max_num_batched_tokens, max_num_seqs) as vLLM 0.23.0 settles them (EngineArgs, vllm/engine/
    arg_utils.py:2486-2565): left unset, the batched tokens take the GPU's default, at least max_model_len
    when chunked prefill is off, at most max_num_seqs x max_model_len; left unset, the sequences take the
    default, at most the batched tokens."""
    default_tokens, default_seqs = serve_batch_defaults(gpu, release)
    tokens = max_num_batched_tokens
    if tokens is None:
        tokens = default_tokens
        if max_model_len > 0:
            if not chunked_prefill:
                tokens = max(max_model_len, tokens)
            tokens = min((max_num_seqs or default_seqs) * max_model_len, tokens)
    seqs = max_num_seqs if max_num_seqs is not None else min(default_seqs, tokens)
    return tokens, seqs


def activation_peak_bytes(
    model: ModelSpec, tensor: int, max_num_batched_tokens: int, max_num_seqs: int
) -> int:
    """The torch peak of vLLM's profile run on one GPU: the larger of the forward pass over
    max_num_batched_tokens (residual, normed and attention-output hidden states plus the MLP's gate/up
    output and its activation, the MLP width split over tensor ranks; MoE: the k chosen experts) and the
    sampler's float32 logits over max_num_seqs rows."""
    widths = [model.intermediate_size or 0]
    if model.is_moe and model.moe_intermediate_size:
        routed = (model.experts_per_token or 1) + model.num_shared_experts
        widths.append(routed * model.moe_intermediate_size)
    mlp = max(widths) or 4 * model.hidden_size
    forward = (
        max_num_batched_tokens * ACTIVATION_BYTES * (4 * model.hidden_size + 3 * math.ceil(mlp / tensor))
    )
    sampler = min(max_num_seqs, max_num_batched_tokens) * (model.vocab_size or 0) * LOGIT_BYTES
    return max(forward, sampler)


@dataclass(frozen=True)
class LoraSlots:
    """vLLM's LoRA preallocation settings: --max-loras slots of --max-lora-rank, in the LoRA dtype's bytes."""

    max_loras: int
    max_lora_rank: int
    dtype_bytes: int = 2


def lora_dtype_bytes(lora_dtype: str | None, dtype: str, native_dtype: str) -> int:
    """--lora-dtype auto takes the model's dtype (LoRAConfig.verify_with_model_config, vllm/config/lora.py)."""
    if lora_dtype in {"float16", "bfloat16"}:
        return 2
    activation = native_dtype if dtype == "auto" else dtype
    return 4 if activation in {"float32", "float"} else 2


def lora_bytes_per_gpu(
    model: ModelSpec, slots: LoraSlots, tensor: int, pipeline: int, data: int = 1, expert: bool = False
) -> float:
    """GPU bytes vLLM 0.23.0 preallocates for LoRA on one GPU when it loads the model (before the KV cache is
    sized): every LoRA-capable linear layer gets, per slot, an A buffer of rank x its input and a B buffer of its
    output x rank, each side split over tensor ranks the way the layer is (column-parallel: B split, A whole;
    row-parallel: A split, B whole), in the LoRA dtype; merged layers keep one A per slice
    (vllm/lora/layers/base_linear.py, column_parallel_linear.py, row_parallel_linear.py: create_lora_weights).
    Per decoder layer and rank, with hidden h, heads n_h, KV heads per rank n_kv, head dim d, MLP width I, TP t:
    qkv  A 3h, B (n_h/t + 2 n_kv) d;  o  A n_h d/t, B h;  gate_up  A 2h, B 2I/t;  down  A I/t, B h.
    Routed experts (vllm/lora/layers/fused_moe.py) add, per local expert, w13 A 2h + B 2I_e/t and w2 A I_e/t +
    B h (with expert parallelism: E/(t x dp) local experts, I_e not split). Layers split over pipeline stages.
    Embeddings and lm_head are not counted (vLLM wraps them only for models that list them as LoRA modules);
    MLA attention is approximated by the standard projections."""
    h, d = model.hidden_size, model.head_dim
    heads = model.num_attention_heads / tensor
    kv_heads = _kv_heads_per_rank(model, tensor)
    attention = 3 * h + (heads + 2 * kv_heads) * d + heads * d + h

    def mlp(width: float) -> float:
        return 2 * h + 2 * width / tensor + width / tensor + h

    per_rank = model.num_layers * attention
    moe_layers = model.num_moe_layers if model.is_moe and model.moe_intermediate_size else 0
    per_rank += (model.num_layers - moe_layers) * mlp(model.intermediate_size or 4 * h)
    if moe_layers and model.moe_intermediate_size:
        width = model.moe_intermediate_size
        experts = model.num_experts or 0
        if expert and tensor * data > 1:
            local, split = math.ceil(experts / (tensor * data)), 1
        else:
            local, split = experts, tensor
        routed = local * (2 * h + 2 * width / split + width / split + h)
        shared = mlp(model.num_shared_experts * width) if model.num_shared_experts else 0.0
        per_rank += moe_layers * (routed + shared)
    layers_share = math.ceil(model.num_layers / pipeline) / model.num_layers
    return per_rank * layers_share * slots.max_lora_rank * slots.max_loras * slots.dtype_bytes


@dataclass(frozen=True)
class MemoryPlan:
    """How one GPU's memory divides for a layout, and what the KV cache can hold."""

    gpu_memory_bytes: int
    budget_bytes: float  # ceil(memory x gpu_memory_utilization)
    weight_bytes_per_gpu: float
    activation_bytes: float  # torch peak of the profile run
    non_torch_bytes: float
    kv_budget_bytes_per_gpu: float
    kv_bytes_per_token: int  # whole model, one token, every layer as full attention
    kv_bytes_per_token_per_gpu: float
    kv_tokens: int  # vLLM's "GPU KV cache size" for this max_model_len
    max_model_len: int
    max_num_batched_tokens: int
    max_num_seqs: int
    fits_one_sequence: bool  # vLLM's _check_enough_kv_cache_memory passes
    fitted_max_model_len: int  # the longest length that fits (what `--max-model-len -1` picks)
    decode_tokens_per_s_bound: float  # batch 1, one max-length context, per engine replica
    lora_bytes_per_gpu: float = 0.0  # LoRA slots vLLM preallocates (0 without --enable-lora)
    communication_bytes: float = 0.0  # tensor-parallel buffers the profile run creates (tp_buffers.py)

    @property
    def reserve_bytes(self) -> float:
        """Everything vLLM keeps besides weights and KV cache."""
        return self.activation_bytes + self.non_torch_bytes + self.communication_bytes

    @property
    def weights_fit(self) -> bool:
        return self.weight_bytes_per_gpu + self.lora_bytes_per_gpu + self.reserve_bytes < self.budget_bytes

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
    max_num_batched_tokens: int | None = None,
    max_num_seqs: int | None = None,
    chunked_prefill: bool = True,
    redundant_experts: int = 0,
    lora: LoraSlots | None = None,
    aiter_allreduce: bool = False,
    release: str = DEFAULT_RELEASE,
) -> MemoryPlan:
    """One GPU's memory for a layout.  `max_model_len` -1 is vLLM's fit-to-memory: the longest length
    (up to the model's positions) whose request fits the KV cache.  With `lora`, the LoRA slots vLLM
    preallocates at model load count like weights (they are allocated before the KV cache is sized).
    `aiter_allreduce`: the recipe turns AITER on with torch.compile (tp_buffers.aiter_allreduce_fusion), so at
    tensor parallelism above 1 AITER's all-reduce buffers count too.  `release`: the vLLM version the recipe's
    image carries, for its serve defaults (the rest of the accounting is 0.23.0's)."""
    batched, seqs = scheduler_batch(
        gpu,
        max_model_len,
        max_num_batched_tokens,
        max_num_seqs,
        chunked_prefill=chunked_prefill,
        release=release,
    )
    weights = weight_bytes(model, checkpoint, quantization, dtype)
    per_gpu_weights = weight_bytes_per_gpu(
        weights.total,
        model,
        tensor,
        pipeline,
        data,
        expert,
        expert_share=weights.expert_share,
        redundant_experts=redundant_experts,
    )
    element = kv_bytes_per_element(kv_cache_dtype, dtype, model.native_dtype)
    per_token = kv_bytes_per_token(model, element)
    per_token_gpu = kv_bytes_per_token_per_gpu(model, element, tensor, pipeline)
    layout = kv_layout(model, element, tensor, pipeline)
    budget = float(math.ceil(gpu.memory_bytes * gpu_memory_utilization))
    activation = activation_peak_bytes(model, tensor, batched, seqs)
    lora_bytes = lora_bytes_per_gpu(model, lora, tensor, pipeline, data, expert) if lora else 0.0
    communication = communication_bytes(
        tensor, aiter_allreduce=aiter_allreduce, arch=gpu.arch, release=release
    )
    kv_budget = max(0.0, budget - per_gpu_weights - lora_bytes - activation - NON_TORCH_BYTES - communication)
    fitted = fit_max_model_len(layout, kv_budget, model, batched)
    length = max_model_len if max_model_len > 0 else fitted
    kv_tokens = layout.tokens(kv_budget, length, batched) if length else 0
    return MemoryPlan(
        gpu_memory_bytes=gpu.memory_bytes,
        budget_bytes=budget,
        weight_bytes_per_gpu=per_gpu_weights,
        activation_bytes=float(activation),
        non_torch_bytes=float(NON_TORCH_BYTES),
        kv_budget_bytes_per_gpu=kv_budget,
        kv_bytes_per_token=per_token,
        kv_bytes_per_token_per_gpu=per_token_gpu,
        kv_tokens=kv_tokens,
        max_model_len=length,
        max_num_batched_tokens=batched,
        max_num_seqs=seqs,
        fits_one_sequence=bool(length) and layout.fits(kv_budget, length, batched),
        fitted_max_model_len=fitted,
        decode_tokens_per_s_bound=decode_bound(
            model, weights, gpu, element, tensor, length, data=data, expert=expert
        ),
        lora_bytes_per_gpu=lora_bytes,
        communication_bytes=float(communication),
    )


def fit_max_model_len(layout: KvLayout, kv_budget: float, model: ModelSpec, batched: int) -> int:
    """vLLM's `--max-model-len -1` (`_auto_fit_max_model_len`): the largest length up to the model's
    positions whose one request fits; 0 when not even one block does."""
    low, high = 0, model.max_position_embeddings
    while low < high:
        middle = (low + high + 1) // 2
        if layout.fits(kv_budget, middle, batched):
            low = middle
        else:
            high = middle - 1
    return low


def decode_bound(
    model: ModelSpec,
    weights: WeightBytes,
    gpu: GpuSpec,
    element_bytes: int,
    tensor: int,
    context: int,
    *,
    data: int = 1,
    expert: bool = False,
) -> float:
    """Tokens/s one replica cannot beat at batch 1 with a `context`-token sequence: each step every GPU
    reads its share of the active weights (dense part and the k routed experts; one embedding row, not
    the table) and the KV its attention needs: its KV heads for full attention, at most the window on
    sliding layers and the chunk on chunked local layers, and the whole MLA latent on every tensor rank.
    Pipeline stages run one after another, so the time is the same as one stage holding all layers.  With
    expert parallelism the k routed experts a token picks sit on up to k of the tensor x data ranks and are
    read in parallel."""
    layer = _layer_bytes_per_token(model, element_bytes, _kv_heads_per_rank(model, tensor))
    sliding = model.num_sliding_layers if model.sliding_window else 0
    chunked = model.num_chunked_layers if model.attention_chunk_size else 0
    window = min(context, model.sliding_window or 0)
    chunk = min(context, model.attention_chunk_size or 0)
    kv_read = layer * ((model.num_layers - sliding - chunked) * context + sliding * window + chunked * chunk)
    active_experts = (
        weights.active - (weights.total - weights.routed_experts) if weights.routed_experts else 0.0
    )
    dense = weights.active - active_experts - weights.embedding
    expert_ranks = min(tensor * data, model.experts_per_token or 1) if expert else tensor
    per_gpu = dense / tensor + active_experts / expert_ranks + kv_read
    return gpu.bandwidth_bytes_per_s / per_gpu if per_gpu > 0 else 0.0


def gib(value: float) -> str:
    return f"{value / 2**30:.1f} GiB"
