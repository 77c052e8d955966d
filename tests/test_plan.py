"""`plan` against hand-computed layouts: a dense model (Llama 3.1 70B) and an MLA model (DeepSeek-R1)."""

from __future__ import annotations

import pytest

from rocm_vllm.errors import InvalidInputError
from rocm_vllm.plan import PlanRequest, plan_layouts, render_plan_text
from rocm_vllm.validate import default_context


def _layout(result, tensor: int, pipeline: int, nodes: int):  # type: ignore[no-untyped-def]
    return next(x for x in result.layouts if (x.tensor, x.pipeline, x.nodes) == (tensor, pipeline, nodes))


def test_dense_llama_70b_tp8_by_hand() -> None:
    request = PlanRequest(model="meta-llama/Llama-3.1-70B-Instruct", gpu="MI300X", max_model_len=8192)
    result = plan_layouts(request, default_context())
    layout = _layout(result, 8, 1, 1)
    assert layout.feasible
    memory = layout.memory
    assert memory is not None
    # 70,553,706,496 params x 2 bytes / 8 GPUs
    assert memory.weight_bytes_per_gpu == pytest.approx(17_638_426_624)
    # 2 x 80 layers x 8 KV heads x 128 x 2 bytes; one KV head per GPU at TP 8
    assert memory.kv_bytes_per_token == 327_680 and memory.kv_bytes_per_token_per_gpu == 40_960
    # 0.9 x 192e9 - 17,638,426,624 - 4 GiB reserve = 150,866,606,080 bytes of KV per GPU
    assert memory.kv_tokens == 3_683_266 and memory.max_length_sequences == 449
    # 8 x 5.3 TB/s / (141,107,412,992 B weights + 8192 x 327,680 B KV)
    assert memory.decode_tokens_per_s_bound == pytest.approx(294.87, abs=0.01)


def test_mla_deepseek_r1_tp8_by_hand() -> None:
    request = PlanRequest(model="deepseek-ai/DeepSeek-R1", gpu="MI300X", max_model_len=32768)
    result = plan_layouts(request, default_context())
    memory = _layout(result, 8, 1, 1).memory
    assert memory is not None
    # FP8 checkpoint: 671e9 bytes / 8
    assert memory.weight_bytes_per_gpu == pytest.approx(83_875_000_000)
    # 61 x (512 + 64) x 2 bytes; the MLA latent is replicated on every tensor rank, not split
    assert memory.kv_bytes_per_token == 70_272 and memory.kv_bytes_per_token_per_gpu == 70_272
    assert memory.kv_tokens == 1_204_320 and memory.max_length_sequences == 36
    # 8 x 5.3 TB/s / (37e9 active B + 32768 x 70,272 B)
    assert memory.decode_tokens_per_s_bound == pytest.approx(1078.81, abs=0.01)


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
