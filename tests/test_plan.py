"""`plan` against hand-computed layouts: a dense model (Llama 3.1 70B) and an MLA model (DeepSeek-R1)."""

from __future__ import annotations

import pytest

from rocm_vllm.errors import InvalidInputError
from rocm_vllm.plan import PlanRequest, plan_layouts, render_plan_text
from rocm_vllm.validate import default_context


def _layout(result, tensor: int, pipeline: int, nodes: int, data: int = 1, expert: bool = False):  # type: ignore[no-untyped-def]
    return next(
        x
        for x in result.layouts
        if (x.tensor, x.pipeline, x.nodes, x.data, x.expert) == (tensor, pipeline, nodes, data, expert)
    )


def test_dense_llama_70b_tp8_by_hand() -> None:
    request = PlanRequest(model="meta-llama/Llama-3.1-70B-Instruct", gpu="MI300X", max_model_len=8192)
    result = plan_layouts(request, default_context())
    layout = _layout(result, 8, 1, 1)
    assert layout.feasible
    memory = layout.memory
    assert memory is not None
    # 70,552,387,584 params (the catalog's count from the shapes) x 2 bytes / 8 GPUs
    assert memory.weight_bytes_per_gpu == pytest.approx(17_638_096_896)
    # 2 x 80 layers x 8 KV heads x 128 x 2 bytes; one KV head per GPU at TP 8
    assert memory.kv_bytes_per_token == 327_680 and memory.kv_bytes_per_token_per_gpu == 40_960
    # ceil(0.9 x 206,141,652,992) - 17,638,096,896 weights - 713,031,680 activations (8192 tokens x 2 B x
    # (4 x 8192 + 3 x 28672 / 8)) - 107,374,182 non-torch - 1,585,446,912 torch's RCCL communicator for the
    # tensor-parallel group (189 connections x 8 MiB) = 165,483,538,023 B; // 8192 B pages // 80 layers
    # = 252,507 blocks of 16 tokens
    assert memory.communication_bytes == 1_585_446_912
    assert memory.kv_tokens == 252_507 * 16 == 4_040_112 and memory.max_length_sequences == 493
    # Each GPU reads per step: (141,104,775,168 B weights - 2,101,346,304 B embedding table) / 8 and
    # 8192 x 40,960 B of KV = 17,710,972,928 B; at 5.3 TB/s
    assert memory.decode_tokens_per_s_bound == pytest.approx(5.3e12 / 17_710_972_928)
    assert memory.decode_tokens_per_s_bound == pytest.approx(299.25, abs=0.01)


def test_mla_deepseek_r1_tp8_at_160k_by_hand() -> None:
    request = PlanRequest(model="deepseek-ai/DeepSeek-R1", gpu="MI300X", max_model_len=163_840)
    result = plan_layouts(request, default_context())
    memory = _layout(result, 8, 1, 1).memory
    assert memory is not None
    # FP8 checkpoint: 671,025,397,760 parameters (the catalog's count from the shapes), one byte each except the
    # embedding table and LM head (2 x 129,280 x 7168 = 1,853,358,080), which stay BF16: 672,878,755,840 B / 8
    assert memory.weight_bytes_per_gpu == pytest.approx(84_109_844_480)
    # 61 x (512 + 64) x 2 bytes; the MLA latent is replicated on every tensor rank, not split
    assert memory.kv_bytes_per_token == 70_272 and memory.kv_bytes_per_token_per_gpu == 70_272
    # ceil(0.9 x 206,141,652,992) - 84,109,844,480 weights - 583,008,256 activations - 107,374,182 non-torch
    # - 1,585,446,912 RCCL communicator (8 ranks) = 99,141,813,863 B; // (16 x 576 x 2 B) // 61 layers
    # = 88,176 blocks of 16 tokens
    assert memory.communication_bytes == 189 * 8 * 2**20
    assert memory.kv_tokens == 88_176 * 16 == 1_410_816 and memory.max_length_sequences == 8
    # Routed experts: 58 MoE layers x 256 x 3 x 7168 x 2048 = 653,908,770,816 params (FP8); the rest
    # 17,116,626,944 params, 18,969,985,024 B with the BF16 tables.  Active = rest + 8/256 of the experts =
    # 39,404,634,112 B; less the 129,280 x 7168 x 2 B embedding table = 37,551,276,032 B over 8 GPUs, plus the
    # WHOLE latent KV on each GPU: 163,840 x 70,272 = 11,513,364,480 B.  16,207,273,984 B per step at 5.3 TB/s.
    assert memory.decode_tokens_per_s_bound == pytest.approx(5.3e12 / 16_207_273_984)
    assert memory.decode_tokens_per_s_bound == pytest.approx(327.01, abs=0.01)
    # The old figure divided the latent KV by 8 as if it were split: ~874 tok/s.
    assert memory.decode_tokens_per_s_bound < 400


