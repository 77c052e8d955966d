"""The KV capacity model against what vLLM printed on AMD GPUs (docs/research/issue-12-facts.md sections 2.3-2.4).

Each point: the model and settings of a public run, the "GPU KV cache size" (or V0 "# GPU blocks" x 16) vLLM
logged, and its source.  Calibration points (POINTS) must agree within 5%.  A weak source (no raw log line, a
version whose profile run differs, a fork: WEAK_SOURCES) is kept with its measured error so a change in the model
shows up, not as proof.  Where the log also printed "Available KV cache memory", a second test feeds that
figure straight to the KV layout: it checks the bytes-per-token and grouping arithmetic on its own, whatever
the run's vLLM version did for activations and non-torch memory.
The Llama-3.1-70B "126,192 tokens" figure of the issue could not be sourced and is not here.
Tensor-parallel runs also carry the buffers tp_buffers.py models (RCCL communicator, AITER's all-reduce); the A
points are the logs that show them (TP2 against TP1 in one harness).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from rocm_vllm.capacity import MemoryPlan, kv_bytes_per_element, kv_layout, plan_memory
from rocm_vllm.catalog import Checkpoint, GpuSpec, ModelSpec, load_catalog

GIB = 2**30

MI300X_BARE = GpuSpec(
    name="MI300X",
    arch="gfx942",
    generation=2,
    memory_bytes=206_141_652_992,  # rocm-smi, bare metal (ROCm/legacy-rocm-build#4750)
    bandwidth_bytes_per_s=5.3e12,
    precisions=("bfloat16", "float16", "fp8"),
    device_ids=("74a1",),
)
MI300X_VF = GpuSpec(
    name="MI300X",
    arch="gfx942",
    generation=2,
    memory_bytes=205_822_885_888,  # rocm-smi on an "AMD Instinct MI300X VF" (SR-IOV guest)
    bandwidth_bytes_per_s=5.3e12,
    precisions=("bfloat16", "float16", "fp8"),
    device_ids=("74b5",),
)

CATALOG = load_catalog()
MI355X = CATALOG.gpus["MI355X"]  # 309,220,868,096 B (287.98 GiB), checked by the C10 test below
MI210 = CATALOG.gpus["MI210"]  # 68,702,699,520 B (63.98 GiB)

# Committed vLLM server logs of AMD's InferenceX team fork (github.com/ajith-sirra-amd/InferenceMAX_Rocm_Team
# @ 598828615e7701f3f4f8ac5b1da2dbb49fe11460, results/0603_sa/ and results/0604/, */server.log): MI355X runners
# (`mi355x-amds_NN`, gfx950 AITER kernels), `vllm serve` V1 with 8192 batched tokens; every TP>1 log prints
# "Enabled custom fusions: ... allreduce_rms" and imports AITER's module_custom_all_reduce after model load.
INFERENCEX_ROCM = "ajith-sirra-amd/InferenceMAX_Rocm_Team@5988286"
# Kimi-K2.5 keeps Kimi-K2's DeepSeek-V3 text shapes (61 layers, MLA latent 512 + 64; the log's 119.54 GiB of fp8
# KV over 35,136 B per token gives its 3,653,004 tokens) with a 262,144-token context.
KIMI_K2_5 = replace(CATALOG.models["kimi-k2-instruct"], name="kimi-k2.5", max_position_embeddings=262_144)
QWEN3_30B_A3B = CATALOG.models["qwen3-30b-a3b"]

# google/gemma-3-4b-it text config (copied in a public test; research doc section 2.3): 34 layers, 5 of
# every 6 sliding (window 1024), 4 KV heads of 256, hidden 2560, vocab 262,208.  The weights are the
# 8.58 GiB vLLM logged ("Model load").
GEMMA_3_4B = ModelSpec(
    name="gemma-3-4b-it",
    num_layers=34,
    hidden_size=2560,
    num_attention_heads=8,
    num_key_value_heads=4,
    head_dim=256,
    max_position_embeddings=32768,
    native_dtype="bfloat16",
    total_params=4.3e9,
    active_params=4.3e9,
    vocab_size=262_208,
    sliding_window=1024,
    num_sliding_layers=29,
)
# meta-llama/Meta-Llama-3-8B-Instruct: the catalog's Llama 3.1 8B shapes (32 layers, 8 KV heads of 128) with Llama
# 3's 8,192 positions.  MiniMax-M2 (and M2.5, the same shapes): the catalog's entry, so the points calibrate the
# very entries `validate` uses.
LLAMA_3_8B = replace(CATALOG.models["llama-3.1-8b-instruct"], max_position_embeddings=8192)
MINIMAX_M2 = CATALOG.models["minimax-m2"]
# deepseek-ai/DeepSeek-R1-Distill-Qwen-14B: Qwen2.5-14B's shapes (the DeepSeek-R1 README names Qwen2.5-14B as
# its base): 48 layers, hidden 5120, 40 heads, 8 KV heads of 128, MLP 13824, vocab 152,064, 14.77e9 parameters
# (a public copy of Qwen2.5-14B's config in the code corpus, research index id 51826370529, which gives 4 KV
# heads; the C8 log itself settles 8: 151.25 GiB / 1,652,080 tokens = 98,304 B = 48 x 2 x 4 heads per TP2
# rank x 128 x 2 B).
R1_DISTILL_QWEN_14B = ModelSpec(
    name="deepseek-r1-distill-qwen-14b",
    num_layers=48,
    hidden_size=5120,
    num_attention_heads=40,
    num_key_value_heads=8,
    head_dim=128,
    max_position_embeddings=131_072,
    native_dtype="bfloat16",
    total_params=14.77e9,
    active_params=14.77e9,
    vocab_size=152_064,
    intermediate_size=13_824,
)
# google/gemma-3-27b-it text config (vLLM's own test config for google/gemma-3-27b, research index id
# 53983210377): 62 layers, hidden 5376, 32 heads, 16 KV heads of 128, MLP 21504, vocab 262,208, sliding window
# 1024 on 5 of every 6 layers (52 local + 10 global; the C9 log's "Add 8 padding layers" is 6 x 10 - 52).
# The parameter count is the logged 51.79 GiB of BF16 weights / 2 B (text and vision tower as loaded).
GEMMA_3_27B = ModelSpec(
    name="gemma-3-27b-it",
    num_layers=62,
    hidden_size=5376,
    num_attention_heads=32,
    num_key_value_heads=16,
    head_dim=128,
    max_position_embeddings=131_072,
    native_dtype="bfloat16",
    total_params=51.7891 * GIB / 2,
    active_params=51.7891 * GIB / 2,
    vocab_size=262_208,
    intermediate_size=21_504,
    sliding_window=1024,
    num_sliding_layers=52,
)


@dataclass(frozen=True)
class Point:
    name: str
    model: ModelSpec
    checkpoint: Checkpoint
    gpu: GpuSpec
    tensor: int
    max_model_len: int
    kv_cache_dtype: str
    printed_tokens: int
    tolerance: float
    source: str
    gpu_memory_utilization: float = 0.9
    max_num_batched_tokens: int | None = None  # None: vLLM 0.23.0's serve default for the GPU
    max_num_seqs: int | None = None  # None: the serve default (1024 on MI300-class GPUs, 256 on smaller ones)
    aiter_allreduce: bool = False  # the log shows AITER's custom all-reduce built ("allreduce_rms" fusion)
    chunked_prefill: bool = True  # False: the profile run is one max_model_len batch (V0 without chunking)
    # "Available KV cache memory: X GiB" and "Maximum concurrency for L tokens per request: Y x", when logged
    printed_kv_gib: float | None = None
    printed_concurrency: float | None = None


POINTS = [
    Point(
        "C1 gemma-3-4b-it, 1 x MI300X VF, vLLM 0.23.0",
        GEMMA_3_4B,
        Checkpoint("google/gemma-3-4b-it", "bfloat16", weight_bytes=int(8.58 * GIB)),
        MI300X_VF,
        1,
        8192,
        "auto",
        1_217_591,
        0.05,
        "tight: vLLM 0.23.0 log 'GPU KV cache size: 1,217,591 tokens' (research index id 56314229413); "
        "gpu util 0.9 inferred. Also the point the non-torch constant was read from, so it checks the "
        "sliding-window sizing more than the reserve.",
        printed_kv_gib=162.84,
        printed_concurrency=148.63,
    ),
    Point(
        "C7 Llama-3-8B fp16, 1 x MI300X, V0 engine",
        LLAMA_3_8B,
        Checkpoint("meta-llama/Meta-Llama-3-8B-Instruct", "bfloat16"),
        MI300X_BARE,
        1,
        8192,
        "auto",
        78_897 * 16,
        0.05,
        "ROCm blog vllm-optimize (ROCm/rocm-blogs@c9a603f): '# GPU blocks: 78897'; V0 profiled differently, "
        "so only the order of the reserve transfers",
    ),
    Point(
        "C7 Llama-3-8B fp8 KV, 1 x MI300X, V0 engine",
        LLAMA_3_8B,
        Checkpoint("meta-llama/Meta-Llama-3-8B-Instruct", "bfloat16"),
        MI300X_BARE,
        1,
        8192,
        "fp8",
        157_794 * 16,
        0.05,
        "same blog: '# GPU blocks: 157794' with --kv-cache-dtype fp8 (exactly twice the fp16 count)",
    ),
    Point(
        "C8 DeepSeek-R1-Distill-Qwen-14B BF16, 2 x MI300X, vLLM 0.9.2",
        R1_DISTILL_QWEN_14B,
        # "Model loading took 13.9902 GiB" on each of the two ranks
        Checkpoint(
            "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B", "bfloat16", weight_bytes=int(2 * 13.9902 * GIB)
        ),
        MI300X_BARE,
        2,
        4096,
        "auto",
        1_652_080,
        0.05,
        "tight on the KV arithmetic, end to end +4.5%: AMD's ROCm blog 'Implementing Ray with ROCm Support' "
        "(ROCm/rocm-blogs@b5d535ecc683b9ada1e01e91672be9609a2b8541, blogs/artificial-intelligence/rocm-ray/"
        "README.md), 'vllm serve ... --max_model 4096 --distributed-executor-backend ray "
        "--tensor-parallel-size 2': vLLM 0.9.2.dev364+gb432b7a28, platform rocm, dtype bfloat16, "
        "max_num_batched_tokens=8192, util default; 'Available KV cache memory: 151.25 GiB', 'GPU KV cache "
        "size: 1,652,080 tokens', 'Maximum concurrency for 4,096 tokens per request: 403.34x'. The GPU is not "
        "named there: 151.25 GiB at util 0.9 fits only a 192 GiB MI300X-class card. vLLM 0.9.2 kept 7.55 GiB "
        "besides weights and KV where this model reserves 0.73 GiB (TP2 communication buffers and 0.9's "
        "sampler warm-up are not modelled); the point passes because the KV share is large.",
        printed_kv_gib=151.25,
        printed_concurrency=403.34,
    ),
    Point(
        "A1 MiniMax-M2.5 FP8, 2 x MI355X, fp8 KV, vLLM 0.22.0, AITER all-reduce",
        MINIMAX_M2,  # M2.5 shares M2's shapes; the log's 161.54 GiB / 63,488 B per token per rank agrees
        # "Model loading took 107.38 GiB" on each of the two ranks
        Checkpoint("MiniMaxAI/MiniMax-M2.5", "fp8", weight_bytes=int(2 * 107.38 * GIB)),
        MI355X,
        2,
        196_608,
        "fp8",
        2_732_032,
        0.05,
        f"tight: {INFERENCEX_ROCM} results/0604/minimaxm2.5-fp8-mi355x-vllm-agentic-lmcache/"
        "agentic_minimaxm2.5_tp2_conc4_offloadnone_..._mi355x-amds_03/server.log: vLLM 0.22.0, TP2, util 0.95, "
        "kv fp8, block 32, max_num_seqs 4; 'Available KV cache memory: 161.54 GiB', 'GPU KV cache size: "
        "2,732,032 tokens', 'Maximum concurrency for 196,608 tokens per request: 13.90x'. The run kept 4.66 GiB "
        "besides weights and KV, 2.9 GiB more than the same harness at TP1 (A2): AITER's all-reduce (3.01 GiB) "
        "and the TP group's RCCL communicator (0.25 GiB) are that difference.",
        gpu_memory_utilization=0.95,
        max_num_seqs=4,
        aiter_allreduce=True,
        printed_kv_gib=161.54,
        printed_concurrency=13.90,
    ),
    Point(
        "A2 MiniMax-M2.5 FP8, 1 x MI355X, fp8 KV, vLLM 0.22.0",
        MINIMAX_M2,
        Checkpoint("MiniMaxAI/MiniMax-M2.5", "fp8", weight_bytes=int(214.51 * GIB)),
        MI355X,
        1,
        196_608,
        "fp8",
        484_736,
        0.05,
        f"tight: {INFERENCEX_ROCM} results/0604/minimaxm2.5-fp8-mi355x-vllm-agentic-lmcache/"
        "agentic_minimaxm2.5_tp1_conc4_...server.log: vLLM 0.22.0, TP1, util 0.95, kv fp8, block 32, "
        "max_num_seqs 4; 'Model loading took 214.51 GiB', 'Available KV cache memory: 57.32 GiB', 'GPU KV "
        "cache size: 484,736 tokens'. vLLM kept 1.75 GiB besides weights and KV where this model reserves "
        "0.85 GiB (MoE activations beyond the k experts' MLP width are not modelled): +1.6%.",
        gpu_memory_utilization=0.95,
        max_num_seqs=4,
        aiter_allreduce=True,  # set in the harness; at TP1 there is no all-reduce to build
        printed_kv_gib=57.32,
        printed_concurrency=2.47,
    ),
    Point(
        "A3 amd/MiniMax-M2.5-MXFP4, 1 x MI355X, fp8 KV, vLLM 0.22.0",
        MINIMAX_M2,
        Checkpoint("amd/MiniMax-M2.5-MXFP4", "mxfp4", weight_bytes=int(118.75 * GIB)),
        MI355X,
        1,
        196_608,
        "fp8",
        1_290_336,
        0.05,
        f"tight: {INFERENCEX_ROCM} results/0603_sa/minimaxm2.5-fp4-mi355x-vllm-agentic-lmcache/"
        "agentic_minimaxm2.5_tp1_conc16_offloadlmcache_fp4_..._mi355x-amds_01/server.log: vLLM 0.22.0, Quark "
        "MXFP4, util 0.95, kv fp8, block 32, max_num_seqs 16, LMCache connector; 'Model loading took 118.75 GiB', "
        "'Available KV cache memory: 152.59 GiB', 'GPU KV cache size: 1,290,336 tokens', '6.56x'.",
        gpu_memory_utilization=0.95,
        max_num_seqs=16,
        printed_kv_gib=152.59,
        printed_concurrency=6.56,
    ),
    Point(
        "A4 amd/Kimi-K2.5-MXFP4 (MLA), 4 x MI355X, fp8 KV, vLLM 0.21.0, AITER all-reduce",
        KIMI_K2_5,
        # "Model loading took 132.45 GiB" on each of the four ranks
        Checkpoint("amd/Kimi-K2.5-MXFP4", "mxfp4", weight_bytes=int(4 * 132.45 * GIB)),
        MI355X,
        4,
        262_144,
        "fp8",
        3_653_004,
        0.05,
        f"tight: {INFERENCEX_ROCM} results/0603_sa/kimik2.5-fp4-mi355x-vllm-agentic-lmcache/"
        "agentic_kimik2.5_tp4_conc1_offloadnone_..._mi355x-amds_08/server.log: vLLM 0.21.0, TP4, util 0.9, kv "
        "fp8, block 1, max_num_seqs 1, ROCM_AITER_MLA; 'Available KV cache memory: 119.54 GiB', 'GPU KV cache "
        "size: 3,653,004 tokens', 'Maximum concurrency for 262,144 tokens per request: 13.94x'. vLLM kept "
        "7.19 GiB besides weights and KV; this model reserves 4.13 GiB (the vision encoder's profile run, "
        "'profiled with 1 vision_chunk items', is not modelled): +2.6%.",
        max_num_seqs=1,
        aiter_allreduce=True,
        printed_kv_gib=119.54,
        printed_concurrency=13.94,
    ),
    Point(
        "D1 Qwen3-30B-A3B W8A8, 2 x MI210 (PCIe), vLLM 0.23.1",
        QWEN3_30B_A3B,
        # "Model loading took 14.66 GiB" per rank (compressed-tensors int8)
        Checkpoint(
            "ramblingpolymath/Qwen3-30B-A3B-thinking-2507-W8A8", "int8", weight_bytes=int(2 * 14.66 * GIB)
        ),
        MI210,
        2,
        32_768,
        "auto",
        902_176,
        0.05,
        "tight: github.com/davetha/mi210-llm-stack benchmarks/matrix/results (round31_p2p_ab, NCCL P2P on): "
        "vLLM 0.23.1 with local gfx90a patches on 2 x MI210, TP2, util 0.9, max-model-len 32768, serve defaults "
        "(2048 batched tokens); 'Available KV cache memory: 41.30 GiB', 'GPU KV cache size: 902,176 tokens', "
        "parsed from the server log by the repository's run_arm.sh (the raw log is not committed). "
        "VLLM_ROCM_USE_AITER=1 is set, but AITER does not run on gfx90a, so no AITER all-reduce: vLLM kept "
        "1.62 GiB besides weights and KV, this model 0.51 GiB: +2.7%.",
        aiter_allreduce=True,  # the env says so; the GPU's arch rules it out
        printed_kv_gib=41.30,
    ),
    *(
        Point(
            f"B1 Llama-3.1-8B fp16, 1 x MI300X, util {util}, no chunked prefill, V0 engine",
            replace(LLAMA_3_8B, max_position_embeddings=131_072),
            # "model weights take 15.30GiB"
            Checkpoint("meta-llama/Llama-3.1-8B-Instruct", "float16", weight_bytes=int(15.30 * GIB)),
            MI300X_BARE,
            1,
            131_072,
            "auto",
            blocks * 16,
            0.05,
            "tight: github.com/cmontemuino/amd-mi300x-ml-benchmarks @ 40ecc2f, datasets/sample-results/logs/"
            f"Llama-3.1-8B_latency_bs1_in128_out128_float16_mem{util}_*.log: image rocm/vllm:rocm6.4.1_vllm_0.9.1_"
            "20250715 (vLLM 0.9.2.dev364, VLLM_USE_V1=0), 'total_gpu_memory (191.98GiB)', max_model_len 131072 "
            "without chunked prefill, so the profile run is one 131,072-token batch: 'PyTorch activation peak "
            f"memory takes 14.63GiB' (this model: 14.50), '# rocm blocks: {blocks}'. Checks the activation "
            "term at a batch 16 times the V1 default.",
            gpu_memory_utilization=util,
            chunked_prefill=False,
        )
        for util, blocks in ((0.9, 72_800), (0.8, 62_971))
    ),
]

# Sources too weak to calibrate on (no raw log line, a version whose profile run differs, a fork), kept with the
# error the model shows on them so a change in the model shows up; not counted as calibration points.
WEAK_SOURCES = [
    Point(
        "C9 gemma-3-27b-it BF16, 1 x MI300X (inferred), vLLM 0.11.0rc2 (weak)",
        GEMMA_3_27B,
        Checkpoint("google/gemma-3-27b-it", "bfloat16", weight_bytes=int(51.7891 * GIB)),
        MI300X_BARE,
        1,
        4096,
        "auto",
        205_696,
        0.10,
        "weak: a published ROCm startup log (research index id 9297248278, repository not shown): vLLM "
        "0.11.0rc2.dev98+g393de22d2, platform rocm, max_model_len 4096, max_num_batched_tokens=8192, util "
        "default; 'Model loading took 51.7891 GiB', 'Available KV cache memory: 109.86 GiB', 'GPU KV cache "
        "size: 205,696 tokens' (0.11's hybrid figure num_blocks // 7 groups x 16, not 0.23's concurrency x "
        "length), 'Maximum concurrency for 4,096 tokens per request: 50.05x'. GPU not named (MI300X by the "
        "arithmetic). The model gives 8.5% more: vLLM 0.11 kept 11.1 GiB besides weights and KV (multimodal "
        "encoder profiling of 31 images and the 262k-vocab sampler) where this model reserves 1.4 GiB.",
        printed_kv_gib=109.86,
        printed_concurrency=50.05,
    ),
    Point(
        "C11 MiniMax-M2.5 FP8, 2 x MI355X, gpu util 0.475, vLLM V1 fork (weak)",
        MINIMAX_M2,  # M2.5 shares M2's shapes (one vLLM recipe serves both, "only update the model name")
        Checkpoint("MiniMaxAI/MiniMax-M2.5", "fp8"),
        MI355X,
        2,
        196_608,
        "auto",
        201_280,
        0.25,
        "weak: AMD ROCm blog '4-bit KV Caching in LMCache' (ROCm/rocm-blogs@e224edbb6921fb09b358bb802280143f2ffd2939, "
        "blogs/software-tools-optimization/4bit-KV-LMcache/README.md): BF16 KV, TP2 on 2 x MI355X, 'gmu 0.475', "
        "'KV resident in HBM 201,280 tok' (= 23.80 GiB at 126,976 B per token per rank); a TurboQuant vLLM fork "
        "snapshot (3cc38a1b), max_model_len not stated (full attention: the figure does not depend on it). The "
        "model gives 24% more: at this utilization the KV is a small share, so its missing TP>1 reserve (5.6 GiB "
        "here, 6.6 at C2, 6.8 at C8) and the FP8 checkpoint's unknown BF16 share dominate.",
        gpu_memory_utilization=0.475,
    ),
    Point(
        "C2 MiniMax-M2 FP8, 2 x MI300X, vLLM 0.17.1 (weak)",
        MINIMAX_M2,
        Checkpoint("MiniMaxAI/MiniMax-M2", "fp8"),
        MI300X_BARE,
        2,
        196_608,
        "auto",
        497_600,
        0.12,
        "weak: vllm-project/recipes PR #273 text 'KV cache: 497,600 tokens (2x MI300X)', no raw log line, an "
        "older vLLM; the model gives 11% more (its FP8 checkpoint's BF16 parts and 0.17's overheads unknown)",
    ),
]


def _plan(point: Point) -> MemoryPlan:
    return plan_memory(
        point.model,
        point.checkpoint,
        point.gpu,
        tensor=point.tensor,
        pipeline=1,
        data=1,
        expert=False,
        dtype="auto",
        quantization=None,
        kv_cache_dtype=point.kv_cache_dtype,
        gpu_memory_utilization=point.gpu_memory_utilization,
        max_model_len=point.max_model_len,
        max_num_batched_tokens=point.max_num_batched_tokens,
        max_num_seqs=point.max_num_seqs,
        aiter_allreduce=point.aiter_allreduce,
        chunked_prefill=point.chunked_prefill,
    )


@pytest.mark.parametrize("point", POINTS + WEAK_SOURCES, ids=lambda p: p.name)
def test_kv_capacity_matches_what_vllm_printed(point: Point) -> None:
    plan = _plan(point)
    error = plan.kv_tokens / point.printed_tokens - 1
    assert abs(error) <= point.tolerance, (
        f"{point.name}: {plan.kv_tokens} vs {point.printed_tokens} ({error:+.1%})"
    )


LOGGED_KV = [
    p for p in POINTS + WEAK_SOURCES if p.printed_kv_gib is not None and p.printed_concurrency is not None
]


@pytest.mark.parametrize("point", LOGGED_KV, ids=lambda p: p.name)
def test_kv_layout_turns_the_logged_kv_memory_into_the_logged_concurrency(point: Point) -> None:
    """From vLLM's own "Available KV cache memory" the layout must give the "Maximum concurrency" it printed
    (blocks / blocks one max-length request needs; the same formula from 0.9 to 0.23).  The allowance is the
    print's rounding: 0.005 on the concurrency plus what 0.005 GiB of the memory figure moves it."""
    assert point.printed_kv_gib is not None and point.printed_concurrency is not None
    element = kv_bytes_per_element(point.kv_cache_dtype, "auto", point.model.native_dtype)
    layout = kv_layout(point.model, element, point.tensor, 1)
    batched = _plan(point).max_num_batched_tokens
    blocks = layout.num_blocks(point.printed_kv_gib * GIB)
    concurrency = blocks / layout.blocks_per_request(point.max_model_len, batched)
    allowance = 0.005 + point.printed_concurrency * 0.005 / point.printed_kv_gib
    assert concurrency == pytest.approx(point.printed_concurrency, abs=allowance)


