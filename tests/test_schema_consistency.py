"""One source of truth: the recipe schema, the chart's values schema, the vLLM choices and the GPU catalog agree."""

from __future__ import annotations

import json
import re
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


def test_the_chart_takes_any_catalog_gpu_and_keeps_no_device_id_table() -> None:
    """The GPU catalog is the only device-id table: the chart's schema lists no GPUs, its templates no ids."""
    gpu = chart_schema()["properties"]["gpu"]["properties"]
    assert "enum" not in gpu["model"]
    assert all(re.fullmatch(gpu["model"]["pattern"], name) for name in load_catalog().gpus)
    templates = "".join(path.read_text() for path in (CHART / "templates").rglob("*.tpl"))
    ids = sorted(i for spec in load_catalog().gpus.values() for i in spec.device_ids if f'"{i}"' in templates)
    assert ids == []


@pytest.mark.parametrize("gpu", sorted(load_catalog().gpus))
def test_values_carry_the_catalog_device_ids_into_the_affinity(gpu: str) -> None:
    ids = list(load_catalog().gpus[gpu].device_ids)
    rendered = helm.render_chart(
        CHART, {"gpu": {"model": gpu, "deviceIds": ids}}, api_versions=helm.CRD_API_VERSIONS
    )
    deployment = next(o for o in helm.split_manifests(rendered) if o["kind"] == "Deployment")
    terms = deployment["spec"]["template"]["spec"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]["nodeSelectorTerms"]
    expressions = [
        e for term in terms for e in term["matchExpressions"] if e["key"] == "amd.com/gpu.device-id"
    ]
    assert [e["values"] for e in expressions] == [ids]
