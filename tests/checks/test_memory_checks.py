"""The memory check counts what tensor parallelism adds: AITER's all-reduce buffers when the recipe turns AITER on."""

from __future__ import annotations

from typing import Any

from rocm_vllm.checks import check_recipe_data
from rocm_vllm.validate import default_context


def recipe(env: dict[str, str], extra_args: list[str] | None = None) -> dict[str, Any]:
    """Llama-3.1-70B at TP2 on MI300X with just enough memory for one 131,072-token sequence: 65.7 GiB of
    weights, 1.5 GiB of activations, non-torch and RCCL, 20.0 GiB of KV for the sequence, out of 0.46 x 192 GiB
    = 88.3 GiB.  AITER's 3 GiB all-reduce tips it over."""
    return {
        "name": "llama-70b-tp2-tight",
        "goal": "latency",
        "model": {
            "id": "meta-llama/Llama-3.1-70B-Instruct",
            "revision": "1605565b47bb9346c5515c34102e054115b4f98b",
        },
        "hardware": {"gpu": "MI300X", "gpusPerNode": 8},
        "precision": {"dtype": "bfloat16"},
        "parallelism": {"tensor": 2},
        "serving": {"maxModelLen": 131072, "gpuMemoryUtilization": 0.46},
        "vllm": {"env": env, "extraArgs": extra_args or []},
    }


def memory_findings(data: dict[str, Any]) -> list[str]:
    _, found = check_recipe_data(data, default_context(), "llama-70b-tp2-tight.yaml")
    return [f.message for f in found if f.check == "memory"]


def test_the_sequence_fits_without_aiter() -> None:
    assert memory_findings(recipe({})) == []


def test_aiter_all_reduce_buffers_leave_too_little_kv_cache() -> None:
    (message,) = memory_findings(recipe({"VLLM_ROCM_USE_AITER": "1"}))
    assert "fewer than one maxModelLen 131072 sequence" in message


def test_eager_mode_builds_no_aiter_all_reduce() -> None:
    assert memory_findings(recipe({"VLLM_ROCM_USE_AITER": "1"}, ["--enforce-eager"])) == []


VLLM_0_29_TAG = "rocm10.1.0_ubuntu24.04_py3.14_pytorch_2.13.0_vllm_0.29.0"


def test_on_vllm_0_29_the_larger_default_batch_is_what_leaves_too_little() -> None:
    """The image's release decides: 0.29.0 profiles 16,384 batched tokens on MI300X (1.2 GiB more activations
    here), while its AITER all-reduce is allocated before the budget is measured."""
    late = {**recipe({"VLLM_ROCM_USE_AITER": "1"}), "image": {"tag": VLLM_0_29_TAG}}
    (message,) = memory_findings(late)
    assert "fewer than one maxModelLen 131072 sequence" in message
    late["vllm"]["extraArgs"] = ["--max-num-batched-tokens", "8192"]
    assert memory_findings(late) == []