def test_six_points_are_tight_and_the_logs_pin_the_kv_arithmetic() -> None:
    """Issue 12 asks for at least six calibration points within 5%; eleven are (C1, C7 x 2, C8, A1-A4, D1,
    B1 x 2)."""
    assert len(POINTS) >= 6 and all(p.tolerance <= 0.05 for p in POINTS)
    assert len(LOGGED_KV) >= 6


def test_tensor_parallel_buffers_are_what_tp2_keeps_over_tp1() -> None:
    """A1 and A2 are one harness on MI355X with only the tensor-parallel size changed: vLLM kept 4.66 GiB
    besides weights and KV at TP2 and 1.75 GiB at TP1.  The model's reserve grows by AITER's all-reduce and the
    RCCL communicator (3.26 GiB) less the halved MLP activations; the difference must match the logs' to 0.5 GiB."""
    tp2, tp1 = (next(p for p in POINTS if p.name.startswith(n)) for n in ("A1 ", "A2 "))
    logged = (0.95 * MI355X.memory_bytes / GIB - 107.38 - 161.54) - (
        0.95 * MI355X.memory_bytes / GIB - 214.51 - 57.32
    )
    modelled = (_plan(tp2).reserve_bytes - _plan(tp1).reserve_bytes) / GIB
    assert logged == pytest.approx(2.91, abs=0.01)
    assert modelled == pytest.approx(logged, abs=0.5)


