"""Recipe -> chart values: every recipe field lands on the chart value the README's table names."""

from __future__ import annotations

from pathlib import Path

from rocm_vllm.paths import chart_dir
from rocm_vllm.validate import validate_paths
from rocm_vllm.values import recipe_to_values, values_schema_problems

CASES = Path(__file__).parent / "recipes" / "valid"


def values_of(name: str) -> dict:  # type: ignore[type-arg]
    result = validate_paths([CASES / f"{name}.yaml"])
    assert result.ok
    return recipe_to_values(result.recipes[0])


def test_every_field_of_a_full_recipe_maps_onto_the_chart() -> None:
    values = values_of("extras-and-deployment")
    assert values["model"] == {
        "id": "meta-llama/Llama-3.1-70B-Instruct",
        "revision": "1605565b47bb9346c5515c34102e054115b4f98b",
    }
    assert values["gpu"] == {"count": 8, "model": "MI300X", "deviceIds": ["74a1", "74a9", "74b5", "74bd"]}
    assert values["multiNode"] == {"nodesPerReplica": 1}
    assert values["vllm"]["tensorParallelSize"] == 8 and values["vllm"]["maxModelLen"] == 32768
    assert values["vllm"]["extraArgs"] == [
        "--enable-prefix-caching",
        "--max-num-batched-tokens=32768",
        "--no-enable-chunked-prefill",
    ]
    assert values["vllm"]["env"] == {"NCCL_DEBUG": "WARN", "VLLM_ROCM_USE_AITER": "1"}
    assert values["image"] == {
        "repository": "rocm/vllm",
        "tag": "rocm7.14.0_cdna_ubuntu24.04_py3.14_pytorch_2.11.0_vllm_0.23.0",
    }
    assert values["autoscaling"] == {"enabled": True, "minReplicas": 1, "maxReplicas": 4}
    assert "replicaCount" not in values  # the autoscaler owns it
    assert values["podDisruptionBudget"] == {"enabled": True, "maxUnavailable": 1}
    assert values["cache"] == {"enabled": True, "size": "500Gi", "storageClassName": "fast"}
    assert values["rocm"] == {"shmSize": "32Gi"}
    assert values_schema_problems(values, chart_dir()) == []


def test_multi_node_launch_mode_and_defaults() -> None:
    values = values_of("multinode-mp-pp2")
    assert values["multiNode"] == {"nodesPerReplica": 2, "launchMode": "mp"}
    assert values["vllm"]["pipelineParallelSize"] == 2 and values["vllm"]["quantization"] == ""
    for absent in ("image", "autoscaling", "podDisruptionBudget", "cache", "rocm", "replicaCount"):
        assert absent not in values


def test_quantization_and_kv_cache_dtype() -> None:
    vllm = values_of("fp8-online-quantization")["vllm"]
    assert vllm["quantization"] == "fp8" and vllm["kvCacheDtype"] == "fp8"
