"""Recipe -> Helm values for charts/rocm-vllm, checked against the chart's own values schema.

Which chart value each recipe field sets is a column of the field table (data/fields.yaml); this module
applies it. The chart alone knows how values become Kubernetes objects.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rocm_vllm.fields import Field, FieldTable, field_table
from rocm_vllm.helm_values import coalesce
from rocm_vllm.pod_resources import pod_resources
from rocm_vllm.pools import is_disaggregated, pool_recipe
from rocm_vllm.recipe import Recipe
from rocm_vllm.slo import slo_trigger_values
from rocm_vllm.startup import startup_probe_values


def _set(values: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = values
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _written(row: Field, value: Any, recipe: Recipe) -> bool:
    """The row's `when` rule: does this recipe write the row's chart value?"""
    present = value is not None or row.has_empty
    if row.when == "truthy":
        return bool(value)
    if row.when == "multiNode":
        return present and recipe.is_multi_node
    if row.when == "notAutoscaled":
        return present and recipe.autoscaling is None
    return present


def _chart_form(row: Field, value: Any) -> Any:
    if value is None:
        return copy.deepcopy(row.empty)
    if row.schema.get("type") == "number":
        return float(value)  # the chart's value is a float even when the recipe wrote 1
    return copy.deepcopy(value)


def recipe_to_values(recipe: Recipe, table: FieldTable | None = None) -> dict[str, Any]:
    """The chart values one recipe sets, row by row of the field table; everything else keeps the chart's default."""
    # Derived from the goal, under the rows: the SLO triggers KEDA scales on (rocm_vllm.slo); deployment.slo.* rows
    # then override single thresholds.
    values: dict[str, Any] = {"keda": {"slo": slo_trigger_values(recipe.goal)}}
    table = table or field_table()
    for row in table.fields:
        if row.value is None:
            continue
        if row.pool:
            if is_disaggregated(recipe):
                _set(values, row.value, _pool_overlay(recipe, row.parts[-1], table))
            continue
        value = recipe.fields[row.path]
        if not _written(row, value, recipe):
            continue
        _set(values, row.value, _chart_form(row, value))
        for enabled in row.enables:
            _set(values, enabled, True)
        if row.catalog_value and recipe.gpu_device_ids:
            _set(values, row.catalog_value, list(recipe.gpu_device_ids))
    # Derived from several fields, not one: the pods' CPU and memory requests (rocm_vllm.pod_resources), the
    # startup probe from the start budget (rocm_vllm.startup), the KV offload buffer (rocm_vllm.kv_offload) and the
    # GPU architecture in the compile cache's key.
    values["resources"] = pod_resources(recipe)
    values["probes"] = startup_probe_values(recipe)
    _derive_catalog_values(recipe, values)
    return values


def _derive_catalog_values(recipe: Recipe, values: dict[str, Any]) -> None:
    from rocm_vllm.catalog import load_catalog
    from rocm_vllm.kv_offload import kv_offload_plan

    catalog = load_catalog()
    gpu = catalog.gpus.get(recipe.gpu)
    if recipe.fields["startup.compileCache"] and gpu is not None:
        _set(values, "compileCache.gpuArch", gpu.arch)
    found = catalog.checkpoint(recipe.model_id)
    plan = kv_offload_plan(recipe, gpu, *(found or (None, None)))
    if plan is not None and plan.size_gib is not None:
        _set(values, "kvOffload.sizeGiB", plan.size_gib)


def _pool_overlay(recipe: Recipe, role: str, table: FieldTable) -> dict[str, Any]:
    """A pool's chart values as an overlay: its recipe's values minus what equals the shared top level's."""
    shared = recipe_to_values(pool_recipe(recipe, None), table)
    return _difference(recipe_to_values(pool_recipe(recipe, role), table), shared)


def _difference(values: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The keys of `values` that differ from `base` (maps compared key by key). A key only `base` has stays as
    the top level sets it: only `when` rules leave keys out (replicaCount under an autoscaler, multiNode.launchMode
    on one node), and there the top level's value is ignored by the chart."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            nested = _difference(value, base[key])
            if nested:
                out[key] = nested
        elif key not in base or base[key] != value:
            out[key] = copy.deepcopy(value)
    return out


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
