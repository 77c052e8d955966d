"""Forms of `vllm serve` arguments and whether vLLM 0.23.0's parser accepts them.

Shared by tests/test_vllm_argv.py (the checker must agree) and the real-parser run (the table must be
true of vLLM itself). Each argv is what follows `vllm serve MODEL`.
"""

from __future__ import annotations

# The official vLLM gpt-oss recipe, AMD section (vllm-project/recipes@8959cf6 OpenAI/GPT-OSS.md:72-97).
GPT_OSS_AMD = [
    "--tensor-parallel-size=8",
    "--attention-backend",
    "ROCM_AITER_UNIFIED_ATTN",
    "-cc.pass_config.fuse_rope_kvcache=True",
    "-cc.use_inductor_graph_partition=True",
    "--gpu-memory-utilization",
    "0.95",
    "--block-size=64",
]

ACCEPTED: list[list[str]] = [
    GPT_OSS_AMD,
    ["--compilation_config.mode=3"],
    ["--compilation-config.cudagraph_mode", "FULL_DECODE_ONLY"],
    ["-cc", '{"mode": 3}'],
    ["--compilation-config", '{"mode": 3}'],
    ["--compilation-config.cudagraph_capture_sizes+", "1,2"],
    ["-O3"],
    ["-O", "2"],
    ["-O=1"],
    ["--max_model_len=4096", "-tp=8", "--gpu-memory-utilization=0.95"],
    ["--max-model", "4096"],
    ["--no-enable-prefix-caching"],
    ["--async_scheduling"],
    ["--max-model-len", "32k"],
    ["--max-model-len", "-1"],
    ["--max-num-batched-tokens", "8k"],
    ["--speculative-config.method=mtp", "--speculative-config.num_speculative_tokens=1"],
    ["-sc", '{"method": "mtp", "num_speculative_tokens": 1}'],
    ["--override-generation-config.temperature=0.5"],
    ["--hf-overrides.max_model_len=4096"],
    ["--limit-mm-per-prompt.image=2"],
    ["-q", "fp8"],
    ["-q=fp8"],
    ["--quantization=fp8"],
    ["-ep"],
    ["-dp", "2", "-ep"],
    ["--hf-token"],
    ["--served-model-name", "a", "b"],
    ["--enable-prefix"],
    ["--kv-cache-dtype", "fp8"],
    ["--max-model-len", "auto"],
    ["-qfp8"],
    ["-as", "2"],  # a unique prefix of -asc
    ["--compilation.mode=3"],  # a dotted key on an abbreviated option
    ["--speculative_config.method=mtp"],
    ["-cc.mode", "3"],
    ["--allowed-origins.x=1"],  # the CORS lists are parsed with json.loads, so a dotted key parses
    # the parser (and from_cli_args) pass any -O value on; the engine config types it later (not run here)
    ["-Odecode"],
    ["-O4"],
]

REFUSED: list[list[str]] = [
    ["-O", "x"],
    ["--max", "4"],
    ["-tp8"],
    ["--swap-space", "16"],
    ["--disable-log-requests"],
    ["--max-model-len.x=1"],
    ["-tp.x=1"],
    ["--enable-prefix-caching=true"],
    ["--enable-expert-parallel", "true"],
    ["--ena"],
    ["--max-model-len"],
    ["fp8"],
    ["--no-such-flag", "1"],
    ["-O"],
    ["-d", "2"],
]
