"""Requests of a recipe's serving pods: CPU per GPU, memory from GPUs and the pod's checkpoint share, never empty."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from rocm_vllm.paths import chart_dir
from rocm_vllm.pod_resources import checkpoint_bytes_per_pod, pod_resources
from rocm_vllm.recipe import Recipe
from rocm_vllm.validate import validate_paths
from rocm_vllm.values import recipe_to_values, values_schema_problems

CASES = Path(__file__).parent / "recipes" / "valid"
GIB = 2**30


def recipe(name: str = "extras-and-deployment") -> Recipe:
    result = validate_paths([CASES / f"{name}.yaml"])
    assert result.ok
    return result.recipes[0]


def with_fields(recipe: Recipe, changes: dict[str, object]) -> Recipe:
    """The recipe with some field values (by their field-table path) changed."""
    return dataclasses.replace(recipe, fields={**recipe.fields, **changes})


def gib(quantity: str) -> int:
    assert quantity.endswith("Gi")
    return int(quantity.removesuffix("Gi"))


def test_cpu_is_two_per_gpu_with_a_floor_of_four() -> None:
    eight = recipe()
    assert eight.gpus_per_node == 8
    assert pod_resources(eight)["requests"]["cpu"] == "16"
    assert pod_resources(with_fields(eight, {"hardware.gpusPerNode": 1}))["requests"]["cpu"] == "4"


def test_memory_grows_with_gpus_and_the_checkpoint_share() -> None:
    base = recipe()
    share = checkpoint_bytes_per_pod(base)
    assert share > 100 * GIB  # Llama-3.1-70B in bf16
    memory = gib(pod_resources(base)["requests"]["memory"])
    assert memory >= 8 + 4 * 8 + share / 4 / GIB
    fewer = gib(pod_resources(with_fields(base, {"hardware.gpusPerNode": 4}))["requests"]["memory"])
    assert memory - fewer == 4 * 4


def test_a_multi_node_pod_reads_its_pipeline_share_of_the_checkpoint() -> None:
    single = recipe()
    double = with_fields(single, {"hardware.nodesPerReplica": 2})
    assert checkpoint_bytes_per_pod(double) == checkpoint_bytes_per_pod(single) / 2


def test_a_model_outside_the_catalog_gets_the_base_requests() -> None:
    unknown = with_fields(recipe(), {"model.id": "example/not-in-the-catalog"})
    assert checkpoint_bytes_per_pod(unknown) == 0
    assert pod_resources(unknown) == {"requests": {"cpu": "16", "memory": f"{8 + 4 * 8}Gi"}}


def test_generated_values_carry_the_requests_and_fit_the_chart() -> None:
    values = recipe_to_values(recipe())
    assert values["resources"] == pod_resources(recipe())
    assert values_schema_problems(values, chart_dir()) == []