def test_moe_qwen3_235b_tp8_ep_by_hand() -> None:
    request = PlanRequest(model="Qwen/Qwen3-235B-A22B", gpu="MI300X", max_model_len=32768)
    result = plan_layouts(request, default_context())
    layout = _layout(result, 8, 1, 1, expert=True)
    memory = layout.memory
    assert layout.feasible and memory is not None
    # Routed experts: 94 x 128 x 3 x 4096 x 1536 = 227,096,395,776 params; rest 7,996,440,576.
    # Active = rest + 8/128 of the experts = 22,189,965,312 params: the published active count less the
    # norms (798,208).
    # Per GPU per step (BF16): (rest x 2 - 151,936 x 4096 x 2 embedding) / 8 = 1,843,527,680 B; the 8
    # chosen experts (28,387,049,472 B) spread over 8 ranks = 3,548,381,184 B; KV 2 x 94 x 1 head x 128
    # x 2 x 32,768 = 1,577,058,304 B.  6,968,967,168 B at 5.3 TB/s.
    assert memory.decode_tokens_per_s_bound == pytest.approx(5.3e12 / 6_968_967_168)
    assert memory.decode_tokens_per_s_bound == pytest.approx(760.51, abs=0.01)


def test_moe_models_get_data_and_expert_parallel_layouts() -> None:
    request = PlanRequest(model="Qwen/Qwen3-235B-A22B", gpu="MI300X", max_model_len=32768)
    result = plan_layouts(request, default_context())
    dp8 = _layout(result, 1, 1, 1, data=8, expert=True)
    tp8 = _layout(result, 8, 1, 1, expert=True)
    assert dp8.feasible and tp8.feasible
    # 8 engines, each with all 4 KV heads on its one GPU: more KV memory than TP8's replicated heads
    assert dp8.kv_tokens > tp8.kv_tokens
    assert dp8.as_dict()["data"] == 8 and dp8.as_dict()["expert"] is True
    # experts over 8 ranks: 128 / 8 = 16 per GPU, the dense part whole on each
    assert dp8.memory is not None and dp8.memory.weight_bytes_per_gpu == pytest.approx(
        7_996_440_576 * 2 + 227_096_395_776 * 2 / 8
    )
    # DP across nodes is proposed and feasible: each pod one node's ranks (TP8 x DP2, and wide EP TP1 x DP16)
    multi = _layout(result, 8, 1, 2, data=2, expert=True)
    assert multi.feasible, multi.reasons
    wide = _layout(result, 1, 1, 2, data=16, expert=True)
    assert wide.feasible, wide.reasons
    # experts over DP16 x TP1 = 16 ranks (8 per GPU), attention and dense layers replicated on every DP rank,
    # KV per DP rank: 16 engines each hold the model's KV on one GPU
    assert wide.memory is not None and wide.memory.weight_bytes_per_gpu == pytest.approx(
        7_996_440_576 * 2 + 227_096_395_776 * 2 / 16
    )
    assert wide.kv_tokens == wide.memory.kv_tokens * 16
    assert wide.kv_tokens > dp8.kv_tokens  # twice the engines, each with more room for KV
    # dense models get no expert-parallel layouts
    dense = plan_layouts(PlanRequest(model="llama-3.1-8b-instruct", gpu="MI300X"), default_context())
    assert not any(x.expert for x in dense.layouts)


def test_fp8_block_layouts_are_refused_without_expert_parallelism() -> None:
    request = PlanRequest(model="Qwen/Qwen3-235B-A22B-FP8", gpu="MI300X", max_model_len=32768)
    result = plan_layouts(request, default_context())
    refused = _layout(result, 8, 1, 1)
    assert not refused.feasible and "1536 / tensor 8 = 192" in refused.reasons[0]
    assert _layout(result, 8, 1, 1, expert=True).feasible
    assert _layout(result, 4, 1, 1).feasible


def test_infeasible_layouts_carry_the_check_messages() -> None:
    result = plan_layouts(PlanRequest(model="llama-3.1-405b-instruct", gpu="MI300X"), default_context())
    single = _layout(result, 1, 1, 1)
    assert not single.feasible and "weights need" in single.reasons[0]
    assert all(x.nodes == 1 for x in result.layouts if x.gpus < 8)
    assert _layout(result, 8, 2, 2).feasible
    text = render_plan_text(result)
    assert "Infeasible:" in text and "TP   PP" not in text


