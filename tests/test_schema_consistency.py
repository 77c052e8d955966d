"""One source of truth: the recipe schema, the chart's values schema, the vLLM choices and the GPU catalog agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rocm_vllm import helm
from rocm_vllm.catalog import load_catalog
from rocm_vllm.recipe import recipe_schema
from rocm_vllm.vllm_facts import load_vllm_facts

REPO = Path(__file__).resolve().parents[1]
CHART = REPO / "charts" / "rocm-vllm"


def chart_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
    return schema


def test_chart_accepts_exactly_the_vllm_choices() -> None:
    vllm = chart_schema()["properties"]["vllm"]["properties"]
    choices = load_vllm_facts().choices
    for value_key, choice_key in (
        ("dtype", "dtype"),
        ("kvCacheDtype", "kvCacheDtype"),
        ("quantization", "quantization"),
    ):
        assert set(vllm[value_key]["enum"]) == {"", *choices[choice_key]}, value_key


def test_launch_modes_agree() -> None:
    chart = chart_schema()["properties"]["multiNode"]["properties"]["launchMode"]["enum"]
    recipe = recipe_schema()["properties"]["launch"]["properties"]["mode"]["enum"]
    assert set(chart) == set(recipe)


def test_chart_gpu_models_are_the_catalog_gpus() -> None:
    chart = chart_schema()["properties"]["gpu"]["properties"]["model"]["enum"]
    assert set(chart) == {"", *load_catalog().gpus}


@pytest.mark.parametrize("gpu", sorted(load_catalog().gpus))
def test_chart_device_ids_match_the_catalog(gpu: str) -> None:
    rendered = helm.render_chart(CHART, {"gpu": {"model": gpu}}, api_versions=helm.CRD_API_VERSIONS)
    deployment = next(o for o in helm.split_manifests(rendered) if o["kind"] == "Deployment")
    terms = deployment["spec"]["template"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    expressions = [
        e for term in terms for e in term["matchExpressions"] if e["key"] == "amd.com/gpu.device-id"
    ]
    assert expressions, "no device-id affinity"
    assert {v.lower() for e in expressions for v in e["values"]} == set(load_catalog().gpus[gpu].device_ids)
