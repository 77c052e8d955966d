"""Recipe -> Helm values for charts/rocm-vllm, checked against the chart's own values schema.

Only this module knows how recipe fields map onto chart values; the chart alone knows how values
become Kubernetes objects.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rocm_vllm.helm_values import coalesce
from rocm_vllm.pod_resources import pod_resources
from rocm_vllm.recipe import Recipe


def recipe_to_values(recipe: Recipe) -> dict[str, Any]:
    """The chart values one recipe sets; everything else keeps the chart's default."""
    model: dict[str, Any] = {"id": recipe.model_id, "revision": recipe.revision}
    if recipe.served_model_name:
        model["servedModelName"] = recipe.served_model_name
    if recipe.trust_remote_code:
        model["trustRemoteCode"] = True
    vllm: dict[str, Any] = {
        "tensorParallelSize": recipe.tensor,
        "pipelineParallelSize": recipe.pipeline,
        "dataParallelSize": recipe.data,
        "enableExpertParallel": recipe.expert,
        "maxModelLen": recipe.max_model_len,
        "gpuMemoryUtilization": recipe.gpu_memory_utilization,
        "dtype": recipe.dtype,
        "quantization": recipe.quantization or "",
        "kvCacheDtype": recipe.kv_cache_dtype,
        "extraArgs": list(recipe.extra_args),
        "env": dict(recipe.env),
    }
    if recipe.max_num_seqs is not None:
        vllm["maxNumSeqs"] = recipe.max_num_seqs
    values: dict[str, Any] = {
        "model": model,
        "vllm": vllm,
        "gpu": {"count": recipe.gpus_per_node, "model": recipe.gpu},
        "multiNode": {"nodesPerReplica": recipe.nodes_per_replica},
        "resources": pod_resources(recipe),
    }
    if recipe.is_multi_node and recipe.launch_mode:
        values["multiNode"]["launchMode"] = recipe.launch_mode
    image = {k: v for k, v in (("repository", recipe.image_repository), ("tag", recipe.image_tag)) if v}
    if image:
        values["image"] = image
    if recipe.autoscaling:
        values["autoscaling"] = {
            "enabled": True,
            "minReplicas": recipe.autoscaling.min_replicas,
            "maxReplicas": recipe.autoscaling.max_replicas,
        }
    elif recipe.replicas is not None:
        values["replicaCount"] = recipe.replicas
    if recipe.pdb_max_unavailable is not None:
        values["podDisruptionBudget"] = {"enabled": True, "maxUnavailable": recipe.pdb_max_unavailable}
    if recipe.cache:
        values["cache"] = {"enabled": True, **recipe.cache}
    if recipe.shm_size:
        values["rocm"] = {"shmSize": recipe.shm_size}
    return values


@lru_cache(maxsize=4)
def _chart_contract(chart: Path) -> tuple[dict[str, Any], Any]:
    """The chart's defaults and a compiled validator for its values.schema.json, read once per chart."""
    from jsonschema import Draft7Validator

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    defaults = yaml.load((chart / "values.yaml").read_text(encoding="utf-8"), Loader=loader) or {}
    schema = json.loads((chart / "values.schema.json").read_text(encoding="utf-8"))
    return defaults, Draft7Validator(schema)


def values_schema_problems(values: dict[str, Any], chart: Path) -> list[str]:
    """Violations of the chart's values.schema.json by `values` coalesced with the chart defaults as Helm does."""
    defaults, validator = _chart_contract(chart.resolve())
    merged = coalesce(values, defaults)
    problems = []
    for error in sorted(validator.iter_errors(merged), key=lambda e: list(map(str, e.absolute_path))):
        location = "/".join(str(p) for p in error.absolute_path)
        problems.append(f"values /{location}: {error.message}")
    return problems
