"""What a valid stack produces: the stack chart's values, its values file and its Flux HelmRelease."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from rocm_vllm.checks import CheckContext
from rocm_vllm.helm_values import merge_maps
from rocm_vllm.paths import display_path
from rocm_vllm.stack.result import GENERATE_COMMAND, STACK_CHART, StackResult
from rocm_vllm.stamp import stamp
from rocm_vllm.yamlio import dump_yaml


def stack_values(result: StackResult, context: CheckContext) -> dict[str, Any]:
    """charts/rocm-vllm-stack values for a checked stack: each model's recipe values, the router, the cache."""
    from rocm_vllm.cache import CachedModel, estimate_cache_size

    assert result.document is not None
    data: dict[str, Any] = result.document.data
    models = {m.key: copy.deepcopy(m.values) for m in result.models}
    cache_in: dict[str, Any] = data.get("cache") or {}
    mode = cache_in.get("mode", "perStack")
    cache: dict[str, Any] = {"mode": mode}
    if mode == "perStack":
        if cache_in.get("size"):
            cache["size"] = cache_in["size"]
        else:
            unique = sorted({CachedModel(m.recipe.model_id, m.recipe.revision) for m in result.models})
            cache["size"] = estimate_cache_size(unique, context.catalog)
    elif mode == "perModel":
        for model in result.models:
            if not model.values.get("cache", {}).get("size"):
                size = estimate_cache_size(
                    [CachedModel(model.recipe.model_id, model.recipe.revision)], context.catalog
                )
                models[model.key] = merge_maps(models[model.key], {"cache": {"size": size}})
    for key in ("storageClassName", "existingClaim", "waitForDownload", "values"):
        if key in cache_in:
            cache[key] = copy.deepcopy(cache_in[key])
    router_in: dict[str, Any] = data.get("router") or {}
    router: dict[str, Any] = {}
    if "replicas" in router_in:
        router["replicaCount"] = router_in["replicas"]
    for key in ("routingLogic", "sessionKey"):
        if key in router_in:
            router[key] = router_in[key]
    if router_in.get("autoscaling"):
        router["autoscaling"] = {"enabled": True, **router_in["autoscaling"]}
    if router_in.get("podDisruptionBudget"):
        router["podDisruptionBudget"] = {"enabled": True, **router_in["podDisruptionBudget"]}
    router = merge_maps(router, router_in.get("values") or {})
    values: dict[str, Any] = {"models": models, "cache": cache}
    if router:
        values["router"] = router
    if data.get("modelDefaults"):
        values["modelDefaults"] = copy.deepcopy(data["modelDefaults"])
    return values


def values_document(result: StackResult, out_dir: Path) -> str:
    """The stack's values file: the stamp, a pointer to the source, the description, then sorted YAML."""
    source = result.path.as_posix()
    header = stamp(
        [*GENERATE_COMMAND, source, "--out", display_path(out_dir)],
        source=source,
        notes=[result.description.rstrip()],
        quote=False,
    )
    return dump_yaml(result.values, header=header)


def stack_helmrelease(
    result: StackResult,
    *,
    namespace: str,
    source: Any,
    interval: str = "10m",
    stamp: str,
    release_name: str | None = None,
) -> dict[str, Any]:
    """A Flux HelmRelease installing charts/rocm-vllm-stack with the stack's values (rocm_vllm.flux.helmrelease_for),
    with drift detection ignoring the replicas of every workload an autoscaler owns."""
    from rocm_vllm.flux import helmrelease_for
    from rocm_vllm.paths import chart_dir

    obj = helmrelease_for(
        release_name or result.name,
        result.values,
        namespace=namespace,
        source=source,
        interval=interval,
        stamp=stamp,
        chart=chart_dir(STACK_CHART),
    )
    obj["metadata"]["labels"]["app.kubernetes.io/name"] = STACK_CHART
    return obj