def test_mi355x_memory_is_what_vllm_budgets_from() -> None:
    """DeepSeek-V4-Flash-Base on 8 x MI355X (gfx950), TP8, max_model_len 4096, 2048 batched tokens, fp8 KV,
    logged twice by one team with only the utilization changed (research index id 62524349563, a published
    bring-up handoff): util 0.80 -> "Available KV cache memory: 191.04 GiB", util 0.30 -> 47.05 GiB, weights
    35.15 GiB per rank both times.  The difference is 0.50 x the memory vLLM multiplies by the utilization,
    so it checks the catalog's MI355X byte count (287.98 GiB); the remainder, 4.20 GiB at both settings, is
    that run's fixed reserve (its compressed DeepSeek-V4 KV is not in the model, so no token figure here)."""
    memory = MI355X.memory_bytes
    assert (0.80 - 0.30) * memory / GIB == pytest.approx(191.04 - 47.05, abs=0.01)


def test_sliding_window_grouping_is_what_makes_c1_agree() -> None:
    """At 8192 tokens (<= window + batched tokens) a sliding layer costs a full one, but vLLM groups the 29
    sliding layers in 6 groups of 5 (one padding layer) beside the group of 5 global layers, and each sliding
    group needs one block more (cdiv(min(1023 + 8192, 8192), 16) + 1 = 513).  Per request: 512 + 6 x 513 =
    3590 blocks of 5 layers, against 512 blocks of 34 layers sized as full attention, +3.1%; sized as vLLM
    sizes it, the printed figure is met to 0.01%."""
    c1 = POINTS[0]
    full = replace(GEMMA_3_4B, sliding_window=None, num_sliding_layers=0)
    plans = [_plan(c1), _plan(replace(c1, model=full))]
    assert plans[0].kv_tokens == pytest.approx(1_217_591, rel=1e-4)
    assert plans[1].kv_tokens / plans[0].kv_tokens == pytest.approx(5 * 3590 / (34 * 512), rel=1e-4)