def test_unknown_model_or_gpu_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError, match="not in the catalog"):
        plan_layouts(PlanRequest(model="org/none", gpu="MI300X"), default_context())
    with pytest.raises(InvalidInputError, match="unknown GPU"):
        plan_layouts(PlanRequest(model="deepseek-r1", gpu="H100"), default_context())


def test_plan_reports_the_kv_capacity_the_validator_uses() -> None:
    request = PlanRequest(model="meta-llama/Llama-3.1-70B-Instruct", gpu="MI300X", max_model_len=131_072)
    layout = _layout(plan_layouts(request, default_context()), 1, 1, 1)
    assert layout.memory is not None and not layout.feasible
    assert f"the KV cache holds {layout.memory.kv_tokens} tokens" in layout.reasons[0]
    assert layout.memory.kv_tokens == 129_296  # the unsourced vLLM figure was 126,192 (-2.4%)


def test_fit_to_memory_plans_each_layout_at_its_longest_length() -> None:
    request = PlanRequest(model="meta-llama/Llama-3.1-70B-Instruct", gpu="MI300X", max_model_len=-1)
    result = plan_layouts(request, default_context())
    tp1, tp8 = _layout(result, 1, 1, 1), _layout(result, 8, 1, 1)
    assert tp1.feasible and tp8.feasible
    assert tp1.memory is not None and tp1.memory.max_model_len == 129_296  # what validate says fits at TP1
    assert tp8.memory is not None and tp8.memory.max_model_len == 131_072  # the model's positions
    assert tp1.as_dict()["maxModelLen"] == 129_296
    assert "(fits maxModelLen 129,296)" in render_plan_text(result)
    with pytest.raises(InvalidInputError, match="-1"):
        plan_layouts(
            PlanRequest(model="llama-3.1-8b-instruct", gpu="MI300X", max_model_len=0), default_context()
        )


def test_a_feasible_wide_ep_layout_generates_values_that_render_one_nodes_ranks_per_pod() -> None:
    """plan's DP-across-nodes layout is a recipe the checks accept, and the chart renders it as a LeaderWorkerSet
    whose pods run files/dp-launch.sh with the layout's totals."""
    from rocm_vllm import helm
    from rocm_vllm.checks import check_recipe_data
    from rocm_vllm.paths import chart_dir
    from rocm_vllm.values import recipe_to_values

    request = PlanRequest(model="deepseek-ai/DeepSeek-R1", gpu="MI300X", max_nodes=2, max_model_len=32768)
    wide = _layout(plan_layouts(request, default_context()), 1, 1, 2, data=16, expert=True)
    assert wide.feasible, wide.reasons
    recipe, findings = check_recipe_data(
        dict(wide.recipe, name="wide"), default_context(), source="wide.yaml"
    )
    assert recipe is not None and [f for f in findings if f.severity.name == "ERROR"] == []
    rendered = helm.render_chart(chart_dir(), recipe_to_values(recipe), api_versions=helm.CRD_API_VERSIONS)
    (lws,) = [o for o in helm.split_manifests(rendered) if o["kind"] == "LeaderWorkerSet"]
    template = lws["spec"]["leaderWorkerTemplate"]
    assert template["size"] == 2
    args = template["workerTemplate"]["spec"]["containers"][0]["args"]
    assert args[0] == "dp-launch"
    assert args[args.index("--data-parallel-size") + 1] == "16"
    assert args[args.index("--data-parallel-size-local") + 1] == "8"


def test_aiter_takes_its_all_reduce_buffers_from_the_kv_cache_above_tp1() -> None:
    """--aiter sizes for VLLM_ROCM_USE_AITER=1: at TP 1 nothing changes; at TP 2 AITER's 3 GiB + 8 MiB all-reduce
    comes out of each GPU's KV cache (163,840 B per token per GPU for Llama-3.1-70B at TP 2), and the in-memory
    recipe the checks ran on carries the env, so validate and plan agree."""
    off, on = (
        plan_layouts(
            PlanRequest(model="meta-llama/Llama-3.1-70B-Instruct", gpu="MI300X", aiter=a), default_context()
        )
        for a in (False, True)
    )
    assert _layout(off, 1, 1, 1).kv_tokens == _layout(on, 1, 1, 1).kv_tokens
    lost = _layout(off, 2, 1, 1).kv_tokens - _layout(on, 2, 1, 1).kv_tokens
    assert lost == pytest.approx((3 * 2**30 + 8 * 2**20) / 163_840, abs=16)
    assert _layout(on, 2, 1, 1).recipe["vllm"]["env"] == {"VLLM_ROCM_USE_AITER": "1"}
    assert "AITER on (VLLM_ROCM_USE_AITER=1)" in render_plan_text(on)
